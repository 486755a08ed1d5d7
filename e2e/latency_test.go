package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkRegisterToWelcomeMail measures, one registration at a time, how
// long it takes from sending POST /users to the emulator recording the
// welcome mail (its own SentAt timestamp, so polling adds nothing). Run:
//
//	EVENTSHOP_E2E=1 go test ./e2e -run '^$' -bench RegisterToWelcomeMail -benchtime 20x
func BenchmarkRegisterToWelcomeMail(b *testing.B) {
	var latencies []time.Duration
	for b.Loop() {
		email := uniqueEmail("bench")
		start := time.Now()
		r := call(b, http.MethodPost, "/users", map[string]string{"email": email, "name": "Bench Mark"})
		if r.status != http.StatusCreated {
			b.Fatalf("status %d: %s", r.status, r.body)
		}
		latencies = append(latencies, waitForSentAt(b, email).Sub(start))
	}
	slices.Sort(latencies)
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
	b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
}

func waitForSentAt(b *testing.B, addr string) time.Time {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		all, err := stack.mailbox.Sent(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range all {
			if slices.Contains(m.To, addr) {
				return m.SentAt
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("no mail to %s", addr)
	return time.Time{}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
