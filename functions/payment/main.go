// Command payment is the payment service: from its SQS queue it takes
// order.placed, and authorizes the order's total with the payment
// provider; order.rejected and order.expired, and voids what was
// authorized; order.cancelled, and refunds. What it did for an order is
// stream payment-<orderId> of the event store, and what it publishes.
package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/consumer"
)

func main() { boot.Run(contract.Payment, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	// A second a call: a provider that does not answer holds up the batch
	// its message came in, and the queue behind it, for no longer. A real
	// provider's timeout would be longer, with an order deadline to match.
	const timeout = time.Second
	var provider Provider = Simulated{Timeout: timeout}
	if u := s.Env.Get(contract.EnvPaymentProvider); u != contract.SimulatedProvider {
		provider = &HTTPProvider{URL: strings.TrimRight(u, "/"), Client: &http.Client{Timeout: timeout}}
	}
	p := &Payments{
		events:   eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvEventsTable)),
		provider: provider,
		retries:  []time.Duration{100 * time.Millisecond, 400 * time.Millisecond},
	}
	return consumer.New(s).Serve(p.Routes())
}
