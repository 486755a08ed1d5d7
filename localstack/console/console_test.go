package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/localstack/console"
	"github.com/eventshop/eventshop/localstack/emulated"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
	"github.com/eventshop/eventshop/localstack/faults"
)

// envelope is an event of a type, in a flow, caused by causedBy.
func envelope(t *testing.T, correlationID, causedBy string) events.Envelope {
	t.Helper()
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, events.Metadata{CorrelationID: correlationID, CausationID: causedBy})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func serve(t *testing.T, c *console.Console) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

type page struct {
	Events []console.Event
	Before int64
	Newest int64
	Kept   int
}

func TestTenThousandEventsAreServedAHundredAtATimeNewestFirstThroughEveryPage(t *testing.T) {
	c := console.New(console.Options{Capacity: 8000})
	for i := range 10_000 {
		c.Add(envelope(t, fmt.Sprintf("flow-%d", i%3), "test"))
	}
	srv := serve(t, c)
	seen, pages := 0, 0
	var last int64 = 1 << 62
	for before := int64(0); ; pages++ {
		var p page
		getJSON(t, fmt.Sprintf("%s/api/events?before=%d", srv.URL, before), &p)
		if len(p.Events) > 100 {
			t.Fatalf("a page of %d events, more than 100", len(p.Events))
		}
		for _, e := range p.Events {
			if e.Seq >= last {
				t.Fatalf("seq %d after %d: not newest first", e.Seq, last)
			}
			last = e.Seq
		}
		seen += len(p.Events)
		if p.Before == 0 {
			break
		}
		before = p.Before
	}
	if seen != 8000 || pages != 79 {
		t.Errorf("%d events over %d pages, want the 8,000 kept over 80", seen, pages+1)
	}
	var flow1 page
	getJSON(t, srv.URL+"/api/events?correlationId=flow-1&type=user.&source=eventshop.", &flow1)
	for _, e := range flow1.Events {
		if e.CorrelationID != "flow-1" {
			t.Fatalf("the filter let %s of %s through", e.ID, e.CorrelationID)
		}
	}
	if len(flow1.Events) != 100 || flow1.Before == 0 {
		t.Errorf("flow-1's first page: %d events, next page %d", len(flow1.Events), flow1.Before)
	}
	var none page
	getJSON(t, srv.URL+"/api/events?type=order.", &none)
	if len(none.Events) != 0 {
		t.Errorf("type order. matched %d user events", len(none.Events))
	}
}

func TestAnEventIsSentLiveToTheFeedsWhoseFilterItMatches(t *testing.T) {
	c := console.New(console.Options{})
	srv := serve(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/events/live?after=0&correlationId=mine", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	other, mine := envelope(t, "other", "test"), envelope(t, "mine", "test")
	c.Add(other)
	c.Add(mine)
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var batch struct{ Events []console.Event }
		if err := json.Unmarshal([]byte(data), &batch); err != nil {
			t.Fatal(err)
		}
		if len(batch.Events) != 1 || batch.Events[0].ID != mine.EventID {
			t.Fatalf("the feed sent %+v, want only %s", batch.Events, mine.EventID)
		}
		var e struct{ Envelope events.Envelope }
		getJSON(t, srv.URL+"/api/events/"+mine.EventID, &e)
		if e.Envelope.EventID != mine.EventID || e.Envelope.Metadata.CorrelationID != "mine" {
			t.Errorf("the envelope of %s: %+v", mine.EventID, e.Envelope)
		}
		return
	}
	t.Fatalf("the feed ended without the event: %v", lines.Err())
}

func TestThePageRunsOnlyItsOwnScriptAndRefusesOtherOriginsAndUnmarkedChanges(t *testing.T) {
	srv := serve(t, console.New(console.Options{}))
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy %q allows inline code or another origin", csp)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>[^<]*`).FindAll(page, -1) {
		if !regexp.MustCompile(`^<script src="/[^"]+"( defer)?></script`).Match(append(tag, "</script"...)) {
			t.Errorf("inline or remote script: %s", tag)
		}
	}
	if bad := regexp.MustCompile(`\son[a-z]+=|\sstyle=|https?://`).Find(page); bad != nil {
		t.Errorf("the page has a handler attribute, inline style or a remote address: %s", bad)
	}
	for _, asset := range []string{"/app.js", "/app.css"} {
		if resp, err := http.Get(srv.URL + asset); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %v %v", asset, resp.Status, err)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/events", nil)
	req.Host = "attacker.example:80"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a request for another host name: %v %v, want 421", resp.Status, err)
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/api/queues/notification/redrive", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a redrive without X-Console: %v %v, want 403", resp.Status, err)
	}
}

// mailbox is a fixed mailbox.
type mailbox []emulated.Mail

func (m mailbox) Sent(context.Context) ([]emulated.Mail, error) { return m, nil }

