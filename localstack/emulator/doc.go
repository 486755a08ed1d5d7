// Package emulator runs kumo, the embedded AWS emulator, as a child process
// of the local stack: built from the version pinned in localstack/kumo,
// listening on loopback only.
package emulator
