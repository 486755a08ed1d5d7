package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulator"
)

// TestMakeLocalKeepsStateAndStopsCleanly runs make local as a developer
// does, in a terminal, on ports of its own: a busy port and a second stack
// of the same state are refused before anything is built; a user
// registered before Ctrl-C is there after a restart, which says it kept
// the state; Ctrl-C exits 0 through make; make local-reset starts afresh.
func TestMakeLocalKeepsStateAndStopsCleanly(t *testing.T) {
	if stack.local == nil {
		t.Skip("runs make local beside the stack the tests started; this run uses a running stack")
	}
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	apiPort, emuPort := freePort(t), freePort(t)
	env := []string{"PORT=" + strconv.Itoa(apiPort), "EMULATOR_PORT=" + strconv.Itoa(emuPort), "STATE=" + t.TempDir(), "CONSOLE_PORT=" + strconv.Itoa(freePort(t))}
	api := fmt.Sprintf("http://127.0.0.1:%d", apiPort)

	t.Run("a busy port is named before anything is built", func(t *testing.T) {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", apiPort))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		out, code, took := makeOnce(t, root, env, "local")
		want := fmt.Sprintf("port %d, for the API, is in use: choose another with make local PORT=", apiPort)
		if code == 0 || !strings.Contains(out, want) || strings.Contains(out, "building the emulator") {
			t.Fatalf("make local with port %d taken: exit %d, want a failure saying %q before building; it printed:\n%s", apiPort, code, want, out)
		}
		t.Logf("refused in %v, go run's compile included", took.Round(time.Millisecond))
	})

	first := startLocal(t, root, env, "local")
	if !strings.Contains(first.ready, "with a fresh state") {
		t.Errorf("the first ready line is %q, want it to say the state is fresh", first.ready)
	}
	t.Run("a second stack of the same state is refused", func(t *testing.T) {
		other := []string{"PORT=" + strconv.Itoa(freePort(t)), "EMULATOR_PORT=" + strconv.Itoa(freePort(t)), env[2]}
		out, code, _ := makeOnce(t, root, other, "local")
		if code == 0 || !strings.Contains(out, "already running") {
			t.Fatalf("a second make local of one state: exit %d, want it refused as already running; it printed:\n%s", code, out)
		}
	})
	userID := registerAt(t, api, "kept@example.com")
	first.interrupt(t)

	second := startLocal(t, root, env, "local")
	if !strings.Contains(second.ready, "with the state kept since") {
		t.Errorf("the ready line after a restart is %q, want it to say the state was kept", second.ready)
	}
	if code := getStatus(t, api+"/users/"+userID); code != http.StatusOK {
		t.Errorf("GET the user registered before the restart: %d, want 200", code)
	}
	second.interrupt(t)

	third := startLocal(t, root, env, "local-reset")
	if !strings.Contains(third.ready, "with a fresh state") {
		t.Errorf("make local-reset's ready line is %q, want it to say the state is fresh", third.ready)
	}
	if code := getStatus(t, api+"/users/"+userID); code != http.StatusNotFound {
		t.Errorf("GET the user after make local-reset: %d, want 404", code)
	}
	third.interrupt(t)
}

// localRun is make local running in a terminal of its own.
type localRun struct {
	cmd   *exec.Cmd
	tty   *os.File
	ready string // the ready line
	mu    sync.Mutex
	out   strings.Builder
	done  chan struct{}
}

// startLocal runs make target in a pseudo-terminal and waits for its ready
// line.
func startLocal(t *testing.T, root string, env []string, target string) *localRun {
	t.Helper()
	r := &localRun{cmd: exec.Command("make", "--no-print-directory", target), done: make(chan struct{})}
	r.cmd.Dir, r.cmd.Env = root, append(os.Environ(), env...)
	tty, err := pty.Start(r.cmd)
	if err != nil {
		t.Fatal(err)
	}
	r.tty = tty
	lines := make(chan string, 1024)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(tty)
		for sc.Scan() {
			r.mu.Lock()
			r.out.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			_ = r.cmd.Wait()
		}
		tty.Close()
	})
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, "ready in ") {
				r.ready = strings.TrimSpace(l)
				return r
			}
		case <-r.done:
			t.Fatalf("make %s ended before it was ready:\n%s", target, r.output())
		case <-timeout:
			t.Fatalf("make %s was not ready in 5 minutes:\n%s", target, r.output())
		}
	}
}

func (r *localRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// interrupt types Ctrl-C and expects make to exit 0, saying it kept the
// state.
func (r *localRun) interrupt(t *testing.T) {
	t.Helper()
	began := time.Now()
	if _, err := r.tty.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- r.cmd.Wait() }()
	select {
	case err := <-exited:
		<-r.done
		if err != nil {
			t.Fatalf("after Ctrl-C, make: %v, want exit 0; it printed:\n%s", err, r.output())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("make did not exit within 30s of Ctrl-C:\n%s", r.output())
	}
	if !strings.Contains(r.output(), "stopped; the state is kept") {
		t.Errorf("after Ctrl-C, make local did not say it kept the state:\n%s", r.output())
	}
	t.Logf("%s; stopped in %v", r.ready, time.Since(began).Round(time.Millisecond))
}

// makeOnce runs make target to its end, outside a terminal.
func makeOnce(t *testing.T, root string, env []string, target string) (out string, code int, took time.Duration) {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", target)
	cmd.Dir, cmd.Env = root, append(os.Environ(), env...)
	began := time.Now()
	b, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(b), cmd.ProcessState.ExitCode(), time.Since(began)
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := emulator.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// registerAt registers a user with the API at base, and returns their id.
func registerAt(t *testing.T, base, email string) string {
	t.Helper()
	resp, err := httpClient.Post(base+"/users", "application/json", strings.NewReader(`{"email":"`+email+`","name":"Kept"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register at %s: %d %s", base, resp.StatusCode, b)
	}
	id := resp.Header.Get("Location")
	return id[strings.LastIndex(id, "/")+1:]
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
