package esm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
	"github.com/eventshop/eventshop/localstack/lambdahost"
	"github.com/eventshop/eventshop/localstack/provision"
)

// The integration tests drive mappings against the emulator with functions
// served from inside the test through the emulator's Runtime API, so that
// each test decides exactly what its function fails.
var emu struct {
	url     string
	cfg     aws.Config
	sqs     *sqs.Client
	ddb     *dynamodb.Client
	lambda  *lambda.Client
	invoker *Invoker
}

func TestMain(m *testing.M) {
	if !emulatortest.Enabled() {
		os.Exit(m.Run())
	}
	var stop func()
	var err error
	emu.url, emu.cfg, stop, err = emulatortest.Shared()
	if err != nil {
		panic(err)
	}
	emu.sqs = sqs.NewFromConfig(emu.cfg)
	emu.ddb = awsclient.DynamoDB(emu.cfg)
	emu.lambda = lambda.NewFromConfig(emu.cfg, func(o *lambda.Options) { o.Retryer = aws.NopRetryer{} })
	emu.invoker = NewInvoker(emu.lambda)
	code := m.Run()
	stop()
	os.Exit(code)
}

// syncBuffer is a log the driver's goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func integration(t *testing.T) {
	if emu.url == "" {
		t.Skip("set EVENTSHOP_INTEGRATION=1 to run against the embedded emulator")
	}
}

// serve creates a function with a timeout of 5 s and answers its
// invocations with handle until the test ends. handle returns the
// response, or fail to report a function error.
func serve(t *testing.T, handle func(payload []byte) (resp any, fail bool)) string {
	t.Helper()
	return serveWithTimeout(t, 5, handle)
}

// serveWithTimeout is serve for a function whose timeout is seconds.
func serveWithTimeout(t *testing.T, seconds int32, handle func(payload []byte) (resp any, fail bool)) string {
	t.Helper()
	name := "fn-" + uuid.NewString()[:8]
	_, err := emu.lambda.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String("arn:aws:iam::000000000000:role/test"),
		Runtime: "provided.al2023", Handler: aws.String("bootstrap"), Timeout: aws.Int32(seconds),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("served by the test")},
	})
	if err != nil {
		t.Fatal(err)
	}
	// As the runner does: invocations wait for the runtime below, not fail.
	if err := lambdahost.Register(emu.url, name); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	base := emu.url + "/_runtime/" + name + "/2018-06-01/runtime/invocation/"
	wg.Go(func() {
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"next", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				continue
			}
			payload, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out, fail := handle(payload)
			body, _ := json.Marshal(out)
			path := "/response"
			if fail {
				path, body = "/error", []byte(`{"errorMessage":"failed on purpose","errorType":"TestError"}`)
			}
			post, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+resp.Header.Get("Lambda-Runtime-Aws-Request-Id")+path, bytes.NewReader(body))
			if r, err := http.DefaultClient.Do(post); err == nil {
				r.Body.Close()
			}
		}
	})
	return name
}

