package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// The console's test drives it in headless Chromium, as a developer would:
// a user registered through the API appears live, its flow opens, the
// welcome mail shows the user's name in its rendered HTML, and a mail the
// fault proxy made SES reject is dead-lettered and then redriven from the
// button. With EVENTSHOP_SCREENSHOTS=DIR (make screenshots) it saves each
// view into DIR/console-<view>.png.
func TestConsoleShowsAFlowFromRequestToMailAndRedrivesADeadLetter(t *testing.T) {
	console := consoleURL(t)
	began := time.Now()
	b := startBrowser(t)
	problems := b.watchConsole()

	b.do("open the events view", chromedp.Navigate(console+"/#/events"))
	b.waitFor("the live feed", `document.querySelector('#status').classList.contains('live')`)

	name := "Ada Console " + uuid.NewString()[:6]
	email := uniqueEmail("console")
	correlation := "e2e-console-" + uuid.NewString()
	u := register(t, email, name, contract.CorrelationHeader, correlation)
	row := fmt.Sprintf(`#event-table tr[data-type=%q][data-correlation-id=%q]`, events.TypeUserRegistered, correlation)
	b.waitFor("the registration, live on the first page", fmt.Sprintf("!!document.querySelector(%q)", row))
	b.do("open its envelope", chromedp.Click(chromedp.CSS(row)))
	b.waitFor("the envelope", fmt.Sprintf(`(document.querySelector('#envelope pre') || {}).textContent?.includes(%q)`, correlation))
	b.shot("events")

	b.do("open its flow", chromedp.Click(chromedp.CSS("#envelope a.open-flow")))
	node := fmt.Sprintf(`#flow a.node[data-type=%q]`, events.TypeUserRegistered)
	b.waitFor("the flow's tree", fmt.Sprintf("!!document.querySelector(%q)", node))
	if hop := b.text("#flow .hop"); !strings.HasPrefix(hop, "+") || !strings.HasSuffix(hop, " ms") {
		t.Errorf("the first hop reads %q, want +N ms", hop)
	}
	// The welcome mail is the flow's effect, once it is sent: reload until it is.
	waitForMail(t, email, 1, subjectHas("Welcome"))
	b.do("reload the flow", chromedp.Reload())
	b.waitFor("the mail under its event", `!!document.querySelector('#flow .effect a.mail-link')`)
	b.shot("flows")

	b.do("open the welcome mail from the flow", chromedp.Click(chromedp.CSS("#flow .effect a.mail-link")))
	b.waitFor("the mail's frame", `!!document.querySelector('iframe#mail-html')`)
	if sandbox := b.eval(`document.querySelector('iframe#mail-html').getAttribute('sandbox')`); sandbox != "" {
		t.Errorf("the mail's frame has sandbox=%q, want an empty sandbox: no script, no same origin", sandbox)
	}
	if html := b.frameText(console + "/mail/"); !strings.Contains(html, name) {
		t.Errorf("the rendered HTML of the welcome mail does not greet %q:\n%s", name, html)
	}
	if text := b.text("#mail-text"); !strings.Contains(text, name) {
		t.Errorf("the text part does not greet %q:\n%s", name, text)
	}
	if cause := b.text("#mail-view a.cause-event"); cause != events.TypeUserRegistered {
		t.Errorf("the mail links to %q, want the %s event that caused it", cause, events.TypeUserRegistered)
	}
	b.goTo("#/mail")
	b.do("search the mailbox", chromedp.SetValue(chromedp.CSS(`#mail-form input[name=q]`), email),
		chromedp.Click(chromedp.CSS(`#mail-form button`)))
	b.waitFor("the search's one mail", `document.querySelectorAll('#mail-list li').length === 1`)
	b.shot("mail")

	// Dead-letter a mail: the fault proxy, set from the console, makes SES
	// reject every mail to one address, which can never succeed.
	rejected := uniqueEmail("console-rejected")
	b.goTo("#/faults")
	b.waitFor("the rules", `document.querySelector('#fault-form textarea').value.includes('failRate')`)
	b.do("set the rule", chromedp.SetValue(chromedp.CSS(`#fault-quick input[name=address]`), rejected),
		chromedp.SetValue(chromedp.CSS(`#fault-quick select[name=error]`), "reject"), chromedp.Click(chromedp.CSS(`#fault-quick button`)))
	b.waitFor("the rule applied", fmt.Sprintf(`document.querySelector('#fault-form textarea').value.includes(%q)`, rejected))
	t.Cleanup(func() { clearFaults(t) })
	b.shot("faults")
	register(t, rejected, "Rejected Console")

	b.goTo("#/queues")
	dead := `tr[data-queue="notification"]`
	b.waitFor("the dead letter", fmt.Sprintf(`Number((document.querySelector('%s .depth') || {}).textContent) > 0`, dead))
	b.waitFor("its reason", `(document.querySelector('#dead-letters') || {}).textContent?.includes('MessageRejected')`)
	b.shot("queues")

	b.goTo("#/faults")
	b.waitFor("the rules", fmt.Sprintf(`document.querySelector('#fault-form textarea').value.includes(%q)`, rejected))
	b.do("clear", chromedp.Click(chromedp.CSS(`#fault-clear`)))
	b.waitFor("no rule left", fmt.Sprintf(`document.querySelector('#fault-result').textContent === 'rules applied' && !document.querySelector('#fault-form textarea').value.includes(%q)`, rejected))

	b.goTo("#/queues")
	// The view redraws its table every few seconds, which may replace the
	// button between finding it and clicking it: find and click in one
	// step, in the page, once the button is enabled.
	b.waitFor("the redrive button, clicked", fmt.Sprintf(
		`(() => { const b = document.querySelector('%s button.redrive'); if (!b || b.disabled) return false; b.click(); return true })()`, dead))
	b.waitFor("the redrive's result", `document.querySelector('#redrive-result').classList.contains('good')`)
	if got := b.text("#redrive-result"); !strings.Contains(got, "notification: moved") || strings.Contains(got, "moved 0 ") {
		t.Errorf("the redrive says %q, want it to have moved the dead letter", got)
	}
	waitForMail(t, rejected, 1, subjectHas("Welcome"))
	b.waitFor("no dead letter left", fmt.Sprintf(`(document.querySelector('%s .depth') || {}).textContent === '0'`, dead))

	for _, p := range problems() {
		t.Errorf("the browser's console: %s", p)
	}
	t.Logf("the browser test took %v (browser start, user %s, flow, mail, dead letter and redrive)", time.Since(began).Round(time.Millisecond), u.UserID)
}

