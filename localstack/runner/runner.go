package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/localstack/apiproxy"
	"github.com/eventshop/eventshop/localstack/console"
	"github.com/eventshop/eventshop/localstack/emulated"
	"github.com/eventshop/eventshop/localstack/emulator"
	"github.com/eventshop/eventshop/localstack/esm"
	"github.com/eventshop/eventshop/localstack/faults"
	"github.com/eventshop/eventshop/localstack/lambdahost"
	"github.com/eventshop/eventshop/localstack/provision"
	"github.com/eventshop/eventshop/localstack/template"
)

// Options configure Start. Zero values mean the defaults in brackets.
type Options struct {
	Root         string // the eventshop checkout
	EmulatorPort int    // [4566]; -1 picks a free port
	APIPort      int    // [3000]; -1 picks a free port
	ConsolePort  int    // of the local console [0: none]; -1 picks a free port
	Region       string // [us-east-1]
	Stage        string // [local]: the stack is eventshop-<stage>
	Instances    int    // of each function [lambdahost.DefaultInstances]
	// Template is a synthesized template to deploy instead of
	// synthesizing the CDK app, e.g. cdk.out/eventshop-dev.template.json.
	Template string
	// OutputsFile receives the outputs in `cdk deploy --outputs-file`
	// shape [.local/outputs.json].
	OutputsFile string
	// ExtraEnv adds environment variables to functions, by the name of
	// their package under functions/, e.g. "notification".
	ExtraEnv map[string]map[string]string
	// State is the directory where the stack keeps its data between runs:
	// tables, queues, keys and mail, taken over by the next run with the
	// same directory and updated to its template. Empty keeps nothing.
	State string
	// Reset starts the State afresh.
	Reset    bool
	Log      io.Writer // the emulator's and functions' output [stdout]
	Progress io.Writer // what Start is doing [stderr]
}

func (o *Options) defaults() {
	if o.EmulatorPort == 0 {
		o.EmulatorPort = 4566
	}
	if o.APIPort == 0 {
		o.APIPort = 3000
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Stage == "" {
		o.Stage = "local"
	}
	if o.Instances == 0 {
		o.Instances = lambdahost.DefaultInstances()
	}
	if o.OutputsFile == "" {
		o.OutputsFile = filepath.Join(o.Root, ".local", "outputs.json")
	}
	if o.Log == nil {
		o.Log = os.Stdout
	}
	if o.Progress == nil {
		o.Progress = os.Stderr
	}
}

// Stack is a running local stack.
type Stack struct {
	Name        string
	APIURL      string            // the HTTP API on its fixed local port
	EmulatorURL string            // every AWS service
	ConsoleURL  string            // the local console, "" if it serves none
	Outputs     map[string]string // the template's outputs, plus LocalApiUrl and EmulatorUrl
	AWS         aws.Config        // SDK configuration for the emulator
	Deployed    *provision.Stack
	// Hosts run the functions, by the name of their package.
	Hosts map[string]*lambdahost.Host
	// Faults stands between the functions and SES: it fails the calls its
	// rules choose. It passes everything until told otherwise.
	Faults *faults.Proxy

	emu     *emulator.Emulator
	console *console.Console
	state   *state
	streams []*esm.Stream // to drain before the emulator stops
	server  *http.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
}

// Start brings the stack up and returns once the API answers. On error,
// everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	opts.defaults()
	began := time.Now()
	s := &Stack{Name: contract.StackName(opts.Stage), Hosts: map[string]*lambdahost.Host{}}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	step := progress(opts.Progress)

	// What can fail at once fails before anything is built.
	if opts.State != "" {
		if s.state, err = openState(opts.State, s.Name, opts.Reset); err != nil {
			return nil, err
		}
	}
	if err := preflight(opts); err != nil {
		return nil, err
	}

	step("building the emulator, the functions and the CDK app")
	b, err := buildAll(ctx, opts.Root, opts.Template == "")
	if err != nil {
		return nil, err
	}

	tplPath := opts.Template
	if tplPath == "" {
		step("synthesizing the CDK app")
		if tplPath, err = synthesize(ctx, opts, b); err != nil {
			return nil, err
		}
	}
	tpl, err := template.Load(tplPath)
	if err != nil {
		return nil, err
	}

	emuPort := opts.EmulatorPort
	if emuPort < 0 {
		emuPort = 0
	}
	step("starting the emulator")
	emuOpts := emulator.Options{Root: opts.Root, Port: emuPort, Region: opts.Region, Log: opts.Log, Binary: b.kumo}
	if s.state != nil {
		emuOpts.DataDir = s.state.DataDir()
	}
	s.emu, err = emulator.Start(ctx, emuOpts)
	if err != nil {
		return nil, err
	}
	s.EmulatorURL = s.emu.URL
	if s.AWS, err = emulator.Config(ctx, s.emu.URL, opts.Region); err != nil {
		return nil, err
	}
	if s.Faults, err = faults.Start(s.EmulatorURL, sesPublisher(eventbridge.NewFromConfig(s.AWS))); err != nil {
		return nil, err
	}

	step(fmt.Sprintf("creating %d resources of %s", len(tpl.Resources), filepath.Base(tplPath)))
	deployer := provision.New(s.AWS, s.Name)
	if s.state != nil {
		deployer.Adopt = s.state.adopt()
	}
	deployer.Code = func(_ context.Context, source string) ([]byte, error) {
		bin, ok := b.functions[filepath.Base(source)]
		if !ok {
			return nil, fmt.Errorf("no function package %s was built", source)
		}
		return zipBootstrap(bin)
	}
	if s.Deployed, err = deployer.Deploy(ctx, tpl); err != nil {
		return nil, err
	}
	for _, r := range deployer.Replaced {
		fmt.Fprintf(opts.Progress, "         %s\n", r)
	}
	if s.state != nil {
		if err := s.state.save(s.Deployed); err != nil {
			return nil, fmt.Errorf("record the state: %w", err)
		}
	}
	if len(deployer.NotEmulated) > 0 {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(deployer.NotEmulated)) {
			kinds = append(kinds, fmt.Sprintf("%d × %s", deployer.NotEmulated[k], k))
		}
		fmt.Fprintf(opts.Progress, "         recorded, not emulated: %s\n", strings.Join(kinds, ", "))
	}

	step(fmt.Sprintf("starting %d functions, %d event source mappings and the API", len(s.Deployed.Functions), len(s.Deployed.Mappings)))
	if err := s.startFunctions(opts, b); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.startMappings(runCtx, opts); err != nil {
		return nil, err
	}
	if err := s.serveAPI(opts); err != nil {
		return nil, err
	}

	s.Outputs = map[string]string{
		string(contract.OutputLocalAPIURL): s.APIURL + "/",
		string(contract.OutputEmulatorURL): s.EmulatorURL,
		string(contract.OutputFaultsURL):   s.Faults.URL + "/_faults",
	}
	for k, v := range s.Deployed.Outputs {
		s.Outputs[k] = v
	}
	if err := writeOutputs(opts.OutputsFile, s.Name, s.Outputs); err != nil {
		return nil, err
	}
	if opts.ConsolePort != 0 {
		if err := s.serveConsole(ctx, opts); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(opts.Progress, "ready in %.1fs, %s: %s\n", time.Since(began).Seconds(), s.stateSaid(deployer), s.APIURL)
	return s, nil
}

