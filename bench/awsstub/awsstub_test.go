package awsstub

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// clients are SDK clients whose calls the stub answers in process.
type clients struct {
	db  *dynamodb.Client
	kms *kms.Client
	ses *sesv2.Client
}

func newClients(rt http.RoundTripper) clients {
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://aws-stub.invalid"), HTTPClient: &http.Client{Transport: rt},
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})}
	return clients{db: dynamodb.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), ses: sesv2.NewFromConfig(cfg)}
}

// keep keeps a data key for subject in the keys table, as keyring does.
func (c clients) keep(ctx context.Context, subject string) error {
	key, err := c.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/test"), NumberOfBytes: aws.Int32(32)})
	if err != nil {
		return err
	}
	_, err = c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("keys"), Item: map[string]types.AttributeValue{
		"subject": &types.AttributeValueMemberS{Value: subject}, "wrappedKey": &types.AttributeValueMemberB{Value: key.CiphertextBlob}}})
	return err
}

// message makes the calls of one message of the notification consumer,
// with bodies of the sizes the bare handler's have, and returns the data
// key it unwrapped.
func (c clients) message(ctx context.Context, subject string, i int) ([]byte, error) {
	id := &types.AttributeValueMemberS{Value: fmt.Sprintf("notification#%08d-0000-4000-8000-000000000000", i)}
	if _, err := c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("idempotency"), ConditionExpression: aws.String("attribute_not_exists(id) OR expires < :now"),
		Item:                      map[string]types.AttributeValue{"id": id, "status": &types.AttributeValueMemberS{Value: "in-progress"}, "expires": &types.AttributeValueMemberN{Value: "1800000000"}},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: "1700000000"}}}); err != nil {
		return nil, err
	}
	item, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("keys"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"subject": &types.AttributeValueMemberS{Value: subject}}})
	if err != nil {
		return nil, err
	}
	wrapped, ok := item.Item["wrappedKey"].(*types.AttributeValueMemberB)
	if !ok {
		return nil, fmt.Errorf("no key for %s: %v", subject, item.Item)
	}
	key, err := c.kms.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String("alias/test"), CiphertextBlob: wrapped.Value,
		EncryptionContext: map[string]string{"eventshop:purpose": "personal-data", "eventshop:subject": subject}})
	if err != nil {
		return nil, err
	}
	q, err := c.db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("events"), Limit: aws.Int32(1), KeyConditionExpression: aws.String("streamId = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "suppression-" + subject}}})
	if err != nil || q.Count != 0 {
		return nil, fmt.Errorf("query: %v, count %d", err, q.Count)
	}
	text := strings.Repeat("Hello, welcome to eventshop. ", 8)
	sent, err := c.ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("shop@example.com"),
		Destination: &sestypes.Destination{ToAddresses: []string{"user@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("Welcome to eventshop")},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String(text)}, Html: &sestypes.Content{Data: aws.String("<p>" + text + "</p>")}}}}})
	if err != nil {
		return nil, err
	}
	envelope := fmt.Sprintf(`{"eventId":"%s","eventType":"notification.sent","eventVersion":2,"data":{"messageId":%q,"text":%q}}`, id.Value, aws.ToString(sent.MessageId), text)
	if _, err := c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String("events"), ConditionExpression: aws.String("attribute_not_exists(streamId)"),
		Item: map[string]types.AttributeValue{"streamId": &types.AttributeValueMemberS{Value: "notification-" + id.Value},
			"version": &types.AttributeValueMemberN{Value: "1"}, "envelope": &types.AttributeValueMemberS{Value: envelope}}}}}}); err != nil {
		return nil, err
	}
	_, err = c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("idempotency"), Item: map[string]types.AttributeValue{
		"id": id, "status": &types.AttributeValueMemberS{Value: "completed"}, "result": &types.AttributeValueMemberS{Value: aws.ToString(sent.MessageId)}}})
	return key.Plaintext, err
}

