package awsclient

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
)

// Config loads the SDK configuration from the function's environment. It
// does no network I/O, so it is cheap at cold start.
func Config(ctx context.Context, log *slog.Logger) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(slogLogger{log}))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// DynamoDB returns a DynamoDB client for cfg.
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		// DynamoDB always sends a CRC32 of each response, which the SDK
		// checks; emulators send none, and the SDK then logs a mismatch for
		// every call. TLS protects the body on AWS either way.
		o.DisableValidateResponseChecksum = cfg.BaseEndpoint != nil
	})
}

// slogLogger routes the SDK's log lines (retries, deprecations) to slog.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Logf(c logging.Classification, format string, v ...any) {
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, v...), slog.String("component", "aws-sdk"))
}
