// Package idempotency lets a consumer produce an event's effect once
// however often the event is delivered. Before handling an event, the
// consumer claims its key (consumer name and envelope eventId) for a lease
// as long as the function's timeout; once done, it records the result,
// kept for days. A duplicate finds the result and does nothing; a
// delivery that overlaps a live claim backs off; a claim whose holder
// crashed expires with its lease and can be taken again.
package idempotency