func run(t *testing.T, runner func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := runner(ctx); err != nil && ctx.Err() == nil {
			t.Errorf("mapping stopped: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func queue(t *testing.T, attrs map[string]string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	out, err := emu.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q-" + uuid.NewString()[:8]), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	a, err := emu.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

func drain(t *testing.T, url string) []string {
	t.Helper()
	var bodies []string
	for {
		out, err := emu.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSQSDeletesWhatSucceededAndLeavesFailuresToTheRedrivePolicy(t *testing.T) {
	integration(t)
	_, dlqARN := queue(t, nil)
	dlqURL := strings.Replace(dlqARN, "arn:aws:sqs:us-east-1:000000000000:", emu.url+"/000000000000/", 1)
	url, arn := queue(t, map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":2}`, dlqARN),
	})
	var mu sync.Mutex
	deliveries := map[string]int{}
	fn := serve(t, func(payload []byte) (any, bool) {
		var ev lambdaevents.SQSEvent
		_ = json.Unmarshal(payload, &ev)
		var resp lambdaevents.SQSEventResponse
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			deliveries[r.Body]++
			if r.Body == "poison" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, false
	})
	// The driver makes its receives single attempts even on a retrying
	// client, so that a receive whose response was lost shows in its log
	// rather than as a silently missing delivery.
	var log syncBuffer
	d := &SQS{Client: emu.sqs, Invoker: emu.invoker, Region: "us-east-1", Pollers: 2, Log: &log,
		Mapping: provision.EventSourceMapping{FunctionName: fn, EventSourceARN: arn, BatchSize: 10, ReportBatchItemFailures: true}}
	run(t, d.Run)

	want := []string{"poison"}
	for i := range 20 {
		want = append(want, fmt.Sprintf("m%d", i))
	}
	for _, body := range want {
		if _, err := emu.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	var dead []string
	eventually(t, "the poison message reaches the dead-letter queue", func() bool {
		dead = append(dead, drain(t, dlqURL)...)
		return len(dead) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	// SQS counts receives, not deliveries: a receive whose response was
	// lost on the way counts too. So the poison message is dead-lettered
	// after two receives, which are two deliveries unless the log shows a
	// receive that failed.
	n := deliveries["poison"]
	if !slices.Equal(dead, []string{"poison"}) || n > 2 || n < 1 || (n < 2 && !strings.Contains(log.String(), "receive failed")) {
		t.Errorf("dead letters %v after %d deliveries, want [poison] after 2; the driver logged:\n%s", dead, n, log.String())
	}
	for _, body := range want[1:] {
		if deliveries[body] != 1 {
			t.Errorf("%s delivered %d times, want 1", body, deliveries[body])
		}
	}
}

// table creates a table with a stream and writes items k0…k9 to it in one
// transaction, some keys replaced as given.
func streamTable(t *testing.T, keys []string) string {
	t.Helper()
	ctx := context.Background()
	name := "t-" + uuid.NewString()[:8]
	out, err := emu.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: ddbtypes.KeyTypeHash}},
		StreamSpecification:  &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	var writes []ddbtypes.TransactWriteItem
	for _, k := range keys {
		writes = append(writes, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String(name),
			Item: map[string]ddbtypes.AttributeValue{"k": &ddbtypes.AttributeValueMemberS{Value: k}}}})
	}
	if _, err := emu.ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TableDescription.LatestStreamArn)
}

func keysOf(ev lambdaevents.DynamoDBEvent) []string {
	var keys []string
	for _, r := range ev.Records {
		keys = append(keys, r.Change.Keys["k"].String())
	}
	return keys
}

func TestStreamsBisectAFailingBatchAndSendWhatKeepsFailingToTheOnFailureQueue(t *testing.T) {
	integration(t)
	keys := []string{"k0", "k1", "k2", "k3", "k4", "bad", "k6", "k7", "k8", "k9"}
	failuresURL, failuresARN := queue(t, nil)
	var mu sync.Mutex
	var processed []string
	fn := serve(t, func(payload []byte) (any, bool) {
		var ev lambdaevents.DynamoDBEvent
		_ = json.Unmarshal(payload, &ev)
		got := keysOf(ev)
		if slices.Contains(got, "bad") {
			return nil, true
		}
		mu.Lock()
		processed = append(processed, got...)
		mu.Unlock()
		return nil, false
	})
	streamARN := streamTable(t, keys)
	d := &Stream{Streams: dynamodbstreams.NewFromConfig(emu.cfg), SQS: emu.sqs, Invoker: emu.invoker, Region: "us-east-1", Log: io.Discard,
		Mapping: provision.EventSourceMapping{FunctionName: fn, EventSourceARN: streamARN, BatchSize: 10, StartingPosition: "TRIM_HORIZON",
			BisectOnError: true, MaxRetryAttempts: 2, OnFailureARN: failuresARN}}
	run(t, d.Run)

	var infos []string
	eventually(t, "the failing record reaches the on-failure queue", func() bool {
		infos = append(infos, drain(t, failuresURL)...)
		return len(infos) > 0
	})
	var info struct {
		RequestContext struct {
			Condition string `json:"condition"`
		} `json:"requestContext"`
		Batch struct {
			BatchSize int    `json:"batchSize"`
			StreamARN string `json:"streamArn"`
		} `json:"DDBStreamBatchInfo"`
	}
	if err := json.Unmarshal([]byte(infos[0]), &info); err != nil {
		t.Fatal(err)
	}
	if info.RequestContext.Condition != "RetryAttemptsExhausted" || info.Batch.StreamARN != streamARN || info.Batch.BatchSize != 1 {
		t.Errorf("on-failure message = %s, want the failing record alone", infos[0])
	}
	eventually(t, "the records after the failing one are processed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(processed, "k9")
	})
	mu.Lock()
	defer mu.Unlock()
	// Bisecting isolates "bad"; every other record is processed once, in
	// stream order.
	want := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "bad" })
	if !slices.Equal(processed, want) {
		t.Errorf("processed %v, want %v", processed, want)
	}
}

func TestStreamsResumeFromTheFirstRecordAPartialBatchResponseNames(t *testing.T) {
	integration(t)
	keys := []string{"k0", "k1", "k2", "flaky", "k4", "k5"}
	var mu sync.Mutex
	var processed []string
	failedOnce := false
	fn := serve(t, func(payload []byte) (any, bool) {
		var ev lambdaevents.DynamoDBEvent
		_ = json.Unmarshal(payload, &ev)
		mu.Lock()
		defer mu.Unlock()
		var resp lambdaevents.DynamoDBEventResponse
		for _, r := range ev.Records {
			if r.Change.Keys["k"].String() == "flaky" && !failedOnce {
				failedOnce = true
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
				break // keep order: stop at the first failure
			}
			processed = append(processed, r.Change.Keys["k"].String())
		}
		return resp, false
	})
	streamARN := streamTable(t, keys)
	d := &Stream{Streams: dynamodbstreams.NewFromConfig(emu.cfg), SQS: emu.sqs, Invoker: emu.invoker, Region: "us-east-1", Log: io.Discard,
		Mapping: provision.EventSourceMapping{FunctionName: fn, EventSourceARN: streamARN, BatchSize: 10, StartingPosition: "TRIM_HORIZON",
			ReportBatchItemFailures: true, MaxRetryAttempts: 3}}
	run(t, d.Run)
	eventually(t, "every record is processed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(processed) >= len(keys)
	})
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(processed, keys) {
		t.Errorf("processed %v, want each of %v once, in order", processed, keys)
	}
}
