#!/usr/bin/env bash
# Benchmark (not a test): writing the OCI image of a large binary (`--image`) against
# `tar --sort=name -c ... | gzip -6` of the same files, in the same run. Target (issue 14): at
# most 1.5x tar | gzip.
#
#   benches/image.sh [MANIFEST]   (default: this repository's Cargo.toml: the tool's own binary)
#
# The project is built statically once (into target/bench-image, or BUILD_DIR; kept). Each round
# runs `cargo aotcheck --image --no-probe -v` (which says how long writing the layout and its tar
# took: `Wrote ... in N ms`) and then tar | gzip -6 of the same files (the image's layer,
# unpacked), into a file in the same folder. RUNS=N sets the rounds (default 5); medians are
# printed, then the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

manifest=${1:-Cargo.toml}
runs=${RUNS:-5}
cargo build --release --locked --quiet
bin=$PWD/target/release/cargo-aotcheck
work=$PWD/target/bench-image
out=$work/images
mkdir -p "$work"

image() {
  # Exit code 1 (a finding or check failed) still wrote the image: only 2 is a failure here.
  local code=0
  "$bin" aotcheck --manifest-path "$manifest" --target-dir "${BUILD_DIR:-$work/build}" --no-probe --locked \
    --image "$out" -v --format json 2>"$work/stderr" >"$work/report.json" || code=$?
  [ "$code" -le 1 ] || { tail -5 "$work/stderr" >&2; exit 1; }
  grep -m1 -o 'layer of .* in [0-9.]* ms' "$work/stderr" | awk '{print $(NF-1) * 1e6}'
}

echo "building $manifest statically (first run only) ..."
image >/dev/null
layout=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["artifacts"][0]["image"]["layout"])' "$work/report.json")
blob=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["artifacts"][0]["image"]["layer_digest"]; print(d.split(":")[1])' "$work/report.json")
root=$work/rootfs
rm -rf "$root" && mkdir -p "$root"
tar -xzf "$layout/blobs/sha256/$blob" -C "$root"
bytes=$(du -sb "$root" | cut -f1)

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.0f ms", ns / 1e6}'; }

ours=(); theirs=()
for _ in $(seq "$runs"); do
  ours+=("$(image)")
  t=$(now)
  tar --sort=name -c -C "$root" . | gzip -6 >"$work/plain.tar.gz"
  theirs+=($(( $(now) - t )))
done
our_med=$(printf '%s\n' "${ours[@]}" | median)
their_med=$(printf '%s\n' "${theirs[@]}" | median)

echo "files:      $(find "$root" -type f | wc -l) files, $((bytes / 1048576)) MiB unpacked (layer of $layout)"
echo "cores:      $(nproc)"
echo "runs:       $runs each, median"
echo "tar --sort=name -c | gzip -6:   $(ms "$their_med")"
echo "cargo aotcheck --image (write): $(ms "$our_med")  ($(awk -v a="$our_med" -v b="$their_med" 'BEGIN {printf "%.2f", a / b}')x tar | gzip -6)"
echo "target:     at most 1.50x tar | gzip -6"
