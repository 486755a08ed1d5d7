package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
)

// stack is a deployed eventshop: its outputs and how to reach its account.
type stack struct {
	name    string
	outputs map[string]string
	aws     aws.Config
}

// openStack reads the outputs file and builds the AWS configuration: the
// default chain, unless the outputs name a local emulator and
// AWS_ENDPOINT_URL is not set, in which case it talks to the emulator.
func openStack(ctx context.Context, opts options) (*stack, error) {
	path := opts.outputs
	if path == "" {
		for _, p := range []string{".local/outputs.json", "cdk-outputs.json"} {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		return nil, errors.New("no outputs file: run make local or make deploy first, or pass --outputs")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var byStack map[string]map[string]string
	if err := json.Unmarshal(raw, &byStack); err != nil {
		return nil, fmt.Errorf("%s is not an outputs file: %w", path, err)
	}
	s := &stack{name: opts.stack}
	if s.name == "" {
		if len(byStack) != 1 {
			return nil, fmt.Errorf("%s holds %d stacks: name one with --stack", path, len(byStack))
		}
		for name := range byStack {
			s.name = name
		}
	}
	if s.outputs = byStack[s.name]; s.outputs == nil {
		return nil, fmt.Errorf("%s has no stack %q", path, s.name)
	}

	var loadOpts []func(*config.LoadOptions) error
	if emu := s.output(contract.OutputEmulatorURL); emu != "" && os.Getenv("AWS_ENDPOINT_URL") == "" {
		loadOpts = append(loadOpts, config.WithBaseEndpoint(emu), config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	}
	if s.aws, err = config.LoadDefaultConfig(ctx, loadOpts...); err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return s, nil
}

// Kinds of dead-letter queue: see package dlq.
const (
	consumerDLQ   = dlq.KindConsumer
	busDLQ        = dlq.KindBus
	relayFailures = dlq.KindRelay
)

// output is one of the stack's outputs, "" if it has none of the name.
func (s *stack) output(name contract.Output) string { return s.outputs[string(name)] }

// needOutput is an output the stack must have for a command.
func (s *stack) needOutput(name contract.Output) (string, error) {
	if v := s.output(name); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("stack %s has no output %s", s.name, name)
}

// deadLetterQueue is a dead-letter queue of the stack.
type deadLetterQueue = dlq.Queue

// deadLetterQueues lists the dead-letter queues the stack's outputs name,
// by name.
func (s *stack) deadLetterQueues() []deadLetterQueue { return dlq.QueuesOf(s.outputs) }

// deadLetterQueue finds a dead-letter queue by name, in any case and with
// or without separators: "order-history" finds OrderHistoryDLQUrl.
func (s *stack) deadLetterQueue(name string) (deadLetterQueue, error) {
	all := s.deadLetterQueues()
	if q, ok := dlq.Find(all, name); ok {
		return q, nil
	}
	var names []string
	for _, q := range all {
		names = append(names, q.Name)
	}
	return deadLetterQueue{}, fmt.Errorf("stack %s has no dead-letter queue %q: known ones are %s", s.name, name, strings.Join(names, ", "))
}
