// Package logging builds the structured logger every function uses: JSON
// lines on stdout, which Lambda forwards to CloudWatch Logs, each carrying
// the service and the function's name.
package logging

import (
	"log/slog"
	"os"
)

// New returns the logger of a service's function.
func New(service string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, nil)).
		With("service", service, "function", os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
}
