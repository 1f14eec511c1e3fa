# Shared by bench/run.sh and bench/oci-bench.sh; needs $work (a scratch directory).
# Timings on a shared 2-core machine vary by 10-20% from run to run, so every row is the
# median of several runs.
BENCH_RUNS=${BENCH_RUNS:-3}

# measure LABEL CMD...: runs CMD $BENCH_RUNS times under /usr/bin/time -v, running the shell
# command in $BENCH_SETUP (untimed; default none) before each run. Sets WALL, CPU (user+sys) and
# RSS_MB from the run with the median wall time and prints a row; BENCH_ROWS keeps every run's
# "wall cpu rss" line, for the spread.
measure() {
    local label=$1; shift
    local i rows="" row
    for ((i = 0; i < BENCH_RUNS; i++)); do
        [ -z "${BENCH_SETUP:-}" ] || bash -c "$BENCH_SETUP"
        sync   # what was just generated or written must not be written back during the timed run
        if ! /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/out.txt" 2>&1; then
            echo "bench: failed: $*" >&2; tail -20 "$work/out.txt" >&2; exit 1
        fi
        row=$(awk -F': ' '
            /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
            /User time/ { u = $2 } /System time/ { s = $2 }
            /Maximum resident set size/ { r = $2 }
            END { printf "%.2f %.2f %d", w, u + s, r / 1024 }' "$work/time.txt")
        rows+="$row"$'\n'
    done
    BENCH_ROWS=$rows
    read -r WALL CPU RSS_MB < <(printf '%s' "$rows" | sort -n -k1,1 | awk -v n="$BENCH_RUNS" 'NR == int((n + 1) / 2)')
    printf '%-46s %8s s %8s s %7s MiB\n' "$label" "$WALL" "$CPU" "$RSS_MB"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
