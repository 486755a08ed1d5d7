package consumer

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// Config is how a consumer function's environment configures its Consumer.
type Config struct {
	Name             string        // CONSUMER_NAME
	IdempotencyTable string        // IDEMPOTENCY_TABLE
	DLQURL           string        // DLQ_URL
	MaxReceiveCount  int           // MAX_RECEIVE_COUNT
	RetryBase        time.Duration // RETRY_BASE_SECONDS: the first retry's backoff
	Lease            time.Duration // LEASE_SECONDS: the function's timeout
}

// ConfigFromEnv reads the consumer's configuration.
func ConfigFromEnv() (Config, error) {
	var errs []error
	number := func(name string) int {
		n, err := strconv.Atoi(os.Getenv(name))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s must be a positive whole number", name))
		}
		return n
	}
	c := Config{
		Name:             os.Getenv("CONSUMER_NAME"),
		IdempotencyTable: os.Getenv("IDEMPOTENCY_TABLE"),
		DLQURL:           os.Getenv("DLQ_URL"),
		MaxReceiveCount:  number("MAX_RECEIVE_COUNT"),
		RetryBase:        time.Duration(number("RETRY_BASE_SECONDS")) * time.Second,
		Lease:            time.Duration(number("LEASE_SECONDS")) * time.Second,
	}
	for name, v := range map[string]string{"CONSUMER_NAME": c.Name, "IDEMPOTENCY_TABLE": c.IdempotencyTable, "DLQ_URL": c.DLQURL} {
		if v == "" {
			errs = append(errs, errors.New(name+" is not set"))
		}
	}
	return c, errors.Join(errs...)
}

// New builds the Consumer a configuration describes, for a function of
// service. It makes no network call.
func New(cfg Config, awsCfg aws.Config, service string, log *slog.Logger) *Consumer {
	return &Consumer{
		Name:            cfg.Name,
		Idempotency:     idempotency.NewDynamo(awsclient.DynamoDB(awsCfg), cfg.IdempotencyTable),
		Lease:           cfg.Lease,
		Keep:            7 * 24 * time.Hour,
		SQS:             sqs.NewFromConfig(awsCfg),
		DLQURL:          cfg.DLQURL,
		MaxReceiveCount: cfg.MaxReceiveCount,
		Backoff:         ExponentialBackoff(cfg.RetryBase, 5*time.Minute),
		Log:             log,
		Metrics:         metrics.New(os.Stdout, service),
	}
}
