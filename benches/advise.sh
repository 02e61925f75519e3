#!/usr/bin/env bash
# Benchmark of `cargo aotcheck advise` (not a test): its total time against the sum of plain
# `cargo build` times of the same variants, measured in the same run, each plain build cold in a
# target dir of its own (what trying the knobs by hand costs). Also checks that every variant
# advise kept is byte for byte the binary of the plain build with the same settings.
#
#   benches/advise.sh [MANIFEST] [KNOBS]
#
# Defaults: this tool's own Cargo.toml, and the knobs
# strip=symbols,relocation-model=static,debug=0,panic=abort,opt-level=z (two on the final link
# only, three full rebuilds; the combined variant of the savers comes on top). Needs python3.
# Goal (issue 16): advise / sum(plain) <= 1.10.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=$(realpath "${1:-Cargo.toml}")
knobs=${2:-strip=symbols,relocation-model=static,debug=0,panic=abort,opt-level=z}
host=$(rustc -vV | sed -n 's/^host: //p')
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --locked -q
aot="$PWD/target/release/cargo-aotcheck"

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
echo "project: $manifest"
echo "knobs:   $knobs"
echo

now() { date +%s.%N; }

# --- advise, cold ----------------------------------------------------------------------------
# The probe starts each variant with --version (a bare run of a cargo subcommand would build).
t0=$(now)
"$aot" aotcheck advise --manifest-path "$manifest" --target-dir "$work/advise" --locked -q \
  --knobs "$knobs" --probe-arg --version --format json > "$work/advice.json"
t1=$(now)
advise_s=$(python3 -c "print($t1 - $t0)")

# --- the same variants by hand: one cold plain build each --------------------------------------
# Lines: id, the --config settings (space separated, `-` for none), extra rustflags, kept copy.
python3 - "$work/advice.json" > "$work/variants" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["advice"]
profile = a["profile"]
b = a["binaries"][0]
def line(v, configs, flags):
    print(v["id"], "|", " ".join(configs) or "-", "|", " ".join(flags) or "-", "|",
          v.get("path", "-"), "|", v.get("build_seconds", 0))
key_value = lambda ident: ident.split("=", 1)
def settings(ids):
    configs, flags = [], []
    for ident in ids:
        k, v = key_value(ident)
        if k == "relocation-model":
            flags += ["-C", f"relocation-model={v}"]
        else:
            v = v if v.isdigit() else f'"{v}"'
            configs.append(f"profile.{profile}.{k}={v}")
    return configs, flags
line(b["base"], [], [])
for v in b["variants"]:
    if v["status"] == "measured":
        line(v, *settings([v["id"]]))
if b.get("combined"):
    line(b["combined"], *settings(a["combined_knobs"]))
PY

printf '%-26s %12s %12s %10s\n' variant plain_s advise_s same_bytes
sum=0
while IFS='|' read -r id configs flags kept advise_build; do
  trim() { sed 's/^ *//; s/ *$//' <<<"$1"; }
  id=$(trim "$id"); configs=$(trim "$configs"); flags=$(trim "$flags"); kept=$(trim "$kept")
  args=(build --locked -q --profile release --target "$host" --bins
        --manifest-path "$manifest" --target-dir "$work/plain-$id")
  if [ "$configs" != "-" ]; then
    for c in $configs; do args+=(--config "$c"); done
  fi
  rustflags="-C target-feature=+crt-static"
  [ "$flags" != "-" ] && rustflags="$rustflags $flags"
  t0=$(now)
  RUSTFLAGS="$rustflags" cargo "${args[@]}"
  t1=$(now)
  s=$(python3 -c "print(round($t1 - $t0, 1))")
  sum=$(python3 -c "print($sum + $s)")
  bin="$work/plain-$id/$host/release/$(basename "$kept")"
  same=no
  cmp -s "$bin" "$kept" && same=yes
  printf '%-26s %12s %12.1f %10s\n' "$id" "$s" "$advise_build" "$same"
  rm -rf "$work/plain-$id"
done < "$work/variants"

echo
printf 'advise total (builds, copies, probe): %8.1f s\n' "$advise_s"
printf 'sum of plain builds:                  %8.1f s\n' "$sum"
python3 -c "r = $advise_s / $sum; print(f'ratio advise / plain: {r:.2f} (goal <= 1.10)')"
