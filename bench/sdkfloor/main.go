// Command sdkfloor is the second baseline of make bench's cold-init
// measurement: a function that does what every eventshop function must at
// init — load the AWS configuration and make a DynamoDB client — and
// nothing else. The gap between it and hello-world is the AWS SDK's own
// start; the gap above it is eventshop's.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	lambda.Start(func() (string, error) {
		_ = db
		return "floor", nil
	})
}
