// Package proc starts the local stack's child processes — the emulator and
// the functions' bootstraps — so that each one's output lines carry its
// name, and none outlives the runner.
package proc
