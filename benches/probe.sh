#!/usr/bin/env bash
# Benchmark of the startup probe (not a test): how its figures compare with hyperfine's, and how
# late it notices readiness. Installs nothing; needs hyperfine, python3, gcc and a Rust toolchain.
#
#   benches/probe.sh [RUNS]        (default 200 runs per series)
#   AOTCHECK=path/to/cargo-aotcheck benches/probe.sh [RUNS]   (another build, e.g. a former one)
#   ROUNDS=N benches/probe.sh      (rounds of part 1, default 3)
#   PIN=CPU benches/probe.sh       (part 1 with both tools confined to that CPU by `taskset`:
#                                   on a noisy VM it takes the scheduler's CPU placement out
#                                   of the comparison of the two timing methods)
#
# 1. `exit` mode: our median for a static and a dynamic Rust program and for the spawn floor
#    against `hyperfine -N` on the same files (ratio ours / hyperfine), and a third timing of
#    the same files by benches/spawn_loop.c (the least a launcher does: posix_spawn and wait4,
#    nothing else in the interval): how far two correct spawn-and-wait timings differ here.
# 2. Detection lag: the fixture server takes a CLOCK_MONOTONIC timestamp right after `bind`
#    (tcp) and right before printing its ready line (line); we report the spawn time on the same
#    clock (`samples[].spawned_at_ns`) plus the time to ready. lag = our ready - its timestamp.
# 3. Where the spawn floor's time goes, for both tools, from kernel tracepoints (needs perf and
#    root; skipped otherwise): what each counts before the program's execve, the execve, the
#    program, and the reaping (benches/phases.py).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}

for tool in hyperfine python3 cc; do
  if ! command -v "$tool" >/dev/null; then
    case $tool in
      hyperfine) echo "hyperfine is missing: apt-get install hyperfine" >&2 ;;
      python3) echo "python3 is missing: apt-get install python3" >&2 ;;
      cc) echo "cc is missing: apt-get install gcc libc6-dev" >&2 ;;
    esac
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${AOTCHECK:-}" ]; then
  aot=$AOTCHECK
else
  cargo build --release --locked -q
  aot="$PWD/target/release/cargo-aotcheck"
fi
fixture=tests/fixtures/probe-targets/Cargo.toml
target_dir="$PWD/target/bench-fixtures"

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
echo "runs per series: $runs (+3 warmup)"
echo

# --- 1. exit mode vs hyperfine -N ---------------------------------------------------------
# Rounds of (ours, then hyperfine) so that load from elsewhere hits both; the median of each.
rounds=${ROUNDS:-3}
pin=()
if [ -n "${PIN:-}" ]; then
  command -v taskset >/dev/null || { echo "taskset is missing: apt-get install util-linux" >&2; exit 1; }
  pin=(taskset -c "$PIN")
  echo "part 1 pinned: both tools run under taskset -c $PIN"
fi
cc -O2 -o "$work/spawn_loop" benches/spawn_loop.c
printf '%-6s %-8s %12s %14s %8s %14s %10s\n' round series ours_ms hyperfine_ms ratio \
  spawn_loop_ms hf/loop
for round in $(seq "$rounds"); do
  "${pin[@]}" "$aot" aotcheck --manifest-path "$fixture" --target-dir "$target_dir" --locked -q \
    --bin exits --compare --ready exit --runs "$runs" --warmup 3 --format json > "$work/exit.json"
  python3 - "$work/exit.json" > "$work/targets" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for a in r["artifacts"]:
    p = a["probe"]
    print(a["link_mode"], a["path"], p["startup_ms"]["median"])
floor = r["artifacts"][0]["probe"]
print("floor", floor["spawn_floor_program"].split(": ")[-1], floor["spawn_floor_ms"])
PY
  while read -r name path ours; do
    "${pin[@]}" hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/hf.json" "$path" >/dev/null 2>&1
    "${pin[@]}" "$work/spawn_loop" 3 "$path" >/dev/null  # the warmup the other two have
    loop_us=$("${pin[@]}" "$work/spawn_loop" "$runs" "$path" | cut -d' ' -f1)
    python3 - "$work/hf.json" "$name" "$ours" "$round" "$loop_us" <<'PY' | tee -a "$work/ratios"
import json, sys
hf = json.load(open(sys.argv[1]))["results"][0]["median"] * 1e3
ours, loop = float(sys.argv[3]), float(sys.argv[5]) / 1e3
print(f"{sys.argv[4]:<6} {sys.argv[2]:<8} {ours:12.3f} {hf:14.3f} {ours / hf:8.2f} {loop:14.3f}"
      f" {hf / loop:10.2f}")
PY
  done < "$work/targets"
