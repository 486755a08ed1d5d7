package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulated"
	"github.com/eventshop/eventshop/localstack/emulator"
	"github.com/eventshop/eventshop/localstack/runner"
)

// stack is what the tests know of the stack under test.
var stack struct {
	api     string            // base URL of the HTTP API, no trailing slash
	apiHost string            // the Host to ask for, if the base URL is not the API's own
	outputs map[string]string // the stack's outputs
	aws     aws.Config        // SDK configuration for the stack's account
	mailbox emulated.Mailbox
	// outputsFile is where the stack's outputs are, for the CLI.
	outputsFile string
	local       *runner.Stack // the stack the tests started, nil if they use a running one
	logPath     string        // where the stack the tests started logs, "" if they use a running one
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

func TestMain(m *testing.M) {
	if os.Getenv("EVENTSHOP_E2E") == "" {
		fmt.Println("e2e: skipped; set EVENTSHOP_E2E=1 (make test does) to run against the local stack")
		os.Exit(0)
	}
	stop, err := setUp()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func setUp() (stop func(), err error) {
	ctx := context.Background()
	root, err := checkout.Root()
	if err != nil {
		return nil, err
	}
	if path := os.Getenv("EVENTSHOP_OUTPUTS"); path != "" {
		// go test runs in the package's folder; a relative path is meant
		// from the checkout, where make and the README run it.
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		stack.outputsFile = path
		return func() {}, useRunningStack(ctx, path)
	}
	logPath := filepath.Join(root, ".local", "e2e.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "e2e: starting the local stack; its log is %s\n", logPath)
	stack.outputsFile = filepath.Join(root, ".local", "e2e-outputs.json")
	s, err := runner.Start(ctx, runner.Options{
		Root: root, EmulatorPort: -1, APIPort: -1, ConsolePort: -1, Stage: "e2e",
		OutputsFile: stack.outputsFile,
		Log:         logFile, Progress: os.Stderr,
	})
	if err != nil {
		return nil, err
	}
	stack.api = s.APIURL
	stack.outputs = s.Outputs
	stack.aws = s.AWS
	stack.mailbox = emulated.Kumo{Endpoint: s.EmulatorURL, Client: httpClient}
	stack.local = s
	stack.logPath = logPath
	return func() { s.Stop(); logFile.Close() }, nil
}

// useRunningStack reads a running stack's outputs file: a local stack's
// (make local), or, with EVENTSHOP_TARGET=localstack, a LocalStack's
// (make localstack-deploy), whose endpoint EVENTSHOP_ENDPOINT may give.
func useRunningStack(ctx context.Context, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var byStack map[string]map[string]string
	if err := json.Unmarshal(b, &byStack); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, outputs := range byStack {
		stack.outputs = outputs
	}
	endpoint := output(contract.OutputEmulatorURL)
	if os.Getenv("EVENTSHOP_TARGET") == "localstack" {
		endpoint = cmp.Or(os.Getenv("EVENTSHOP_ENDPOINT"), "http://127.0.0.1:4566")
		api, err := emulated.LocalStackAPIHost(endpoint, output(contract.OutputAPIURL))
		if err != nil {
			return err
		}
		stack.api, stack.apiHost = endpoint, api
		stack.mailbox = emulated.LocalStack{Endpoint: endpoint, Client: httpClient}
	} else {
		stack.api = strings.TrimRight(output(contract.OutputLocalAPIURL), "/")
		if stack.api == "" || endpoint == "" {
			return fmt.Errorf("%s has no LocalApiUrl or EmulatorUrl: is it a local stack's outputs file? (for LocalStack, set EVENTSHOP_TARGET=localstack)", path)
		}
		stack.mailbox = emulated.Kumo{Endpoint: endpoint, Client: httpClient}
	}
	stack.aws, err = emulator.Config(ctx, endpoint, "us-east-1")
	return err
}

// output is one of the stack's outputs.
func output(name contract.Output) string { return stack.outputs[string(name)] }

// eventStore returns the stack's event store.
func eventStore() *eventstore.Dynamo {
	return eventstore.NewDynamo(dynamo(), output(contract.OutputEventStoreTable))
}

// dynamo returns a DynamoDB client for the stack.
func dynamo() *dynamodb.Client {
	return awsclient.DynamoDB(stack.aws)
}
