package esm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Invoker invokes a function synchronously, as an event source mapping
// does.
type Invoker struct {
	client *lambda.Client
}

// NewInvoker returns an invoker on a Lambda client. The client must not
// retry: a retried Invoke could run a batch twice behind the mapping's back.
func NewInvoker(client *lambda.Client) *Invoker { return &Invoker{client: client} }

// ErrFunction is wrapped by errors that the function itself returned.
var ErrFunction = errors.New("function error")

// Invoke sends payload to the function and returns its response. An error
// wrapping ErrFunction means the function ran and failed (or timed out);
// any other error means it may not have run.
func (i *Invoker) Invoke(ctx context.Context, function string, payload any) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	out, err := i.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: body})
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", function, err)
	}
	if out.FunctionError != nil {
		return out.Payload, fmt.Errorf("%w (%s): %s", ErrFunction, aws.ToString(out.FunctionError), summary(out.Payload))
	}
	return out.Payload, nil
}

func summary(payload []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(payload, &e) == nil && e.ErrorMessage != "" {
		return e.ErrorType + ": " + e.ErrorMessage
	}
	return strings.TrimSpace(string(payload))
}

// logf writes one line for a mapping.
func logf(w io.Writer, name, format string, args ...any) {
	fmt.Fprintf(w, "%-14s | %s\n", name, fmt.Sprintf(format, args...))
}

// sleep waits d or until ctx is done, and says which.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// resourceName is the last part of an ARN: a queue's name.
func resourceName(arn string) string {
	return arn[strings.LastIndex(arn, ":")+1:]
}
