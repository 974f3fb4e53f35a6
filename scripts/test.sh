#!/usr/bin/env bash
# Every test: format lint, unit and CLI tests (also under ThreadSanitizer), the README's demo, the allocation, memory
# and speed gates of the benchmark suite, then a short fuzz run over the parser's regression corpus.
# Usage: scripts/test.sh            (FUZZ_SECONDS=0 skips the fuzz smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/check-toolchain.sh --kubectl
scripts/install-deps.sh

# Runs COMMAND; once more if, and only if, it died of one of two known crashes of the Linux toolchain's
# libraries, told by the crashed thread's first frames: in libdispatch's event loop
# (_dispatch_event_loop_drain, swiftlang/swift#87033, which has taken down `swift test` once in 24 CI
# rehearsals here and `swift package benchmark` itself, SwiftPM's own process, once in 34), or in
# Foundation's Process.run(), which reads past a directory entry of /proc/self/fd
# (swiftlang/swift-corelibs-foundation#5472, on Swift 6.3.1: once in about 30 test runs here, a test
# starting its fixture server). A failure, any other crash, or a known crash twice, fails.
once_more_on_known_crash() {
    local log
    log=$(mktemp)
    if "$@" 2>&1 | tee "$log"; then
        rm -f "$log"
        return 0
    fi
    # grep -c, not -q: -q leaves at its first match, and the grep feeding it would die of SIGPIPE.
    if [ "$(grep -A3 ' crashed:$' "$log" | grep -cE '_dispatch_event_loop_drain|Process\.run\(\)')" -gt 0 ]; then
        rm -f "$log"
        echo "== $1 died of a known crash of the toolchain's libraries (swiftlang/swift#87033, swiftlang/swift-corelibs-foundation#5472): once more"
        "$@"
        return
    fi
    rm -f "$log"
    return 1
}

# Each step's header carries the minutes:seconds since the script began, so a CI log shows where its time goes.
step() { printf '== [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

step "format (swift-nio's .swift-format, strict)"
swift format lint --strict -r Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Benchmarks Fuzz/Package.swift Fuzz/Sources

step "build (debug, with tests)"
once_more_on_known_crash swift build --build-tests --explicit-target-dependency-import-check error
step "unit and CLI tests"
once_more_on_known_crash swift test --skip-build

step "rule files: the default pack checks clean and passes its unit tests (as promtool check/test rules)"
.build/debug/vigil rules check rules/
.build/debug/vigil rules test rules/*_test.yaml

step "the bundled scenarios are exactly what their generator writes"
python3 scripts/generate-scenarios.py --check
python3 scripts/generate-checkout-latency.py --check

step "hostile input against the real binary (scripts/hostile/: bad numbers, aliases, churn, gzip bomb, slowloris, credentials, hung exec plugin, proxy variables, power loss)"
scripts/hostile-input.sh .build/debug/vigil

step "the README's other command: scripts/demo.sh runs to its end (its output in .build/demo.log)"
scripts/demo.sh >.build/demo.log 2>&1 || { cat .build/demo.log; exit 1; }

step "the same tests under ThreadSanitizer (the HTTP client hands transfers between threads), but those that only compute or only repeat"
once_more_on_known_crash swift build --build-tests --sanitize=thread --scratch-path .build-tsan
# One test at a time: ThreadSanitizer checks each test's own threads; run in parallel on 2 cores, its
# slowdown starved the loopback servers of the timing-bound tests. Skipped here, and run above: the tests
# that replay recorded or simulated data through the detector and the engine on one thread. They took 15
# of TSan's 27 minutes on a 2-core machine (ci33) and found nothing.
single_threaded="HealthyFleetTests|ScenarioReplayTests|ScenarioVariantTests|RaiseChoiceTests"
single_threaded+="|everyReportFitsAHundredColumnsWithOrWithoutColour|theDemoOfEveryScenarioMatchesTheExpectedDiagnoses"
# Skipped here too, and run above: the tests that run `vigil diagnose --replay` again and again, each case the
# same threads on another recording or another crash point. Their threads still run under TSan in one test
# each (a fix applied through the fake API server, a narration through the fake chat server, a read from a
# real Prometheus); the three took 229 of TSan's 913 s (ci36).
repeated="aCrashAtAnyStepLosesNothingAndNeverSendsTwice|prometheusAndTheClusterGiveTheReplaysDiagnosis"
repeated+="|nothingUnmaskedReachesTheModel"
once_more_on_known_crash swift test --skip-build --sanitize=thread --scratch-path .build-tsan --no-parallel \
    --skip "$single_threaded|$repeated"

step "allocation gate: warm parses, detector updates and the scrape pipeline allocate nothing per sample (Benchmarks/Thresholds)"
(cd Benchmarks && once_more_on_known_crash swift package benchmark thresholds check --filter "warm-.*|ensemble-.*|pipeline-.*" --metric mallocCountTotal --no-progress)

step "memory gate: the pipeline keeps a series that varies (daily profile on) within 600 B resident, so the daemon, 73-101 B above it, stays within 700 B (Benchmarks/Thresholds)"
(cd Benchmarks && once_more_on_known_crash swift package benchmark thresholds check --filter "memory-.*" --metric residentBytesPerSeries --no-progress)

step "detector speed: the default detector's fastest round makes at least 5 M updates a second, in one of three runs (scripts/bench-detector.sh, beside its EWMA peer)"
once_more_on_known_crash scripts/bench-detector.sh

if [ "${FUZZ_SECONDS:-60}" -gt 0 ]; then
    step "fuzz smoke run (${FUZZ_SECONDS:-60}s): regressions and new crashes"
    once_more_on_known_crash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi

step "done"
