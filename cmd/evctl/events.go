package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

func (s *stack) eventStore() (*eventstore.Dynamo, error) {
	table := s.outputs["EventStoreTableName"]
	if table == "" {
		return nil, fmt.Errorf("stack %s has no output EventStoreTableName", s.name)
	}
	db := dynamodb.NewFromConfig(s.aws, func(o *dynamodb.Options) {
		// As functions/internal/awsclient does, which evctl cannot import:
		// emulators send no CRC32 of DynamoDB's responses, and the SDK would
		// log a mismatch for every call. An emulator is any endpoint set
		// explicitly, by the outputs or by AWS_ENDPOINT_URL.
		o.DisableValidateResponseChecksum = s.aws.BaseEndpoint != nil
	})
	return eventstore.NewDynamo(db, table), nil
}

func (s *stack) publisher() (*eventbus.Publisher, error) {
	bus := s.outputs["EventBusName"]
	if bus == "" {
		return nil, fmt.Errorf("stack %s has no output EventBusName", s.name)
	}
	return eventbus.New(eventbridge.NewFromConfig(s.aws), bus), nil
}

// publishCommand publishes one envelope, read from a file or built from
// flags, after validating it against the event's schema.
func publishCommand(ctx context.Context, opts options, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("file", "", "")
	eventType := fs.String("type", "", "")
	data := fs.String("data", "", "")
	correlation := fs.String("correlation-id", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError{"publish: " + err.Error()}
	}
	var env events.Envelope
	switch {
	case *file != "" && *eventType == "":
		raw, err := readFile(*file)
		if err != nil {
			return err
		}
		if env, err = events.Parse(raw); err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
	case *file == "" && *eventType != "" && *data != "":
		var err error
		if env, err = build(*eventType, *data, *correlation); err != nil {
			return err
		}
	default:
		return usageError{"publish: give --file FILE, or --type TYPE and --data JSON"}
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	p, err := s.publisher()
	if err != nil {
		return err
	}
	if err := p.Publish(ctx, []events.Envelope{env}); err != nil {
		return err
	}
	if opts.json {
		return json.NewEncoder(opts.out).Encode(env)
	}
	fmt.Fprintf(opts.out, "published %s %s in flow %s to %s\n", env.EventType, env.EventID, env.Metadata.CorrelationID, s.outputs["EventBusName"])
	return nil
}

func readFile(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(path)
}

// build makes an envelope of the catalogue's type from its data, strictly:
// the data must fill the payload struct exactly.
func build(eventType, data, correlation string) (events.Envelope, error) {
	def, ok := events.Lookup(eventType)
	if !ok {
		return events.Envelope{}, fmt.Errorf("%w: %q", events.ErrUnknownType, eventType)
	}
	payload := reflect.New(reflect.TypeOf(def.Payload))
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(payload.Interface()); err != nil {
		return events.Envelope{}, fmt.Errorf("--data is not a %s payload: %w", eventType, err)
	}
	if correlation == "" {
		correlation = uuid.NewString()
	}
	return events.New(payload.Elem().Interface().(events.Payload), events.Metadata{CorrelationID: correlation, CausationID: "evctl"})
}

// historyCommand prints a stream's events, oldest first.
func historyCommand(ctx context.Context, opts options, args []string) error {
	if len(args) != 1 {
		return usageError{"history: name one stream, e.g. order-<orderId>"}
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	store, err := s.eventStore()
	if err != nil {
		return err
	}
	records, err := store.Load(ctx, args[0], 1)
	if err != nil {
		return err
	}
	if len(records) == 0 {
		return fmt.Errorf("stream %s has no events", args[0])
	}
	if opts.json {
		return json.NewEncoder(opts.out).Encode(records)
	}
	w := tabwriter.NewWriter(opts.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tTIME\tEVENT TYPE\tEVENT ID\tCAUSED BY\tFLOW")
	for _, r := range records {
		e := r.Envelope
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Version, e.Timestamp.Format(time.RFC3339Nano), e.EventType, e.EventID, e.Metadata.CausationID, e.Metadata.CorrelationID)
	}
	return w.Flush()
}

// replayCommand publishes a stream's events again, from a version on,
// marked as a replay and with their event ids, so that a consumer added
// since gets them and the others, having seen them, skip them.
func replayCommand(ctx context.Context, opts options, args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	from := fs.Int("from", 1, "")
	if err := fs.Parse(args); err != nil {
		return usageError{"replay: " + err.Error()}
	}
	if fs.NArg() != 1 || *from < 1 {
		return usageError{"replay: want [--from N] STREAM, with N from 1"}
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	store, err := s.eventStore()
	if err != nil {
		return err
	}
	p, err := s.publisher()
	if err != nil {
		return err
	}
	records, err := store.Load(ctx, fs.Arg(0), *from)
	if err != nil {
		return err
	}
	if len(records) == 0 {
		return fmt.Errorf("stream %s has no events from version %d", fs.Arg(0), *from)
	}
	envs := replays(records)
	err = p.Publish(ctx, envs)
	var pe *eventbus.PublishError
	published := len(envs)
	if errors.As(err, &pe) {
		published = pe.Failed[0].Index
	}
	if opts.json {
		_ = json.NewEncoder(opts.out).Encode(map[string]any{"stream": fs.Arg(0), "from": *from, "published": published})
	} else {
		fmt.Fprintf(opts.out, "replayed %d events of %s from version %d\n", published, fs.Arg(0), *from)
	}
	return err
}

// replays are the records' envelopes as a replay publishes them: the same
// events, marked as a replay and without the trace header of the request
// that first made them, so that a replay is a trace of its own rather than
// a late branch of a request's trace, long finished.
func replays(records []eventstore.Record) []events.Envelope {
	envs := make([]events.Envelope, len(records))
	for i, r := range records {
		envs[i] = r.Envelope
		envs[i].Metadata.Replay = true
		envs[i].Metadata.TraceHeader = ""
	}
	return envs
}
