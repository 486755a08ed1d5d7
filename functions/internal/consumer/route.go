package consumer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/eventshop/eventshop/events"
)

// Handler handles the events of one type.
type Handler struct {
	eventType string
	handle    Handle
}

// On returns the handler of the events of T's type. handle gets the
// payload decoded at the catalogue's latest version, whichever version
// was sent, and the envelope as it came; a payload that does not decode is
// dead-lettered.
func On[T events.Payload](handle func(ctx context.Context, p T, env events.Envelope) (Result, error)) Handler {
	var zero T
	return Handler{eventType: zero.EventType(), handle: func(ctx context.Context, env events.Envelope) (Result, error) {
		p, err := events.Decode[T](env)
		if err != nil {
			return Result{}, Permanent(err)
		}
		return handle(ctx, p, env)
	}}
}

// Routes hand each event to the handler of its type.
type Routes struct {
	byType map[string]Handle
}

// Route returns the routes of handlers, one per event type: a second
// handler of a type is a mistake, and panics.
func Route(handlers ...Handler) Routes {
	r := Routes{byType: map[string]Handle{}}
	for _, h := range handlers {
		if _, dup := r.byType[h.eventType]; dup {
			panic(fmt.Sprintf("consumer: two handlers of %s", h.eventType))
		}
		r.byType[h.eventType] = h.handle
	}
	return r
}

// Handle hands env to the handler of its type. An event of a type with
// none is skipped: routed here by mistake, or of a type this build handles
// no longer.
func (r Routes) Handle(ctx context.Context, env events.Envelope) (Result, error) {
	h, ok := r.byType[env.EventType]
	if !ok {
		return Result{}, fmt.Errorf("%w: no handler of %s", ErrSkip, env.EventType)
	}
	return h(ctx, env)
}

// Types lists the event types that have a handler, sorted.
func (r Routes) Types() []string { return slices.Sorted(maps.Keys(r.byType)) }

// Serve returns the Lambda handler of the consumer's queue, with routes
// for its events. It refuses routes that miss an event type the topology
// subscribes the consumer to, naming it: such events would be skipped.
func (c *Consumer) Serve(routes Routes) (Lambda, error) {
	var missing []string
	for _, t := range c.subscriptions {
		if _, ok := routes.byType[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("consumer %s is subscribed to %s but has no handler of it: add consumer.On for each", c.Name, strings.Join(missing, ", "))
	}
	return c.Handler(routes.Handle), nil
}
