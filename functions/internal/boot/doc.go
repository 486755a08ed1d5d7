// Package boot is the main of every function: it reads the function's
// environment as the deployment contract declares it, checks it, loads the
// AWS configuration, builds the handler and hands it to Lambda. A
// function's own main.go is one call to [Run] and the build step that
// wires its clients.
package boot