// At 10,000 events the console still lists a page of 100: its weight and
// its time to first paint are measured by the browser and logged.
func TestConsoleAtTenThousandEvents(t *testing.T) {
	console := consoleURL(t)
	b := startBrowser(t)
	b.do("open the events view", chromedp.Navigate(console+"/#/events"))
	b.waitFor("the live feed", `document.querySelector('#status').classList.contains('live')`)
	kept := func() int {
		var p struct{ Kept int }
		resp, err := httpClient.Get(console + "/api/events")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		return p.Kept
	}
	before := kept()

	const n = 10_000
	start := time.Now()
	publishBench(t, n)
	published := time.Since(start)
	deadline := time.Now().Add(2 * time.Minute)
	for kept() < before+n {
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes the console keeps %d events, want %d", kept(), before+n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("published %d events in %v; the console had them all %v after the first was published", n, published.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if rows := b.eval(`String(document.querySelectorAll('#event-table tbody tr').length)`); rows != "100" {
		t.Errorf("the live page holds %s rows after the burst, want its 100", rows)
	}

	// A fresh tab, as a developer opening the console then.
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	// Opened without a deadline: the tab lives as long as the context of
	// its first action.
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	fresh := browser{t: t, ctx: tab}
	loadStart := time.Now()
	fresh.do("open the console at 10,000 events", chromedp.Navigate(console+"/#/events"))
	fresh.waitFor("the first page", `document.querySelectorAll('#event-table tbody tr').length === 100`)
	loaded := time.Since(loadStart)
	var m struct {
		Document, Resources, DocumentBody, ResourcesBody int
		FirstPaint, FirstContentfulPaint, Listed         float64
		Rows, Nodes                                      int
		Kept                                             string
	}
	raw := fresh.eval(`JSON.stringify((() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		const paint = Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, p.startTime]));
		const listed = performance.getEntriesByName('events-listed')[0];
		return {
			document: nav.transferSize, documentBody: nav.encodedBodySize,
			resources: res.reduce((s, r) => s + r.transferSize, 0), resourcesBody: res.reduce((s, r) => s + r.encodedBodySize, 0),
			firstPaint: paint['first-paint'] || 0, firstContentfulPaint: paint['first-contentful-paint'] || 0,
			listed: listed ? listed.startTime : 0,
			rows: document.querySelectorAll('#event-table tbody tr').length, nodes: document.getElementsByTagName('*').length,
			kept: document.querySelector('#event-meta').textContent,
		};
	})())`)
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("the page's measures %q: %v", raw, err)
	}
	if m.Rows != 100 || m.Nodes > 2000 {
		t.Errorf("the page holds %d rows and %d elements at %d events, want 100 rows, not one per event", m.Rows, m.Nodes, kept())
	}
	t.Logf("at %s: page weight %.1f KB transferred (document %.1f KB, scripts, style and the first page of events %.1f KB; %.1f KB of bodies); "+
		"first paint %.0f ms, first contentful paint %.0f ms, first page listed %.0f ms after navigation start (%v to 100 rows, as the test saw it); %d elements",
		m.Kept, float64(m.Document+m.Resources)/1024, float64(m.Document)/1024, float64(m.Resources)/1024, float64(m.DocumentBody+m.ResourcesBody)/1024,
		m.FirstPaint, m.FirstContentfulPaint, m.Listed, loaded.Round(time.Millisecond), m.Nodes)
	fresh.shot("events-10000")
}

