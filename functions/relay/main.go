package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

func main() { boot.Run(contract.Relay, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	relay := &Relay{
		bus:     eventbus.New(eventbridge.NewFromConfig(s.AWS), s.Env.Get(contract.EnvEventBusName)),
		log:     s.Log,
		metrics: metrics.New(os.Stdout, s.Function.Service()),
	}
	return handler(relay), nil
}
