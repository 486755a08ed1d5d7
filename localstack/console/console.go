package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/localstack/emulated"
)

//go:embed assets
var assets embed.FS

// Options configure a console. A member left out means the default in
// brackets, or that the view it feeds says the stack has none.
type Options struct {
	// Outputs are the stack's outputs: its bus, its queues.
	Outputs map[string]string
	// AWS is the SDK configuration for the emulator.
	AWS aws.Config
	// Queues reads and redrives the dead-letter queues: an SQS client.
	Queues dlq.Queues
	// Store reads a flow's events: the stack's event store.
	Store FlowReader
	// Mailbox reads the mail the emulator recorded.
	Mailbox emulated.Mailbox
	// MailTags returns the tags of a mail by its message id: which event
	// it was sent for. Nil links no mail to its event.
	MailTags func(messageID string) map[string]string
	// FaultsURL is the fault proxy's rules, e.g. http://127.0.0.1:PORT/_faults.
	FaultsURL string
	// Capacity is how many of the bus's events the console keeps [50,000].
	Capacity int
	Log      io.Writer // what goes wrong [io.Discard]
}

// FlowReader reads a flow's events from the event store; see
// [eventstore.Dynamo.ByCorrelation].
type FlowReader interface {
	ByCorrelation(ctx context.Context, correlationID string) ([]eventstore.Record, error)
}

// Console serves the console's page and the API it calls.
type Console struct {
	// URL is where it listens, once started: http://127.0.0.1:PORT.
	URL string

	opts   Options
	log    *eventLog
	mux    *http.ServeMux
	server *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
	close  func() error // closes the tap
}

// New makes a console that knows no events yet; Start reads them from the
// bus, and tests Add them.
func New(opts Options) *Console {
	if opts.Capacity <= 0 {
		opts.Capacity = 50_000
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	c := &Console{opts: opts, log: newEventLog(opts.Capacity), mux: http.NewServeMux()}
	static, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(static)
	c.mux.Handle("GET /{$}", files)
	c.mux.Handle("GET /app.js", files)
	c.mux.Handle("GET /app.css", files)
	c.mux.HandleFunc("GET /api/events", c.events)
	c.mux.HandleFunc("GET /api/events/live", c.live)
	c.mux.HandleFunc("GET /api/events/{seq}", c.event)
	c.mux.HandleFunc("GET /api/flows/{id}", c.flow)
	c.mux.HandleFunc("GET /api/mail", c.mails)
	c.mux.HandleFunc("GET /api/mail/{id}", c.mail)
	c.mux.HandleFunc("GET /mail/{id}", c.mailHTML)
	c.mux.HandleFunc("GET /api/queues", c.queues)
	c.mux.HandleFunc("POST /api/queues/{name}/redrive", c.redrive)
	c.mux.HandleFunc("GET /api/faults", c.faults)
	c.mux.HandleFunc("PUT /api/faults", c.faults)
	return c
}

// Add records an event as seen on the bus now.
func (c *Console) Add(env events.Envelope) { c.log.add(env, time.Now()) }

// Start listens on port of 127.0.0.1 (0 for a free one), opens a tap on
// the stack's bus and reads it until Close.
func (c *Console) Start(ctx context.Context, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("serve the console: %w", err)
	}
	c.URL = "http://" + l.Addr().String()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	if c.close, err = c.readBus(runCtx); err != nil {
		cancel()
		l.Close()
		return err
	}
	// Requests live in runCtx: Close ends the live feeds, which would
	// otherwise keep Shutdown waiting.
	c.server = &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute,
		BaseContext: func(net.Listener) context.Context { return runCtx }}
	c.wg.Go(func() { _ = c.server.Serve(l) })
	return nil
}

// Close stops serving and removes the tap.
func (c *Console) Close() error {
	if c.cancel != nil {
		c.cancel()
	}
	var errs []error
	if c.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, c.server.Shutdown(ctx))
		cancel()
	}
	c.wg.Wait()
	if c.close != nil {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}

// Handler is the console's page and API, behind its guards.
func (c *Console) Handler() http.Handler { return guard(c.mux) }

// contentSecurityPolicy lets the page run its own script and style and
// talk to its own API, and nothing else: no inline script, no other
// origin. Mail frames have a stricter one of their own.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// guard sets the security headers and refuses what a page of another
// origin could make a browser send: a request under a foreign Host name
// (DNS rebinding), and a change without the console's own header, which
// no cross-origin page can add without a preflight the console refuses.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if host != "127.0.0.1" && host != "localhost" {
			http.Error(w, "the console answers at 127.0.0.1 only", http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-Console") != "1" {
			http.Error(w, "changes need the X-Console: 1 header", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy) // a mail's frame sets a stricter one
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// writeJSON answers with v, or with the error's text and status 502: what
// fails here is the emulator behind the console.
func writeJSON(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}
