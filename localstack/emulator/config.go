package emulator

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Credentials are the fixed keys the emulator accepts; it checks no
// signature, but the SDK insists on signing.
var Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")

// Config returns an SDK configuration that sends every service's calls to
// the emulator at url.
func Config(ctx context.Context, url, region string) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(Credentials),
		config.WithBaseEndpoint(url),
	)
}
