package contract

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Var is an environment variable that the stack sets on a function and
// the function reads once, at start.
type Var string

// The functions' environment variables.
const (
	// EnvEventsTable is the event store table.
	EnvEventsTable Var = "EVENTS_TABLE"
	// EnvUsersTable is the user service's table.
	EnvUsersTable Var = "USERS_TABLE"
	// EnvCustomersTable is the order service's customers table.
	EnvCustomersTable Var = "CUSTOMERS_TABLE"
	// EnvEventBusName is the bus the relay publishes to.
	EnvEventBusName Var = "EVENT_BUS_NAME"
	// EnvMailFrom is the verified SES identity mail is sent from.
	EnvMailFrom Var = "MAIL_FROM"
	// EnvMailConfigurationSet is the SES configuration set every mail is
	// sent with: it publishes bounces and complaints, and suppresses.
	EnvMailConfigurationSet Var = "MAIL_CONFIGURATION_SET"
	// EnvResetURL is the shop's page that takes a password reset token.
	EnvResetURL Var = "RESET_URL"
	// EnvPaymentProvider is the payment provider: SimulatedProvider, the
	// one in the payment function, or the http(s) URL of a provider's API
	// (functions/payment/http.go says which).
	EnvPaymentProvider Var = "PAYMENT_PROVIDER"
	// EnvStockTable is the inventory service's stock table.
	EnvStockTable Var = "STOCK_TABLE"
	// EnvKeysTable keeps each user's data key, wrapped by EnvPersonalDataKey.
	EnvKeysTable Var = "KEYS_TABLE"
	// EnvPersonalDataKey is the KMS key that wraps the users' data keys.
	EnvPersonalDataKey Var = "PERSONAL_DATA_KEY"
	// EnvResetTokenKey is the KMS key that encrypts password reset tokens
	// for the notification function.
	EnvResetTokenKey Var = "RESET_TOKEN_KEY"

	// EnvConsumerName names a consumer in its idempotency keys.
	EnvConsumerName Var = "CONSUMER_NAME"
	// EnvIdempotencyTable records the events consumers handled.
	EnvIdempotencyTable Var = "IDEMPOTENCY_TABLE"
	// EnvDLQURL is the consumer queue's dead-letter queue.
	EnvDLQURL Var = "DLQ_URL"
	// EnvMaxReceiveCount is the consumer queue's maxReceiveCount.
	EnvMaxReceiveCount Var = "MAX_RECEIVE_COUNT"
	// EnvRetryBaseSeconds is the backoff before a consumer's first retry.
	EnvRetryBaseSeconds Var = "RETRY_BASE_SECONDS"
	// EnvLeaseSeconds is the function's timeout, which bounds a claim.
	EnvLeaseSeconds Var = "LEASE_SECONDS"
)

// The tags of every mail sent, which SES hands back with the mail's
// bounces and complaints: whom it went to and why. Tag values may hold
// letters, digits, _ - . and @ only.
const (
	// MailTagUserID is the recipient's user id.
	MailTagUserID = "eventshop-user-id"
	// MailTagEventID is the event whose mail it is.
	MailTagEventID = "eventshop-event-id"
	// MailTagTemplate is which mail it is, such as "welcome".
	MailTagTemplate = "eventshop-template"
)

// SimulatedProvider is the EnvPaymentProvider of the simulated payment
// provider inside the payment function, which decides by the payment
// method alone.
const SimulatedProvider = "simulated"

// MaxReceiveCount is how often a consumer queue delivers a message before
// it moves to the queue's dead-letter queue (EnvMaxReceiveCount).
const MaxReceiveCount = 5

// ConsumerEnv lists what every consumer of the topology is told of its
// delivery, besides its own variables.
func ConsumerEnv() []Var {
	return []Var{EnvConsumerName, EnvIdempotencyTable, EnvDLQURL, EnvMaxReceiveCount, EnvRetryBaseSeconds, EnvLeaseSeconds}
}

// Check says what is wrong with a value of v, naming v, or returns nil.
// Every variable must be set; some must also have a form.
func (v Var) Check(value string) error {
	if value == "" {
		return fmt.Errorf("%s is not set", v)
	}
	switch v {
	case EnvMaxReceiveCount, EnvRetryBaseSeconds, EnvLeaseSeconds:
		if n, err := strconv.Atoi(value); err != nil || n < 1 {
			return fmt.Errorf("%s must be a positive whole number", v)
		}
	case EnvPersonalDataKey, EnvResetTokenKey:
		if !strings.HasPrefix(value, "arn:") || !strings.Contains(value, ":key/") {
			return fmt.Errorf("%s must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)", v)
		}
	case EnvPaymentProvider:
		if value == SimulatedProvider {
			break
		}
		if u, err := url.Parse(value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s must be %q or the absolute http(s) URL of a payment provider's API", v, SimulatedProvider)
		}
	case EnvResetURL:
		if u, err := url.Parse(value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s must be an absolute http(s) URL", v)
		}
	}
	return nil
}

// Example is a value of v that Check accepts, for tests and benchmarks
// that start a function without a stack.
func (v Var) Example() string {
	for _, value := range []string{"1", "https://shop.example/page", "x", "arn:aws:kms:eu-west-1:000000000000:key/00000000-0000-4000-8000-000000000000"} {
		if v.Check(value) == nil {
			return value
		}
	}
	panic("contract: no example value for " + string(v))
}