// clearFaults sets the fault proxy's rules to fail nothing.
func clearFaults(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPut, output(contract.OutputFaultsURL), strings.NewReader(`{}`))
	if resp, err := httpClient.Do(req); err != nil {
		t.Errorf("clear the faults: %v", err)
	} else {
		resp.Body.Close()
	}
}

// publishBench puts n events of a type no consumer knows on the bus, from
// eight clients, ten an entry: only the console's tap takes them.
func publishBench(t *testing.T, n int) {
	t.Helper()
	bus := output(contract.OutputEventBusName)
	client := eventbridge.NewFromConfig(stack.aws)
	run := uuid.NewString()[:8]
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w * 10; i < n; i += 80 {
				var entries []ebtypes.PutEventsRequestEntry
				for j := i; j < min(i+10, n); j++ {
					detail, _ := json.Marshal(map[string]any{"eventId": uuid.NewString(), "eventType": "console.bench", "eventVersion": 1,
						"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "source": "eventshop.bench", "data": map[string]int{"n": j},
						"metadata": map[string]string{"correlationId": "bench-" + run, "causationId": "e2e"}})
					entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("eventshop.bench"),
						DetailType: aws.String("console.bench"), Detail: aws.String(string(detail))})
				}
				out, err := client.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: entries})
				if err == nil && out.FailedEntryCount > 0 {
					err = fmt.Errorf("%d entries refused", out.FailedEntryCount)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// consoleURL is the console of the stack the tests started.
func consoleURL(t *testing.T) string {
	t.Helper()
	if stack.local == nil || stack.local.ConsoleURL == "" {
		t.Skip("needs the console of the stack the tests start themselves")
	}
	return stack.local.ConsoleURL
}

// browser is a tab of headless Chromium.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// startBrowser starts Debian's Chromium (EVENTSHOP_CHROMIUM names another),
// which make test installs when it is missing, with a profile of its own
// and none of its calls home.
func startBrowser(t *testing.T) browser {
	t.Helper()
	path := cmp.Or(os.Getenv("EVENTSHOP_CHROMIUM"), "chromium")
	exe, err := exec.LookPath(path)
	if err != nil {
		t.Fatalf("no browser %q for the console's test: make chromium installs Debian's (apt-get install chromium)", path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.DisableGPU, chromedp.WindowSize(1280, 820),
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's own sandbox refuses to run as root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return browser{t: t, ctx: ctx}
}

// step is how long one step may wait for the page.
const step = 30 * time.Second

func (b browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until a JavaScript expression is true in the page.
func (b browser) waitFor(what, predicate string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("waiting for %s (%s): %v; the page at %s reads:\n%s", what, predicate, err,
			b.eval(`location.href`), b.eval(`document.body.innerText.slice(0, 1500)`))
	}
}

// goTo shows another view of the page: a change of its address's
// fragment, which loads nothing.
func (b browser) goTo(hash string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`location.hash = %q`, hash))
}

func (b browser) eval(expression string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expression))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

func (b browser) text(sel string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel))
}

// frameText is the text of the frame whose address begins with prefix.
// Chromium runs a sandboxed frame in a process of its own, a target of
// its own: the page's script cannot read it, and neither can a query from
// the page.
func (b browser) frameText(prefix string) string {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		infos, err := chromedp.Targets(b.ctx)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
				// Detach on cancel: closing the frame's target would close the page.
				frame, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
				defer cancel()
				ctx, cancelStep := context.WithTimeout(frame, step)
				defer cancelStep()
				text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
				if err != nil {
					b.t.Fatalf("read the frame %s: %v", info.URL, err)
				}
				return text
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// In the page's process after all (site isolation off): read it from
	// the page's document.
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe#mail-html")))
	if err != nil || len(nodes) == 0 {
		b.t.Fatalf("no mail frame: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body"), chromedp.FromNode(nodes[0])))
	if err != nil {
		b.t.Fatalf("read the mail frame: %v", err)
	}
	return text
}

// watchConsole collects what the page's console reports as errors — a
// violation of its Content-Security-Policy, an uncaught exception — and
// returns a func that lists them.
func (b browser) watchConsole() func() []string {
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(b.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				mu.Lock()
				problems = append(problems, m.Text)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// shot saves the page as DIR/console-<name>.png when EVENTSHOP_SCREENSHOTS
// names a DIR.
func (b browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("EVENTSHOP_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, "console-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("wrote %s", path)
}
