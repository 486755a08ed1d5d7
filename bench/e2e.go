package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/runner"
)

// flowResult is what the local end-to-end run measured.
type flowResult struct {
	Flows, Concurrency int
	Duration           time.Duration // first request to last mail
	Latencies          []time.Duration
	PeakRSS            map[string]int64 // bytes, by process
}

// runFlows starts the local stack and registers flows users, concurrency
// at a time, timing each from request to the mail the emulator recorded.
func runFlows(ctx context.Context, root string, flows, concurrency int, log io.Writer) (flowResult, error) {
	res := flowResult{Flows: flows, Concurrency: concurrency}
	stack, err := runner.Start(ctx, runner.Options{Root: root, EmulatorPort: -1, APIPort: -1, Stage: "bench",
		OutputsFile: root + "/.local/bench-outputs.json", Log: log, Progress: io.Discard})
	if err != nil {
		return res, err
	}
	defer stack.Stop()

	run := fmt.Sprintf("bench%d", time.Now().UnixNano()%1_000_000)
	sent := make([]time.Time, flows)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, flows)
	slots := make(chan struct{}, concurrency)
	for i := range flows {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			body := fmt.Sprintf(`{"email":"%s-%d@example.com","name":"Bench Mark"}`, run, i)
			sent[i] = time.Now()
			resp, err := http.Post(stack.APIURL+contract.RegisterUser.Path(), "application/json", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				errs <- fmt.Errorf("registration %d: %s", i, resp.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}

	deadline := time.Now().Add(time.Duration(60+flows/10) * time.Second)
	for {
		mails, err := sentMail(ctx, stack.EmulatorURL)
		if err != nil {
			return res, err
		}
		res.Latencies = res.Latencies[:0]
		var last time.Time
		for i := range flows {
			at, ok := mails[fmt.Sprintf("%s-%d@example.com", run, i)]
			if !ok {
				break
			}
			res.Latencies = append(res.Latencies, at.Sub(sent[i]))
			if at.After(last) {
				last = at
			}
		}
		if len(res.Latencies) == flows {
			res.Duration = last.Sub(start)
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("%d of %d mails after %v", len(res.Latencies), flows, time.Since(start))
		}
		time.Sleep(200 * time.Millisecond)
	}
	slices.Sort(res.Latencies)
	res.PeakRSS = map[string]int64{"emulator": peakRSS(stack.EmulatorPID())}
	for name, h := range stack.Hosts {
		for i, pid := range h.PIDs() {
			res.PeakRSS[fmt.Sprintf("%s#%d", name, i+1)] = peakRSS(pid)
		}
	}
	return res, nil
}

// sentMail maps each recipient to when kumo recorded their first mail.
func sentMail(ctx context.Context, endpoint string) (map[string]time.Time, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/kumo/ses/v2/sent-emails", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		SentEmails []struct {
			Destination struct{ ToAddresses []string }
			SentAt      time.Time
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, m := range body.SentEmails {
		for _, to := range m.Destination.ToAddresses {
			if _, seen := out[to]; !seen {
				out[to] = m.SentAt
			}
		}
	}
	return out, nil
}

// peakRSS is a process's resident set high-water mark, from Linux's
// /proc; 0 where that is not available.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func percentile(ds []time.Duration, p int) time.Duration {
	return ds[min(len(ds)-1, len(ds)*p/100)]
}