func (s *Stack) startFunctions(opts Options, b *builds) error {
	for _, fn := range s.Deployed.Functions {
		name := filepath.Base(fn.Source)
		env := map[string]string{"AWS_ENDPOINT_URL_SESV2": s.Faults.URL}
		maps.Copy(env, opts.ExtraEnv[name])
		h, err := lambdahost.Start(fn, lambdahost.Options{
			Bootstrap:   b.functions[name],
			EmulatorURL: s.EmulatorURL,
			Region:      opts.Region,
			Instances:   opts.Instances,
			ExtraEnv:    env,
			Log:         opts.Log,
			LogName:     name,
		})
		if err != nil {
			return err
		}
		s.Hosts[name] = h
	}
	return nil
}

func (s *Stack) startMappings(ctx context.Context, opts Options) error {
	invoker := esm.NewInvoker(lambda.NewFromConfig(s.AWS, func(o *lambda.Options) { o.Retryer = aws.NopRetryer{} }))
	sqsClient := sqs.NewFromConfig(s.AWS)
	streams := dynamodbstreams.NewFromConfig(s.AWS)
	for _, m := range s.Deployed.Mappings {
		if !m.Enabled {
			continue
		}
		var run func(context.Context) error
		switch {
		case strings.HasPrefix(m.EventSourceARN, "arn:aws:sqs:"):
			d := &esm.SQS{Mapping: m, Client: sqsClient, Invoker: invoker, Region: opts.Region, Pollers: opts.Instances, Log: opts.Log}
			run = d.Run
		case strings.HasPrefix(m.EventSourceARN, "arn:aws:dynamodb:"):
			d := &esm.Stream{Mapping: m, Streams: streams, SQS: sqsClient, Invoker: invoker, Region: opts.Region, Log: opts.Log}
			s.streams = append(s.streams, d)
			run = d.Run
		default:
			return fmt.Errorf("event source %s: only SQS queues and DynamoDB streams are supported locally", m.EventSourceARN)
		}
		s.wg.Go(func() {
			if err := run(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintf(opts.Log, "%-14s | mapping %s stopped: %v\n", "runner", m.UUID, err)
			}
		})
	}
	return nil
}

