// Package lambdahost runs Lambda functions on this machine the way the
// Lambda service would: each function's bootstrap, built for the host,
// connects to the emulator's Runtime API with the function's environment
// from the template. Each instance handles one invocation at a time; a
// function runs several instances for concurrency, and one that exits is
// started again.
package lambdahost