func TestAMailIsShownSandboxedAndLinkedToItsEventAndItsFlow(t *testing.T) {
	registered := envelope(t, "flow-1", "request-1")
	store := eventstore.NewMemory()
	if err := store.Append(context.Background(), "user-1", 0, registered); err != nil {
		t.Fatal(err)
	}
	c := console.New(console.Options{
		Store: store,
		Mailbox: mailbox{
			{ID: "m-1", From: "shop@example.com", To: []string{"ada@example.com"}, Subject: "Welcome", Text: "Hello Ada", HTML: "<p>Hello <b>Ada</b></p><script>alert(1)</script>", SentAt: time.Now()},
			{ID: "m-2", To: []string{"bob@example.com"}, Subject: "Welcome", SentAt: time.Now().Add(-time.Minute)},
		},
		MailTags: func(id string) map[string]string {
			if id == "m-1" {
				return map[string]string{contract.MailTagEventID: registered.EventID}
			}
			return nil
		},
	})
	c.Add(registered)
	srv := serve(t, c)

	var found struct {
		Mail  []map[string]any
		Total int
	}
	getJSON(t, srv.URL+"/api/mail?q=ADA@", &found)
	if found.Total != 1 || found.Mail[0]["id"] != "m-1" || found.Mail[0]["correlationId"] != "flow-1" || found.Mail[0]["eventId"] != registered.EventID {
		t.Errorf("search for ada: %+v", found)
	}
	resp, err := http.Get(srv.URL + "/mail/m-1")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(string(html), "<b>Ada</b>") || !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("the mail's HTML: %q under policy %q, want it whole under a sandbox that runs no script", html, csp)
	}

	var f struct {
		Events int
		Causes []struct {
			CausationID string
			Caused      []struct{ EventID string }
		}
		Mail []struct{ ID string }
	}
	getJSON(t, srv.URL+"/api/flows/flow-1", &f)
	if f.Events != 1 || len(f.Causes) != 1 || f.Causes[0].CausationID != "request-1" || f.Causes[0].Caused[0].EventID != registered.EventID ||
		len(f.Mail) != 1 || f.Mail[0].ID != "m-1" {
		t.Errorf("flow-1: %+v, want its event under request-1 and mail m-1", f)
	}
}

func TestTheFaultProxysRulesAreReadAndChangedThroughTheConsole(t *testing.T) {
	backend := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(backend.Close)
	p, err := faults.Start(backend.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	srv := serve(t, console.New(console.Options{FaultsURL: p.URL + "/_faults"}))
	put := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/faults", strings.NewReader(body))
		// As the console's page sends it: the proxy behind answers no
		// page, so the console must ask it in its own name.
		req.Header.Set("X-Console", "1")
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := put(`{"failFor":["ada@example.com"],"error":"reject"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT rules: %s", resp.Status)
	}
	var got struct{ Rules faults.Rules }
	getJSON(t, srv.URL+"/api/faults", &got)
	if len(got.Rules.FailFor) != 1 || got.Rules.FailFor[0] != "ada@example.com" || got.Rules.Error != "reject" {
		t.Errorf("rules read back: %+v", got.Rules)
	}
	if resp := put(`{"failRate":2}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a rate of 2: %s, want the proxy's 400", resp.Status)
	}
}

func TestTheQueuesViewShowsWhyMessagesWereDeadLetteredAndItsRedriveMovesThemBack(t *testing.T) {
	_, cfg := emulatortest.Start(t)
	ctx := context.Background()
	client := sqs.NewFromConfig(cfg)
	queue := func(name string) string {
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueueUrl)
	}
	source, dead := queue("notification"), queue("notification-dlq")
	msg := lambdaevents.SQSMessage{MessageId: "m-1", Body: `{"detail-type":"user.registered","detail":{"eventId":"e-1"}}`,
		Attributes: map[string]string{"ApproximateReceiveCount": "1"}, EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:notification"}
	if err := dlq.Send(ctx, client, dead, msg, "MessageRejected: the address is suppressed"); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, console.New(console.Options{Queues: client, Outputs: map[string]string{
		string(contract.QueueOutput("notification")): source, string(contract.DLQOutput("notification")): dead,
	}}))

	type view struct {
		Name        string
		Depth       int
		SourceDepth int
		Reasons     map[string]int
		Entries     []struct{ EventID string }
		Redrivable  bool
	}
	var before []view
	getJSON(t, srv.URL+"/api/queues", &before)
	if len(before) != 1 || before[0].Name != "notification" || before[0].Depth != 1 || before[0].SourceDepth != 0 ||
		before[0].Reasons["MessageRejected: the address is suppressed"] != 1 || before[0].Entries[0].EventID != "e-1" || !before[0].Redrivable {
		t.Fatalf("queues: %+v", before)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/queues/notification/redrive", nil)
	req.Header.Set("X-Console", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var result struct {
		Moved int
		Error string
	}
	_ = json.NewDecoder(resp.Body).Decode(&result)
	resp.Body.Close()
	if result.Moved != 1 || result.Error != "" {
		t.Fatalf("redrive: %+v", result)
	}
	var after []view
	getJSON(t, srv.URL+"/api/queues", &after)
	if after[0].Depth != 0 || after[0].SourceDepth != 1 {
		t.Errorf("after the redrive: %d dead letters, %d in the queue; want 0 and 1", after[0].Depth, after[0].SourceDepth)
	}
}

func TestClosingTheConsoleEndsItsLiveFeedsAtOnce(t *testing.T) {
	c := console.New(console.Options{})
	if err := c.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(c.URL + "/api/events/live")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("close with a live feed open: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("close waited on the live feed")
	}
}