func TestTheStubAnswersTheSDKInProcess(t *testing.T) {
	ctx := context.Background()
	stub := New("keys")
	c := newClients(stub)
	if err := c.keep(ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	stub.TakeCalls()
	key, err := c.message(ctx, "ada", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, bytes.Repeat([]byte{1}, 32)) {
		t.Errorf("unwrapped key %x, want the one kept", key)
	}
	want := "map[DynamoDB.GetItem keys:1 DynamoDB.PutItem idempotency:2 DynamoDB.Query events:1 DynamoDB.TransactWriteItems events:1 KMS.Decrypt:1 SES.SendEmail:1]"
	if got := fmt.Sprint(stub.TakeCalls()); got != want {
		t.Errorf("calls %s, want %s", got, want)
	}
}

func TestTheStubAnswersTheSameOverTheLoopback(t *testing.T) {
	stub := New("keys")
	for _, r := range []struct{ target, path, body, want string }{
		{"DynamoDB_20120810.Query", "/", `{"TableName":"events"}`, `{"Count":0,"Items":[],"ScannedCount":0}`},
		{"", "/v2/email/outbound-emails", `{}`, `{"MessageId":"0100018f-stub-0000"}`},
		{"TrentService.Decrypt", "/", `{"CiphertextBlob":"d3JhcHBlZCBieSB0aGUgc3R1Yjp4","KeyId":"k"}`, `{"KeyId":"k","Plaintext":"eA=="}`},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://aws-stub.invalid"+r.path, strings.NewReader(r.body))
		req.Header.Set("X-Amz-Target", r.target)
		resp, err := stub.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		inProcess, _ := io.ReadAll(resp.Body)
		req, _ = http.NewRequest(http.MethodPost, "http://aws-stub.invalid"+r.path, strings.NewReader(r.body))
		req.Header.Set("X-Amz-Target", r.target)
		w := &recorder{header: http.Header{}}
		stub.ServeHTTP(w, req)
		if string(inProcess) != r.want || w.body.String() != r.want || w.status != resp.StatusCode || w.header.Get("Content-Type") != resp.Header.Get("Content-Type") {
			t.Errorf("%s %s: in process %d %q, over HTTP %d %q, want %q", r.target, r.path, resp.StatusCode, inProcess, w.status, w.body.String(), r.want)
		}
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// BenchmarkSDKMessage is one message's seven calls through the SDK's
// clients, answered in process: what a warm handler spends on its AWS
// calls, the stub's share included (BenchmarkStubMessage).
func BenchmarkSDKMessage(b *testing.B) {
	ctx := context.Background()
	stub := New("keys")
	c := newClients(stub)
	if err := c.keep(ctx, "ada"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for i := 0; b.Loop(); i++ {
		if _, err := c.message(ctx, "ada", i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStubMessage is the stub's share of BenchmarkSDKMessage: its
// answers to the seven requests of a message, as the SDK sent them.
func BenchmarkStubMessage(b *testing.B) {
	ctx := context.Background()
	stub := New("keys")
	rec := &recording{next: stub}
	c := newClients(rec)
	if err := c.keep(ctx, "ada"); err != nil {
		b.Fatal(err)
	}
	rec.requests = nil
	if _, err := c.message(ctx, "ada", 1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		for _, r := range rec.requests {
			stub.answer(r.method, r.path, r.target, r.body)
		}
	}
}

// reportCPU reports the process's CPU time (user and system, the garbage
// collector's included) per op, from when it is called to when the
// function it returns is: on shared cores, ns/op is the wall's.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var u syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

type request struct {
	method, path, target string
	body                 []byte
}

// recording is a transport that keeps the requests it passes on.
type recording struct {
	mu       sync.Mutex
	next     *Stub
	requests []request
}

func (r *recording) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, request{req.Method, req.URL.Path, req.Header.Get("X-Amz-Target"), body})
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return r.next.RoundTrip(req)
}