func (s *Stack) serveAPI(opts Options) error {
	if len(s.Deployed.APIs) == 0 {
		return errors.New("the template has no HTTP API")
	}
	handler, err := apiproxy.New(s.EmulatorURL, s.Deployed.APIs[0], opts.Log)
	if err != nil {
		return err
	}
	port := opts.APIPort
	if port < 0 {
		port = 0
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("serve the API: %w", err)
	}
	s.APIURL = "http://" + l.Addr().String()
	// A client that sends nothing, or too slowly, loses its connection:
	// reading a request takes at most 10 s, and an idle connection is
	// closed after a minute. Writing allows the 30 s an API Gateway
	// integration may take, and some.
	s.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      40 * time.Second,
		IdleTimeout:       time.Minute,
	}
	s.wg.Go(func() { _ = s.server.Serve(l) })
	return nil
}

// serveConsole serves the local console, on the stack's outputs and its
// emulator, the mail the fault proxy saw go linked to its event.
func (s *Stack) serveConsole(ctx context.Context, opts Options) error {
	var store console.FlowReader
	if table := s.Outputs[string(contract.OutputEventStoreTable)]; table != "" {
		store = eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), table)
	}
	s.console = console.New(console.Options{
		Outputs: s.Outputs, AWS: s.AWS, Queues: sqs.NewFromConfig(s.AWS), Store: store,
		Mailbox:  emulated.Kumo{Endpoint: s.EmulatorURL},
		MailTags: s.Faults.MailTags, FaultsURL: s.Faults.URL + "/_faults", Log: opts.Log,
	})
	port := max(opts.ConsolePort, 0)
	if err := s.console.Start(ctx, port); err != nil {
		return err
	}
	s.ConsoleURL = s.console.URL
	return nil
}

// EmulatorPID is the emulator's process id.
func (s *Stack) EmulatorPID() int { return s.emu.PID() }

// Done is closed if the emulator exits on its own.
func (s *Stack) Done() <-chan struct{} { return s.emu.Done() }

// Stop stops everything Start started, the API first and the emulator last.
func (s *Stack) Stop() {
	s.once.Do(func() {
		if s.console != nil {
			if err := s.console.Close(); err != nil {
				fmt.Fprintf(os.Stderr, "runner: close the console: %v\n", err)
			}
		}
		if s.server != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = s.server.Shutdown(ctx)
			cancel()
		}
		// The emulator does not keep stream records across a restart:
		// let the relay publish what the last requests wrote.
		s.drainStreams(5 * time.Second)
		if s.cancel != nil {
			s.cancel()
		}
		var wg sync.WaitGroup
		for _, h := range s.Hosts {
			wg.Go(h.Stop)
		}
		wg.Wait()
		s.wg.Wait()
		if s.Faults != nil {
			_ = s.Faults.Close()
		}
		if s.emu != nil {
			s.emu.Stop()
		}
		s.state.close()
	})
}

// drainStreams waits, at most max, until every stream mapping has found
// its stream's end twice in a row.
func (s *Stack) drainStreams(max time.Duration) {
	drained := func() bool {
		return !slices.ContainsFunc(s.streams, func(st *esm.Stream) bool { return !st.Drained() })
	}
	for deadline := time.Now().Add(max); time.Now().Before(deadline); {
		if drained() {
			time.Sleep(100 * time.Millisecond)
			if drained() {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stateSaid says what the stack started with.
func (s *Stack) stateSaid(d *provision.Deployer) string {
	switch {
	case s.state == nil:
		return "keeping no state"
	case s.state.kept():
		return fmt.Sprintf("with the state kept since %s (%d tables, queues, keys and senders taken over; make local-reset starts afresh)",
			s.state.record.Since.Local().Format("2006-01-02 15:04"), d.Adopted)
	}
	return "with a fresh state, kept in " + s.state.dir
}

func writeOutputs(path, stack string, outputs map[string]string) error {
	b, err := json.MarshalIndent(map[string]map[string]string{stack: outputs}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func progress(w io.Writer) func(string) {
	start := time.Now()
	return func(what string) {
		fmt.Fprintf(w, "[%4.1fs] %s…\n", time.Since(start).Seconds(), what)
	}
}

// sesPublisher puts the fault proxy's bounces and complaints on the
// emulator's default event bus, where SES publishes its sending events.
func sesPublisher(bus *eventbridge.Client) faults.Publisher {
	return func(ctx context.Context, detailType string, detail []byte) error {
		out, err := bus.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String("default"), Source: aws.String("aws.ses"),
			DetailType: aws.String(detailType), Detail: aws.String(string(detail)),
		}}})
		if err == nil && out.FailedEntryCount > 0 {
			err = fmt.Errorf("the bus refused the %s event: %s", detailType, aws.ToString(out.Entries[0].ErrorMessage))
		}
		return err
	}
}
