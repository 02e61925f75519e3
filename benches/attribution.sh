#!/usr/bin/env bash
# Benchmark (not a test): `cargo aotcheck inspect FILE` with full attribution against
# `nm -S --size-sort FILE` on the same file, in the same run, plus our peak RSS.
# Targets (issue 6): at most 2x nm's time, peak RSS under 300 MB.
#
# Usage: benches/attribution.sh [FILE]   (default: the toolchain's librustc_driver-*.so)
# RUNS=N sets the runs per tool (default 5); the median is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

file=${1:-}
if [ -z "$file" ]; then
  file=$(ls "$(rustc --print sysroot)"/lib/librustc_driver-*.so | head -n1)
fi
runs=${RUNS:-5}
cargo build --release --quiet
bin=target/release/cargo-aotcheck

# Same conditions for both: the file is in the page cache.
cat "$file" >/dev/null

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.0f ms", ns / 1e6}'; }

nm_times=(); our_times=(); json_times=()
for _ in $(seq "$runs"); do
  t=$(now); nm -S --size-sort "$file" >/dev/null; nm_times+=($(( $(now) - t )))
  t=$(now); "$bin" inspect -q "$file" >/dev/null; our_times+=($(( $(now) - t )))
  t=$(now); "$bin" inspect -q --format json --symbols all "$file" >/dev/null
  json_times+=($(( $(now) - t )))
done
nm_med=$(printf '%s\n' "${nm_times[@]}" | median)
our_med=$(printf '%s\n' "${our_times[@]}" | median)
json_med=$(printf '%s\n' "${json_times[@]}" | median)

# Peak RSS (VmHWM) of one run: GNU time if present, else polled from /proc.
peak_kb() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}'
  else
    "$@" >/dev/null & local pid=$! hwm=0 v
    while v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$v" ]; do
      hwm=$v; sleep 0.005
    done
    wait "$pid"; echo "$hwm"
  fi
}
rss=$(peak_kb "$bin" inspect -q "$file")
rss_json=$(peak_kb "$bin" inspect -q --format json --symbols all "$file")

# The same file copied where its DT_NEEDED libraries are not found: what inspection and
# attribution cost without the closure step reading those libraries (libLLVM is 190 MiB).
alone_dir=$(mktemp -d); trap 'rm -rf "$alone_dir"' EXIT
cp "$file" "$alone_dir/"
alone="$alone_dir/$(basename "$file")"
alone_times=()
for _ in $(seq "$runs"); do
  t=$(now); "$bin" inspect -q "$alone" >/dev/null; alone_times+=($(( $(now) - t )))
done
alone_med=$(printf '%s\n' "${alone_times[@]}" | median)
rss_alone=$(peak_kb "$bin" inspect -q "$alone")

symbols=$(nm -S --size-sort "$file" | wc -l)
echo "file:       $file ($(stat -c %s "$file") bytes, $symbols sized symbols per nm)"
echo "runs:       $runs each, median"
echo "nm -S --size-sort:                     $(ms "$nm_med")"
echo "aotcheck inspect (human, top 10):      $(ms "$our_med")  ($(awk -v a="$our_med" -v b="$nm_med" 'BEGIN {printf "%.2f", a / b}')x nm)"
echo "aotcheck inspect --symbols all (json): $(ms "$json_med")  ($(awk -v a="$json_med" -v b="$nm_med" 'BEGIN {printf "%.2f", a / b}')x nm)"
echo "peak RSS:   $(( rss / 1024 )) MiB (human), $(( rss_json / 1024 )) MiB (json, every row)"
echo "without the closure step (a copy of the file where its libraries are not found):"
echo "  aotcheck inspect (human, top 10):    $(ms "$alone_med")  ($(awk -v a="$alone_med" -v b="$nm_med" 'BEGIN {printf "%.2f", a / b}')x nm), peak RSS $(( rss_alone / 1024 )) MiB"
