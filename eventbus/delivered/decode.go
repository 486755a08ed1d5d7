package delivered

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/eventshop/eventshop/events"
)

// Decode reads the envelope out of an EventBridge event as the bus
// delivers it to a rule's target — the body of a message that a queue
// subscribed to the bus receives. The envelope is the event's detail,
// parsed and validated by events.Parse; its type must equal the
// detail-type. Of the EventBridge event only detail-type and detail are
// read; its other members are skipped, whatever they hold. On
// ErrUnknownType and ErrUnknownVersion the envelope is returned as far as
// it was read, so that a consumer can log what it skips.
func Decode(body []byte) (events.Envelope, error) {
	detailType, detail, err := read(body)
	if err != nil {
		return events.Envelope{}, &events.InvalidError{Reason: "body is not an EventBridge event: " + err.Error()}
	}
	env, err := events.Parse(detail)
	if err != nil {
		return env, err
	}
	if env.EventType != detailType {
		return events.Envelope{}, &events.InvalidError{Field: "eventType", Reason: fmt.Sprintf("%q differs from detail-type %q", env.EventType, detailType)}
	}
	return env, nil
}

// read returns the detail-type and the detail of an EventBridge event,
// the detail as the slice of body that holds it, not copied. Errors say
// what is wrong without quoting the body.
//
// The decoder leaves names that appear twice to this function: events.Parse
// reads the detail again, strictly, and so need not pay for it here; of
// the event's own members, detail-type and detail may appear once.
func read(body []byte) (detailType string, detail []byte, err error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true))
	var seenType, seenDetail bool
	if dec.PeekKind() != '{' {
		return "", nil, errors.New("not a JSON object")
	}
	if _, err := dec.ReadToken(); err != nil {
		return "", nil, syntax(dec)
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return "", nil, syntax(dec)
		}
		switch name.String() {
		case "detail-type":
			if seenType {
				return "", nil, errors.New("detail-type appears twice")
			}
			seenType = true
			if dec.PeekKind() != '"' {
				return "", nil, errors.New("detail-type is not a string")
			}
			t, err := dec.ReadToken()
			if err != nil {
				return "", nil, syntax(dec)
			}
			detailType = t.String()
		case "detail":
			if seenDetail {
				return "", nil, errors.New("detail appears twice")
			}
			seenDetail = true
			v, err := dec.ReadValue()
			if err != nil {
				return "", nil, syntax(dec)
			}
			end := int(dec.InputOffset())
			detail = body[end-len(v) : end : end]
		default:
			if err := dec.SkipValue(); err != nil {
				return "", nil, syntax(dec)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return "", nil, syntax(dec)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return "", nil, errors.New("has more after the JSON object")
	}
	if detailType == "" || len(detail) == 0 {
		return "", nil, errors.New("no detail-type or detail")
	}
	return detailType, detail, nil
}

// syntax says where the body stops being JSON that can be read one way
// only (a name twice, invalid UTF-8 or a lone surrogate included), without
// its text.
func syntax(dec *jsontext.Decoder) error {
	return fmt.Errorf("not valid JSON (at byte %d)", dec.InputOffset())
}
