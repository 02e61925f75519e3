#!/usr/bin/env bash
# Benchmark (not a test): `cargo aotcheck inspect` over a folder of binaries against
# `nm -S --size-sort` over the same files, in the same run. Target (issue 12): no slower than nm.
#
#   benches/inspect.sh [DIR...]   (default: /usr/bin /usr/lib/x86_64-linux-gnu)
#
# The files are the regular files (not symbolic links) directly in each DIR that start with the
# ELF magic, given to both tools by name, once each per round. RUNS=N sets the rounds (default
# 5; the two tools alternate within a round) and the median of each is printed, then the ratio
# ours / nm. The page cache is warmed first so both read from memory.
set -euo pipefail
cd "$(dirname "$0")/.."

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(/usr/bin /usr/lib/x86_64-linux-gnu)
runs=${RUNS:-5}
command -v nm >/dev/null || { echo "nm is missing: apt-get install binutils" >&2; exit 1; }
cargo build --release --locked --quiet
bin=target/release/cargo-aotcheck

files=()
bytes=0
for dir in "${dirs[@]}"; do
  while IFS= read -r -d '' f; do
    if [ "$(od -An -tx1 -N4 -- "$f" 2>/dev/null | tr -d ' \n')" = 7f454c46 ]; then
      files+=("$f")
      bytes=$((bytes + $(stat -c %s -- "$f")))
    fi
  done < <(find "$dir" -maxdepth 1 -type f -print0 | sort -z)
done
[ ${#files[@]} -gt 0 ] || { echo "no ELF files in ${dirs[*]}" >&2; exit 1; }
cat -- "${files[@]}" >/dev/null

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.0f ms", ns / 1e6}'; }

# Our exit code is 2 when a file fails; that is reported, not a reason to stop the benchmark.
"$bin" inspect -q "${files[@]}" >/dev/null || echo "note: inspect exited $? (see its errors above)"

nm_times=(); our_times=(); json_times=()
for _ in $(seq "$runs"); do
  t=$(now); nm -S --size-sort -- "${files[@]}" >/dev/null 2>&1 || true; nm_times+=($(( $(now) - t )))
  t=$(now); "$bin" inspect -q "${files[@]}" >/dev/null 2>&1 || true; our_times+=($(( $(now) - t )))
  t=$(now); "$bin" inspect -q --format json "${files[@]}" >/dev/null 2>&1 || true
  json_times+=($(( $(now) - t )))
done
nm_med=$(printf '%s\n' "${nm_times[@]}" | median)
our_med=$(printf '%s\n' "${our_times[@]}" | median)
json_med=$(printf '%s\n' "${json_times[@]}" | median)
ratio() { awk -v a="$1" -v b="$nm_med" 'BEGIN {printf "%.2f", a / b}'; }

echo "files:      ${#files[@]} ELF files in ${dirs[*]} ($((bytes / 1048576)) MiB)"
echo "cores:      $(nproc)"
echo "runs:       $runs each, median"
echo "nm -S --size-sort:                $(ms "$nm_med")"
echo "aotcheck inspect (human):         $(ms "$our_med")  ($(ratio "$our_med")x nm)"
echo "aotcheck inspect --format json:   $(ms "$json_med")  ($(ratio "$json_med")x nm)"
echo "target:     at most 1.00x nm"