done
python3 - "$work/ratios" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
for name in ["static", "dynamic", "floor"]:
    r = sorted(float(x[4]) for x in rows if x[1] == name)
    d = [float(x[2]) - float(x[3]) for x in rows if x[1] == name]
    ratio, diff = statistics.median(r), statistics.median(d) * 1e3
    within = abs(ratio - 1) <= 0.10 or abs(diff) <= 10
    peers = statistics.median(float(x[3]) / float(x[5]) for x in rows if x[1] == name)
    loop = statistics.median(float(x[2]) / float(x[5]) for x in rows if x[1] == name)
    print(f"median ratio {name:<8} {ratio:5.2f}   (ours - hyperfine: {diff:+.0f} us)"
          f"   {'within' if within else 'NOT within'} 10% or 10 us;"
          f"   hyperfine / spawn_loop {peers:5.2f}, ours / spawn_loop {loop:5.2f}")
PY
echo

# --- 2. detection lag ---------------------------------------------------------------------
printf '%-6s %10s %10s %10s   %s\n' ready median_us p90_us min_us "(lag of our ready moment after the server's own timestamp)"
for ready in tcp "line:^ready print_ns="; do
  rm -f "$work/stamps"
  "$aot" aotcheck --manifest-path "$fixture" --target-dir "$target_dir" --locked -q \
    --bin slow-server --ready "$ready" --runs "$runs" --warmup 3 --grace 1s \
    --probe-env DELAY_MS=0 --probe-env MEM_MIB=0 --probe-env "REPORT_FILE=$work/stamps" \
    --format json > "$work/lag.json"
  python3 - "$work/lag.json" "$work/stamps" "$ready" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
key = "bound_ns" if sys.argv[3] == "tcp" else "print_ns"
stamps = sorted(int(w.split("=")[1]) for l in open(sys.argv[2]) for w in l.split() if w.startswith(key + "="))
samples = r["artifacts"][0]["probe"]["samples"]
lags = []
for i, s in enumerate(samples):
    if s["warmup"] or s["spawned_at_ns"] is None:
        continue
    start = s["spawned_at_ns"]
    end = samples[i + 1]["spawned_at_ns"] if i + 1 < len(samples) else float("inf")
    # This run's own timestamp: the one taken between its spawn and the next run's.
    own = [t for t in stamps if start <= t < end]
    if own:
        lags.append((start + s["startup_ms"] * 1e6 - own[0]) / 1e3)
lags.sort()
def q(p):
    return lags[min(len(lags) - 1, int(p * (len(lags) - 1) + 0.5))]
name = sys.argv[3].split(":")[0]
neg = sum(1 for l in lags if l < 0)
print(f"{name:<6} {q(0.5):10.1f} {q(0.9):10.1f} {lags[0]:10.1f}   ({len(lags)} runs; {neg} negative: "
      f"seen ready between listen() and the server's own clock read)")
PY
done

# --- 3. where the spawn floor's time goes ------------------------------------------------
# Kernel tracepoints around each run of the floor program, for both tools: what each counts
# before the program's execve (hyperfine its posix_spawn, we the wake-up of the gate), the
# execve itself, the program, and the reaping. Needs `perf` (apt-get install linux-perf) and
# permission to trace (root, or kernel.perf_event_paranoid <= -1); skipped without them.
echo
events=(-e syscalls:sys_enter_clone3 -e syscalls:sys_enter_write -e syscalls:sys_enter_execve
        -e sched:sched_process_exec -e sched:sched_process_exit -e syscalls:sys_exit_wait4)
if ! command -v perf >/dev/null || ! perf record -q -a "${events[@]}" -o "$work/probe.data" -- true >/dev/null 2>&1; then
  echo "part 3 skipped: perf is missing or may not trace here (apt-get install linux-perf; run as root)"
  exit 0
fi
floor=$(awk '$1 == "floor" {print $2}' "$work/targets")
printf '%-10s %7s %7s %7s %7s %7s   %s\n' floor launch execve run reap total "(medians in us; see benches/phases.py)"
perf record -q -a "${events[@]}" -o "$work/hf.data" -- \
  hyperfine -N --warmup 3 --runs "$runs" "$floor" >/dev/null 2>&1
perf script -i "$work/hf.data" -F comm,pid,tid,time,event,trace 2>/dev/null > "$work/hf.trace"
python3 benches/phases.py "$work/hf.trace" hyperfine "$(basename "$floor")"
perf record -q -a "${events[@]}" -o "$work/ours.data" -- \
  "$aot" aotcheck --manifest-path "$fixture" --target-dir "$target_dir" --locked -q \
  --bin exits --ready exit --runs "$runs" --warmup 3 --format json >/dev/null 2>&1
perf script -i "$work/ours.data" -F comm,pid,tid,time,event,trace 2>/dev/null > "$work/ours.trace"
python3 benches/phases.py "$work/ours.trace" ours "$(basename "$floor")"

