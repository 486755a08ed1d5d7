package lambdahost_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
	"github.com/eventshop/eventshop/localstack/lambdahost"
	"github.com/eventshop/eventshop/localstack/provision"
)

// handover stands between a host and the emulator's Runtime API. When the
// emulator hands over an invocation whose payload contains trigger, it
// runs hold before passing it on, once.
type handover struct {
	proxy   *httputil.ReverseProxy
	target  string
	trigger string
	hold    func()
	once    sync.Once
}

func (p *handover) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
		p.proxy.ServeHTTP(w, r)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, p.target+r.URL.Path, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), p.trigger) {
		p.once.Do(p.hold)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

func TestAgainstTheEmulatorAnInstanceThatDiesDoesNotLeaveItsInvocationToTheTimeout(t *testing.T) {
	emulatorURL, cfg := emulatortest.Start(t)
	ctx := context.Background()
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.Retryer = aws.NopRetryer{} })
	name := "fn-" + uuid.NewString()[:8]
	const timeout = 10 * time.Second
	if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String("arn:aws:iam::000000000000:role/test"),
		Runtime: "provided.al2023", Handler: aws.String("bootstrap"), Timeout: aws.Int32(int32(timeout / time.Second)),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("run by the host")},
	}); err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(emulatorURL)
	if err != nil {
		t.Fatal(err)
	}
	var h *lambdahost.Host
	proxy := &handover{proxy: httputil.NewSingleHostReverseProxy(target), target: emulatorURL, trigger: "die-on-handover",
		// The instance dies as the emulator hands it the invocation; the
		// handover completes once the next instance runs.
		hold: func() {
			h.Kill(0)
			for deadline := time.Now().Add(timeout); h.Starts() < 2 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
		}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h, err = lambdahost.Start(provision.Function{LogicalID: "Fn", Name: name, MemoryMB: 128, Timeout: timeout},
		lambdahost.Options{Bootstrap: self, EmulatorURL: srv.URL, Region: emulatortest.Region, Instances: 1,
			ExtraEnv: map[string]string{bootstrapEnv: "1"}, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	ready, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := h.Ready(ready); err != nil {
		t.Fatal(err)
	}
	invoke := func(payload string) (*lambda.InvokeOutput, time.Duration) {
		t.Helper()
		began := time.Now()
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)})
		if err != nil {
			t.Fatal(err)
		}
		return out, time.Since(began)
	}

	t.Run("a process that exits mid-invocation fails it with its exit status", func(t *testing.T) {
		out, took := invoke(`{"exit":"2"}`)
		t.Logf("answered in %v; the function's timeout is %v", took.Round(time.Millisecond), timeout)
		if out.FunctionError == nil || !strings.Contains(string(out.Payload), "Runtime.ExitError") ||
			!strings.Contains(string(out.Payload), "exit status 2") {
			t.Errorf("answer %s (function error %q), want a Runtime.ExitError for exit status 2", out.Payload, aws.ToString(out.FunctionError))
		}
	})
	t.Run("an invocation handed over as the process dies is served by the next one", func(t *testing.T) {
		out, took := invoke(`{"say":"die-on-handover"}`)
		t.Logf("answered in %v; the function's timeout is %v", took.Round(time.Millisecond), timeout)
		if out.FunctionError != nil || !strings.Contains(string(out.Payload), `"echo":"die-on-handover"`) {
			t.Errorf("answer %s (function error %q), want the function's echo", out.Payload, aws.ToString(out.FunctionError))
		}
	})
}
