package esm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/logging"

	"github.com/eventshop/eventshop/localstack/provision"
)

// losingTransport loses the answer to the first ReceiveMessage that
// carries a message whose body starts with prefix, as a connection closed
// while the SDK reads the body does, after the queue has handed the
// messages over. It records the attempt header of every ReceiveMessage
// the SDK sends.
type losingTransport struct {
	next   http.RoundTripper
	prefix string

	mu       sync.Mutex
	attempts []string  // amz-sdk-request of each ReceiveMessage
	lost     []string  // the bodies of the messages whose answer was lost
	lostAt   time.Time // when their answer was lost
}

// errClosed is what the SDK sees when the emulator's answer is cut off.
var errClosed = &net.OpError{Op: "read", Net: "tcp", Err: errors.New("use of closed network connection")}

type failingBody struct{}

func (failingBody) Read([]byte) (int, error) { return 0, errClosed }
func (failingBody) Close() error             { return nil }

func (l *losingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	receive := req.Header.Get("X-Amz-Target") == "AmazonSQS.ReceiveMessage"
	if receive {
		l.mu.Lock()
		l.attempts = append(l.attempts, req.Header.Get("Amz-Sdk-Request"))
		l.mu.Unlock()
	}
	resp, err := l.next.RoundTrip(req)
	if err != nil || !receive {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var out sqs.ReceiveMessageOutput
	_ = json.Unmarshal(body, &out)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil && slices.ContainsFunc(out.Messages, func(m sqstypes.Message) bool { return strings.HasPrefix(aws.ToString(m.Body), l.prefix) }) {
		for _, m := range out.Messages {
			l.lost = append(l.lost, aws.ToString(m.Body))
		}
		l.lostAt = time.Now()
		resp.Body = failingBody{}
		return resp, nil
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, nil
}

func (l *losingTransport) seen() (attempts, lost []string, lostAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.attempts), slices.Clone(l.lost), l.lostAt
}

func TestSQSDoesNotRetryAReceiveWhoseAnswerWasLostAndItsMessagesReturnAfterTheLease(t *testing.T) {
	integration(t)
	// The queue hides a received message for a minute; the function's
	// timeout is one second, so the driver's lease is six.
	url, arn := queue(t, map[string]string{"VisibilityTimeout": "60"})
	type delivery struct {
		receives int
		at       time.Time
	}
	var mu sync.Mutex
	deliveries := map[string][]delivery{}
	fn := serveWithTimeout(t, 1, func(payload []byte) (any, bool) {
		var ev lambdaevents.SQSEvent
		_ = json.Unmarshal(payload, &ev)
		var resp lambdaevents.SQSEventResponse
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			n, _ := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
			deliveries[r.Body] = append(deliveries[r.Body], delivery{n, time.Now()})
			if r.Body == "failing" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, false
	})
	delivered := func(body string) []delivery {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(deliveries[body])
	}
	send := func(body string) {
		t.Helper()
		if _, err := emu.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}

	// The driver's client retries, as the SDK's default does; the driver
	// must make its receives single attempts all the same.
	transport := &losingTransport{next: http.DefaultTransport, prefix: "m"}
	client := sqs.NewFromConfig(emu.cfg, func(o *sqs.Options) {
		o.HTTPClient = &http.Client{Transport: transport}
		o.Logger = logging.Nop{} // it warns of the body it could not drain
	})
	var log syncBuffer
	d := &SQS{Client: client, Invoker: emu.invoker, Region: "us-east-1", Pollers: 1, Log: &log,
		Mapping: provision.EventSourceMapping{FunctionName: fn, EventSourceARN: arn, BatchSize: 10, ReportBatchItemFailures: true}}

	run(t, d.Run)

	// A message that the function fails goes first. Its answer arrives, so
	// the driver hides it for the queue's visibility timeout.
	send("failing")
	eventually(t, "the failing message is delivered", func() bool { return len(delivered("failing")) > 0 })
	// Then the answer to the first receive of the others is lost.
	for _, body := range []string{"m0", "m1", "m2"} {
		send(body)
	}
	var lost []string
	eventually(t, "the messages of the lost answer are delivered", func() bool {
		_, lost, _ = transport.seen()
		return len(lost) > 0 && !slices.ContainsFunc(lost, func(b string) bool { return len(delivered(b)) == 0 })
	})
	attempts, _, lostAt := transport.seen()
	for _, a := range attempts {
		if !strings.HasPrefix(a, "attempt=1;") {
			t.Errorf("a receive was retried by the SDK (%q); its first answer's messages would stay hidden", a)
		}
	}
	for _, body := range lost {
		// The lost receive counts as a receive: the delivery is the second.
		if got := delivered(body); len(got) != 1 || got[0].receives != 2 {
			t.Errorf("%s, whose receive was lost, delivered %v; want once, at its second receive", body, got)
		} else {
			t.Logf("%s delivered %v after its receive was lost; the queue's visibility timeout is 60s", body, got[0].at.Sub(lostAt).Round(time.Millisecond))
		}
	}
	for _, body := range []string{"m0", "m1", "m2"} {
		if n := len(delivered(body)); n != 1 {
			t.Errorf("%s delivered %d times, want once", body, n)
		}
	}
	// Its lease has ended before the lost messages' did; the queue's
	// visibility timeout has not.
	if n := len(delivered("failing")); n != 1 {
		t.Errorf("the failing message was delivered %d times, want once: it must stay hidden for the queue's visibility timeout", n)
	}
	logged := log.String()
	for _, want := range []string{"receive failed", resourceName(arn), "use of closed network connection"} {
		if !strings.Contains(logged, want) {
			t.Errorf("the log does not say %q:\n%s", want, logged)
		}
	}
}
