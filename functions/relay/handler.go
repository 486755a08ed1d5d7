package main

import (
	"context"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// handler adapts a DynamoDB stream batch to the relay and reports the
// records it could not publish as batch item failures.
func handler(r *Relay) func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	return func(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
		var resp lambdaevents.DynamoDBEventResponse
		for _, seq := range r.Relay(ctx, ev.Records) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: seq})
		}
		return resp, nil
	}
}
