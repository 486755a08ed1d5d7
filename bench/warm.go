package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchResult is one benchmark's medians over its runs.
type benchResult struct {
	Name    string
	Runs    int
	Metrics map[string]float64 // unit → median value
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// runBenchmarks runs go test -bench on packages and returns each
// benchmark's medians over count runs, with the raw output.
func runBenchmarks(ctx context.Context, root string, count int, pkgs ...string) (map[string]benchResult, string, error) {
	// One CPU: the cost of a message, not how many cores share it.
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "2000x", "-cpu", "1", "-count", strconv.Itoa(count)}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = root, os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, out.String(), fmt.Errorf("go test -bench: %v\n%s", err, out.String())
	}
	samples := map[string]map[string][]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if samples[m[1]] == nil {
			samples[m[1]] = map[string][]float64{}
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				samples[m[1]][fields[i+1]] = append(samples[m[1]][fields[i+1]], v)
			}
		}
	}
	results := map[string]benchResult{}
	for name, units := range samples {
		r := benchResult{Name: name, Metrics: map[string]float64{}}
		for unit, vs := range units {
			slices.Sort(vs)
			r.Metrics[unit] = vs[len(vs)/2]
			r.Runs = len(vs)
		}
		results[name] = r
	}
	return results, out.String(), nil
}
