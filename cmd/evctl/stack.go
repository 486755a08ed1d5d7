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
	if emu := s.outputs["EmulatorUrl"]; emu != "" && os.Getenv("AWS_ENDPOINT_URL") == "" {
		loadOpts = append(loadOpts, config.WithBaseEndpoint(emu), config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	}
	if s.aws, err = config.LoadDefaultConfig(ctx, loadOpts...); err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return s, nil
}

// queue returns the output named <Consumer><suffix>, e.g. NotificationDLQUrl.
func (s *stack) queue(consumer, suffix string) (string, error) {
	key := exportName(consumer) + suffix
	if url := s.outputs[key]; url != "" {
		return url, nil
	}
	return "", fmt.Errorf("stack %s has no output %s: known consumers are %s", s.name, key, strings.Join(s.consumers(), ", "))
}

// consumers lists the consumers that have a dead-letter queue.
func (s *stack) consumers() []string {
	var out []string
	for key := range s.outputs {
		if name, ok := strings.CutSuffix(key, "DLQUrl"); ok && s.outputs[name+"QueueUrl"] != "" {
			out = append(out, strings.ToLower(name[:1])+name[1:])
		}
	}
	slices.Sort(out)
	return out
}

func exportName(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}
