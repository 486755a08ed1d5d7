package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/eventshop/eventshop/contract"
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

// Kinds of dead-letter queue, by what they hold and where it goes back to.
const (
	// consumerDLQ holds messages a consumer gave up on; they go back to the
	// consumer's queue.
	consumerDLQ = "consumer"
	// busDLQ holds events EventBridge could not deliver to a rule's target;
	// each goes back to its target.
	busDLQ = "bus"
	// relayFailures holds Lambda's descriptions of the stream batches the
	// relay gave up on: not events, so nothing goes back.
	relayFailures = "relay"
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
type deadLetterQueue struct {
	// Name is what evctl calls it: a consumer's name, "bus" or "relay".
	Name string `json:"name"`
	Kind string `json:"kind"`
	URL  string `json:"queue"`
	// Source is, for a consumer's, the queue its messages go back to.
	Source string `json:"source,omitempty"`
}

// deadLetterQueues lists the dead-letter queues the stack's outputs name,
// by name.
func (s *stack) deadLetterQueues() []deadLetterQueue {
	var out []deadLetterQueue
	for key, url := range s.outputs {
		// Every consumer's, this build's or a newer stack's.
		if consumer, ok := contract.ConsumerOfDLQOutput(contract.Output(key)); ok && s.output(contract.QueueOutputOf(consumer)) != "" {
			out = append(out, deadLetterQueue{Name: lowerFirst(consumer), Kind: consumerDLQ, URL: url, Source: s.output(contract.QueueOutputOf(consumer))})
		}
	}
	if url := s.output(contract.OutputBusDLQURL); url != "" {
		out = append(out, deadLetterQueue{Name: "bus", Kind: busDLQ, URL: url})
	}
	if url := s.output(contract.OutputRelayFailuresQueueURL); url != "" {
		out = append(out, deadLetterQueue{Name: "relay", Kind: relayFailures, URL: url})
	}
	slices.SortFunc(out, func(a, b deadLetterQueue) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// deadLetterQueue finds a dead-letter queue by name, in any case and with
// or without separators: "order-history" finds OrderHistoryDLQUrl.
func (s *stack) deadLetterQueue(name string) (deadLetterQueue, error) {
	all := s.deadLetterQueues()
	var names []string
	for _, q := range all {
		if fold(q.Name) == fold(name) {
			return q, nil
		}
		names = append(names, q.Name)
	}
	return deadLetterQueue{}, fmt.Errorf("stack %s has no dead-letter queue %q: known ones are %s", s.name, name, strings.Join(names, ", "))
}

// fold reduces a name to its lower-case letters and digits.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
