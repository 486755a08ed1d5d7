// Package runner starts eventshop's stack on this machine with no Docker
// and no AWS account: it synthesizes the CDK app, starts the embedded
// emulator, creates the template's resources in it, runs the functions
// against its Lambda Runtime API, drives the event source mappings and
// serves the HTTP API on a fixed local port. The emulator does everything
// else, through its AWS APIs.
package runner
