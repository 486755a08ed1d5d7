// Package awsconfig loads the AWS SDK configuration the same way in every
// program: from the environment (so that AWS_ENDPOINT_URL points it at an
// emulator), with the SDK's standard retryer, and the SDK's own log lines
// as structured logs. It links no service client: a program pays the
// start-up of the clients it builds, and of no others.
package awsconfig

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// Load loads the SDK configuration from the environment. It does no
// network I/O, so it is cheap at cold start.
func Load(ctx context.Context, log *slog.Logger) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(slogLogger{log}))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
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
