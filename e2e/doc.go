// Package e2e tests eventshop end to end, as a user meets it: through the
// HTTP API of a running stack, asserting on the mail that was sent, the
// state the API shows and the events stored.
//
// The tests run when EVENTSHOP_E2E=1 (make test sets it). By default they
// start the local stack themselves, on free ports, so that they never
// collide with a `make local` in another terminal; with EVENTSHOP_OUTPUTS
// set to an outputs file they use that running stack instead.
package e2e
