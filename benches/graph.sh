#!/usr/bin/env bash
# Benchmark (not a test): the reference graph, dominators and `--why` (issue 13) against
# twiggy's `dominators` on the same binary, in the same run, and against our plain `inspect`
# of the revision before the graph; and what the analysis link adds to a warm build.
#
#   benches/graph.sh [MANIFEST]   (default: this repository's own Cargo.toml)
#
# Builds the project of MANIFEST with `cargo aotcheck` (static, release), which leaves the
# measured binary and its analysis link (linked with --emit-relocs, what twiggy needs to see
# references in an ELF). Then times, RUNS=N rounds each (default 5; median wall time by
# hyperfine, median peak RSS from /usr/bin/time):
#   twiggy dominators on the analysis link;
#   aotcheck inspect --why CRATE on the analysis link (graph from its relocations);
#   aotcheck inspect on the measured binary (graph decoded from the code);
#   the plain inspect of BASE (default: the commit before src/graph/ existed), built in
#     target/bench-base, on the measured binary.
# Targets: no slower than twiggy; under 2x the plain inspect in time and peak memory.
# Last, a warm build (the binary's main source file touched; WARM_RUNS=N rounds, default 3)
# with and without the linker wrapper, each in its own target dir (the first build in each is
# cold and not timed): the analysis link should add under 20%.
# twiggy is installed with cargo into target/bench-twiggy when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
manifest=$(realpath "${1:-Cargo.toml}")
runs=${RUNS:-5}
warm_runs=${WARM_RUNS:-3}
why=${WHY:-regex_automata}

cargo build --release --locked --quiet
bin=$repo/target/release/cargo-aotcheck

twiggy=$(command -v twiggy || true)
if [ -z "$twiggy" ]; then
  [ -x target/bench-twiggy/bin/twiggy ] ||
    cargo install --quiet twiggy --root target/bench-twiggy
  twiggy=$repo/target/bench-twiggy/bin/twiggy
fi

base=${BASE:-$(git rev-list -1 "$(git log --diff-filter=A --format=%H -- src/graph/mod.rs | tail -1)^")}
if [ ! -x target/bench-base/release/cargo-aotcheck ] ||
   [ "$(cat target/bench-base/rev 2>/dev/null)" != "$base" ]; then
  rm -rf target/bench-base/src
  git worktree add --detach target/bench-base/src "$base" >/dev/null
  (cd target/bench-base/src && cargo build --release --locked --quiet \
    --target-dir "$repo/target/bench-base/target")
  cp target/bench-base/target/release/cargo-aotcheck target/bench-base/release-bin
  mkdir -p target/bench-base/release
  mv target/bench-base/release-bin target/bench-base/release/cargo-aotcheck
  git worktree remove --force target/bench-base/src
  echo "$base" > target/bench-base/rev
fi
plain=$repo/target/bench-base/release/cargo-aotcheck

report=$("$bin" aotcheck --manifest-path "$manifest" --no-probe --warn-only --format json -q)
measured=$(jq -r '.artifacts[0].path' <<<"$report")
build_id=$(jq -r '.artifacts[0].binary.build_id' <<<"$report")
graph_dir=$(dirname "$(dirname "$(dirname "$measured")")")/graph
analysis=$(ls "$graph_dir"/*."$build_id" | head -1)
cat "$measured" "$analysis" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Wall milliseconds and peak KiB of one command: "ms kib".
measure() {
  local out
  out=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>&1 || true
  awk '{printf "%.0f %d\n", $1 * 1000, $2}' "$out"
  rm -f "$out"
}
# Median wall ms (hyperfine, RUNS runs after a warmup) and median peak KiB (/usr/bin/time).
bench() {
  local ms=() r json
  for _ in $(seq "$runs"); do
    r=$(measure "$@"); ms+=("${r#* }")
  done
  json=$(mktemp)
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$json" -- "$(printf '%q ' "$@")" \
    >/dev/null 2>&1 || true
  echo "$(jq '.results[0].median * 1000 | round' "$json") $(printf '%s\n' "${ms[@]}" | median)"
  rm -f "$json"
}

tw=$(bench "$twiggy" dominators -r 20 "$analysis")
ours_rel=$(bench "$bin" inspect -q --format json --why "$why" "$analysis")
ours_dec=$(bench "$bin" inspect -q --format json "$measured")
ours_plain=$(bench "$plain" inspect -q --format json "$measured")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "binary:     $measured ($(( $(stat -c %s "$measured") / 1048576 )) MiB)"
echo "analysis:   $analysis"
echo "runs:       $runs each, median; wall ms / peak RSS KiB"
echo "twiggy dominators (analysis link):            ${tw% *} ms  ${tw#* } KiB"
echo "aotcheck inspect --why $why (analysis link): ${ours_rel% *} ms  ${ours_rel#* } KiB  ($(ratio "${ours_rel% *}" "${tw% *}")x twiggy)"
echo "aotcheck inspect, decoded graph (binary):     ${ours_dec% *} ms  ${ours_dec#* } KiB"
echo "plain inspect of $base (binary): ${ours_plain% *} ms  ${ours_plain#* } KiB"
echo "graph vs plain: time $(ratio "${ours_dec% *}" "${ours_plain% *}")x, memory $(ratio "${ours_dec#* }" "${ours_plain#* }")x (targets: under 2x)"

# The analysis link's cost on a warm build: touch the binary's source, rebuild, with and
# without the wrapper, each in its own target dir (the wrapper is in every unit's fingerprint).
triple=$(rustc -vV | sed -n 's/^host: //p')
src=$(jq -r '.packages[] | .targets[] | select(.kind[0] == "bin") | .src_path' \
  <<<"$(cargo metadata --manifest-path "$manifest" --no-deps --format-version 1)" | head -1)
wrapper=$(ls "$(dirname "$graph_dir")"/linker/*/cc | head -1)
var="CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$triple")_LINKER"
warm() {
  local dir=$1; shift
  env "$@" CARGO_ENCODED_RUSTFLAGS=-Ctarget-feature=+crt-static cargo build --release \
    --quiet --manifest-path "$manifest" --target "$triple" --target-dir "$dir"
  local ts=()
  for _ in $(seq "$warm_runs"); do
    touch "$src"
    local t=$(date +%s%N)
    env "$@" CARGO_ENCODED_RUSTFLAGS=-Ctarget-feature=+crt-static cargo build --release \
      --quiet --manifest-path "$manifest" --target "$triple" --target-dir "$dir"
    ts+=($(( ($(date +%s%N) - t) / 1000000 )))
  done
  printf '%s\n' "${ts[@]}" | median
}
with=$(warm "$repo/target/bench-warm-wrapped" "$var=$wrapper")
without=$(warm "$repo/target/bench-warm-plain" NOTHING=1)
echo "warm build (source touched): ${without} ms plain, ${with} ms with the analysis link ($(ratio "$with" "$without")x; target: under 1.20x)"
