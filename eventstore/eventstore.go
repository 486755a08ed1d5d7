package eventstore

import (
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/events"
)

// Record is an envelope at its position in a stream. Versions start at 1
// and have no gaps.
type Record struct {
	StreamID string
	Version  int
	Envelope events.Envelope
}

// ErrConcurrency is wrapped by every [*ConcurrencyError].
var ErrConcurrency = errors.New("stream changed concurrently")

// ConcurrencyError reports an append that lost a race: the stream's version
// was not Expected when the append was written. Nothing was written; the
// caller may reload the stream and decide again.
type ConcurrencyError struct {
	StreamID string
	Expected int
}

// Error names the stream and the version the append expected.
func (e *ConcurrencyError) Error() string {
	return fmt.Sprintf("append to %s at version %d: %v", e.StreamID, e.Expected, ErrConcurrency)
}

// Unwrap makes errors.Is(err, ErrConcurrency) true.
func (e *ConcurrencyError) Unwrap() error { return ErrConcurrency }

// MaxAppend is the most envelopes one append may carry, together with the
// state writes that go with them: DynamoDB's limit of 100 items per
// transaction, less one for the version check.
const MaxAppend = 99

func checkAppend(streamID string, expected, n int) error {
	switch {
	case streamID == "":
		return errors.New("append: empty stream id")
	case expected < 0:
		return fmt.Errorf("append to %s: negative expected version %d", streamID, expected)
	case n == 0:
		return fmt.Errorf("append to %s: no events", streamID)
	case n > MaxAppend:
		return fmt.Errorf("append to %s: %d writes, more than %d", streamID, n, MaxAppend)
	}
	return nil
}

// Latest returns the records with each envelope at its type's latest
// version (see events.Upcast), as readers should see them: an event of a
// type or version this build does not know stays as it was written.
func Latest(records []Record) ([]Record, error) {
	out := make([]Record, len(records))
	for i, r := range records {
		env, err := events.Upcast(r.Envelope)
		switch {
		case errors.Is(err, events.ErrUnknownType), errors.Is(err, events.ErrUnknownVersion):
			env = r.Envelope
		case err != nil:
			return nil, fmt.Errorf("%s v%d: %w", r.StreamID, r.Version, err)
		}
		r.Envelope = env
		out[i] = r
	}
	return out, nil
}
