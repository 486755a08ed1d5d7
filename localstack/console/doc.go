// Package console is the local stack's web console: the bus's events as
// they come, a flow's causal tree, the mail the emulator recorded, the
// consumers' queues and dead letters with a redrive button, and the fault
// proxy's rules. The local runner serves it on 127.0.0.1 only; nothing of
// it is deployed.
//
// It is built on what evctl uses: a tap (package eventbus/tap) for the
// live events, package flow for the causal tree, package dlq for the
// dead letters and their redrive, the fault proxy's own HTTP interface.
// Its page is plain JavaScript embedded in the binary, served with a
// strict Content-Security-Policy; mail is shown in a sandboxed frame that
// runs no script and loads nothing.
//
// It keeps the last Capacity events in memory and serves them a page at a
// time, so that the page stays small however many events the bus carried.
package console
