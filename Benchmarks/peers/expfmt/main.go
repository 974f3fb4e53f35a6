// Peer: Go's expfmt.TextParser (prometheus/common), the parser of client_golang and many exporters.
// Output: one JSON line shaped like `vigil bench parse`.
// Build (Debian's golang-go + golang-github-prometheus-common-dev, offline):
//   GO111MODULE=off GOPATH=/usr/share/gocode go build -o expfmt-peer .
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
)

func cpuNanos() int64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return usage.Utime.Nano() + usage.Stime.Nano()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: expfmt-peer FILE [RUNS] [WARMUP]")
		os.Exit(2)
	}
	runs, warmup := 10, 1
	if len(os.Args) > 2 {
		runs, _ = strconv.Atoi(os.Args[2])
	}
	if len(os.Args) > 3 {
		warmup, _ = strconv.Atoi(os.Args[3])
	}
	body, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Samples are exposition sample lines, counted the same way for every peer.
	lines := 0
	for _, line := range bytes.Split(body, []byte("\n")) {
		if trimmed := bytes.TrimLeft(line, " \t"); len(trimmed) > 0 && trimmed[0] != '#' {
			lines++
		}
	}
	pass := func() int {
		var parser expfmt.TextParser
		if _, err := parser.TextToMetricFamilies(bytes.NewReader(body)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return lines
	}
	samples := 0
	for i := 0; i < warmup; i++ {
		samples = pass()
	}
	var wall, cpu []int64
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		w, c := time.Now(), cpuNanos()
		samples = pass()
		cpu = append(cpu, cpuNanos()-c)
		wall = append(wall, time.Since(w).Nanoseconds())
	}
	runtime.ReadMemStats(&after)
	sorted := append([]int64(nil), wall...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	median := sorted[len(sorted)/2]
	out, _ := json.Marshal(map[string]any{
		"peer": "go-expfmt", "impl": "prometheus/common expfmt.TextParser", "bytes": len(body), "samples": samples,
		"runs_ns": wall, "cpu_ns": cpu, "median_ns": median,
		"ns_per_sample":     float64(median) / float64(samples),
		"allocs_per_sample": float64(after.Mallocs-before.Mallocs) / float64(runs*samples),
	})
	fmt.Println(string(out))
}

