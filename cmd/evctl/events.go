package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/keyring"
)

func (s *stack) eventStore() (*eventstore.Dynamo, error) {
	table, err := s.needOutput(contract.OutputEventStoreTable)
	if err != nil {
		return nil, err
	}
	return eventstore.NewDynamo(awsclient.DynamoDB(s.aws), table), nil
}

func (s *stack) publisher() (*eventbus.Publisher, error) {
	bus, err := s.needOutput(contract.OutputEventBusName)
	if err != nil {
		return nil, err
	}
	return eventbus.New(eventbridge.NewFromConfig(s.aws), bus), nil
}

// publishCommand publishes one envelope, read from a file or built from
// flags, after validating it against the event's schema.
func publishCommand(ctx context.Context, opts options, args []string) error {
	cmd := newCommand("publish")
	file := cmd.String("file", "", "")
	eventType := cmd.String("type", "", "")
	data := cmd.String("data", "", "")
	correlation := cmd.String("correlation-id", "", "")
	if err := cmd.parse(args); err != nil {
		return err
	}
	byFile, byData := *file != "" && *eventType == "", *file == "" && *eventType != "" && *data != ""
	if !byFile && !byData {
		return cmd.usage("give --file FILE, or --type TYPE and --data JSON")
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	var env events.Envelope
	if byFile {
		raw, err := readFile(*file)
		if err != nil {
			return err
		}
		if env, err = events.Parse(raw); err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
	} else {
		seal := func(data []byte) ([]byte, error) { return keyring.SealView(ctx, s.keyOf, data) }
		if env, err = build(*eventType, *data, *correlation, seal); err != nil {
			return err
		}
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
	fmt.Fprintf(opts.out, "published %s %s in flow %s to %s\n", env.EventType, env.EventID, env.Metadata.CorrelationID, s.output(contract.OutputEventBusName))
	return nil
}

func readFile(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(path)
}

// build makes an envelope of the catalogue's type from its data, strictly:
// the data must fill the payload struct exactly, once seal has sealed the
// personal data it gives open, as evctl history shows it.
func build(eventType, data, correlation string, seal func([]byte) ([]byte, error)) (events.Envelope, error) {
	def, ok := events.Lookup(eventType)
	if !ok {
		return events.Envelope{}, fmt.Errorf("%w: %q", events.ErrUnknownType, eventType)
	}
	raw := []byte(data)
	if _, personal := def.Payload.(events.Personal); personal {
		var err error
		if raw, err = seal(raw); err != nil {
			return events.Envelope{}, err
		}
	}
	payload := reflect.New(reflect.TypeOf(def.Payload))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(payload.Interface()); err != nil {
		return events.Envelope{}, fmt.Errorf("--data is not a %s payload: %w", eventType, err)
	}
	if correlation == "" {
		correlation = uuid.NewString()
	}
	return events.New(payload.Elem().Interface().(events.Payload), events.Metadata{CorrelationID: correlation, CausationID: "evctl"})
}

// historyCommand prints a stream's events, oldest first, each at its
// type's latest version, their personal data opened with the operator's
// credentials: shown as [redacted] once its person is forgotten, as
// [sealed] where the credentials may not open it, and secrets as
// [secret].
func historyCommand(ctx context.Context, opts options, args []string) error {
	cmd := newCommand("history")
	if err := cmd.parse(args); err != nil {
		return err
	}
	if cmd.NArg() != 1 {
		return cmd.usage("name one stream, e.g. order-<orderId>")
	}
	args = cmd.Args()
	s, store, err := openStore(ctx, opts)
	if err != nil {
		return err
	}
	records, err := loadStream(ctx, store, args[0], 1)
	if err != nil {
		return err
	}
	if err := s.reveal(ctx, opts, records); err != nil {
		return err
	}
	if opts.json {
		return json.NewEncoder(opts.out).Encode(historyJSON(records))
	}
	w := tabwriter.NewWriter(opts.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tTIME\tEVENT TYPE\tEVENT ID\tCAUSED BY\tFLOW\tDATA")
	for _, r := range records {
		e := r.Envelope
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Version, e.Timestamp.Format(time.RFC3339Nano), e.EventType, e.EventID, e.Metadata.CausationID, e.Metadata.CorrelationID, e.Data)
	}
	return w.Flush()
}

// replayCommand publishes a stream's events again, from a version on,
// marked as a replay and with their event ids, so that a consumer added
// since gets them and the others, having seen them, skip them.
func replayCommand(ctx context.Context, opts options, args []string) error {
	cmd := newCommand("replay")
	from := cmd.Int("from", 1, "")
	if err := cmd.parse(args); err != nil {
		return err
	}
	if cmd.NArg() != 1 || *from < 1 {
		return cmd.usage("want [--from N] STREAM, with N from 1")
	}
	stream := cmd.Arg(0)
	s, store, err := openStore(ctx, opts)
	if err != nil {
		return err
	}
	p, err := s.publisher()
	if err != nil {
		return err
	}
	records, err := loadStream(ctx, store, stream, *from)
	if err != nil {
		return err
	}
	envs := replays(records)
	err = p.Publish(ctx, envs)
	var pe *eventbus.PublishError
	published := len(envs)
	if errors.As(err, &pe) {
		published = pe.Failed[0].Index
	}
	if opts.json {
		_ = json.NewEncoder(opts.out).Encode(replayed{Stream: stream, From: *from, Published: published})
	} else {
		fmt.Fprintf(opts.out, "replayed %d events of %s from version %d\n", published, stream, *from)
	}
	return err
}

// replayed is what replay --json prints.
type replayed struct {
	Stream    string `json:"stream"`
	From      int    `json:"from"`
	Published int    `json:"published"`
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

// keyring is the stack's keyring, or nil if its outputs name none.
func (s *stack) keyring() *keyring.Keyring {
	table, key := s.output(contract.OutputKeysTable), s.output(contract.OutputPersonalDataKeyARN)
	if table == "" || key == "" {
		return nil
	}
	return keyring.New(kms.NewFromConfig(s.aws), awsclient.DynamoDB(s.aws), table, key)
}

// keyOf returns a person's data key, making and keeping one for a person
// whom the stack has never known (no user stream): evctl publish seals
// what it is given open. A user who has a stream but no key was forgotten,
// and is never given a key again.
func (s *stack) keyOf(ctx context.Context, subject string) (*keyring.Key, error) {
	r := s.keyring()
	if r == nil {
		return nil, errors.New("the stack's outputs name no keys table to seal personal data with")
	}
	if err := uuid.Validate(subject); err != nil {
		return nil, fmt.Errorf("%w: userId %q is not a UUID", events.ErrInvalid, subject)
	}
	k, err := r.Key(ctx, subject)
	if !errors.Is(err, keyring.ErrForgotten) {
		return k, err
	}
	store, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	if version, err := store.Version(ctx, contract.UserStream.ID(subject)); err != nil {
		return nil, err
	} else if version > 0 {
		return nil, fmt.Errorf("user %s has no data key: they were forgotten, and stay so", subject)
	}
	if k, err = r.New(ctx, subject); err != nil {
		return nil, err
	}
	return k, r.Keep(ctx, k)
}

// reveal opens the personal data of records' events for an operator to
// read. Where the operator may not (KMS refuses their Decrypt, say), it
// warns once and shows the data sealed.
func (s *stack) reveal(ctx context.Context, opts options, records []eventstore.Record) error {
	var keys keyring.Keys
	if r := s.keyring(); r != nil {
		keys = r
	}
	ctx = keyring.WithCache(ctx)
	for i, r := range records {
		data, err := keyring.Reveal(ctx, keys, r.Envelope.Data)
		if err != nil && keys != nil {
			fmt.Fprintf(opts.errOut, "evctl: personal data shown sealed: %v\n", err)
			keys = nil
			data, err = keyring.Reveal(ctx, nil, r.Envelope.Data)
		}
		if err != nil {
			return fmt.Errorf("%s v%d: %w", r.StreamID, r.Version, err)
		}
		records[i].Envelope.Data = data
	}
	return nil
}
