// Package warmhook is added to a Go handler's main package for make
// bench's warm run only (go build -overlay, bench/warmproc.go): on
// SIGUSR2 the process prints one line to stderr,
//
//	benchstats {"mallocs":…,"bytes":…,"calls":{…}}
//
// its allocation counters and, when its AWS calls are answered in process
// (awsstub.Process), the calls counted since the last signal. The harness
// signals before and after the measured batches. With BENCH_CPUPROFILE set
// to a file, the first signal also starts a CPU profile and the second
// writes it there.
package warmhook

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/eventshop/eventshop/bench/awsstub"
)

// EnvCPUProfile names the file of the CPU profile over the measured
// batches.
const EnvCPUProfile = "BENCH_CPUPROFILE"

// Stats is the line's JSON.
type Stats struct {
	Mallocs uint64         `json:"mallocs"`
	Bytes   uint64         `json:"bytes"`
	Calls   map[string]int `json:"calls,omitempty"`
}

func init() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	go func() {
		var profile *os.File
		for range c {
			if path := os.Getenv(EnvCPUProfile); path != "" {
				if profile == nil {
					var err error
					if profile, err = os.Create(path); err == nil {
						err = pprof.StartCPUProfile(profile)
					}
					if err != nil {
						fmt.Fprintln(os.Stderr, "warmhook: cpu profile:", err)
					}
				} else {
					pprof.StopCPUProfile()
					profile.Close()
				}
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			s := Stats{Mallocs: m.Mallocs, Bytes: m.TotalAlloc}
			if stub := awsstub.Process(); stub != nil {
				s.Calls = stub.TakeCalls()
			}
			b, _ := json.Marshal(s)
			fmt.Fprintf(os.Stderr, "benchstats %s\n", b)
		}
	}()
}
