#!/usr/bin/env bash
# Benchmark of the probe's shutdown figure (not a test): SIGTERM → the program gone, ours
# against an independent loop (python3: kill, then a blocking waitpid) on the same binary, in
# the same run. The program is a TCP server that SIGTERM's default action ends (the kernel's
# teardown alone). The loop runs twice: with the program on the loop's own stdout/stderr, and
# with both on pipes drained by two threads, as the probe has them. Installs nothing; needs
# python3 and a Rust toolchain.
#
#   benches/shutdown.sh [RUNS]                       (default 30 runs per series)
#   AOTCHECK=path/to/cargo-aotcheck benches/shutdown.sh   (another build, e.g. a former one)
#   LOAD=1 benches/shutdown.sh                       (both under two busy loops, at nice 19:
#                                                     the machine a QA session had)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
tool=${AOTCHECK:-target/release/cargo-aotcheck}
[ -x "$tool" ] || cargo build --release -q
tool=$(realpath "$tool")
dir=$(mktemp -d)
trap 'rm -rf "$dir"; [ -z "${hogs:-}" ] || kill $hogs 2>/dev/null || true' EXIT
mkdir -p "$dir/sd/src" "$dir/bin"
ln -s "$tool" "$dir/bin/cargo-aotcheck"
cat > "$dir/sd/Cargo.toml" <<'TOML'
[package]
name = "sdtest"
version = "0.1.0"
edition = "2021"
[workspace]
TOML
cat > "$dir/sd/src/main.rs" <<'RS'
fn main() {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let l = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
    for c in l.incoming() {
        drop(c);
    }
}
RS
cat > "$dir/indep.py" <<'PY'
import os, socket, statistics, subprocess, sys, threading, time, signal
binary, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = []
for i in range(n):
    port = 20000 + i
    # "pipes": stdout and stderr on pipes drained by two threads, as the probe has them (the
    # program's exit closes them and wakes the readers); "inherit": the loop's own terminal.
    kw = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE) if mode == "pipes" else {}
    p = subprocess.Popen([binary], env={"PORT": str(port)}, **kw)
    readers = [threading.Thread(target=f.read) for f in (p.stdout, p.stderr) if f]
    for r in readers:
        r.start()
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.0005)
    t0 = time.perf_counter_ns()
    os.kill(p.pid, signal.SIGTERM)
    os.waitpid(p.pid, 0)
    out.append((time.perf_counter_ns() - t0) / 1e6)
    for r in readers:
        r.join()
print("%.4f" % statistics.median(out))
PY
export PATH="$dir/bin:$PATH"
(cd "$dir/sd" && cargo aotcheck --ready tcp --runs 3 --warn-only -q --format json -o "$dir/warm.json" >/dev/null)
binary="$dir/sd/target/aotcheck/static/x86_64-unknown-linux-gnu/release/sdtest"
nice=()
if [ -n "${LOAD:-}" ]; then
  hogs=""
  for _ in 1 2; do sh -c 'while :; do :; done' & hogs="$hogs $!"; done
  nice=(nice -n 19)
fi
(cd "$dir/sd" && "${nice[@]}" cargo aotcheck --ready tcp --runs "$runs" --warn-only -q --format json \
  -o "$dir/ours.json" >/dev/null)
ours=$(python3 -c "
import json, statistics, sys
p = json.load(open(sys.argv[1]))['artifacts'][0]['probe']
s = [x['shutdown_ms'] for x in p['samples'] if not x['warmup'] and x['shutdown_ms'] is not None]
print('%.4f' % statistics.median(s))" "$dir/ours.json")
theirs=$("${nice[@]}" python3 "$dir/indep.py" "$binary" "$runs" inherit)
piped=$("${nice[@]}" python3 "$dir/indep.py" "$binary" "$runs" pipes)
python3 -c "
import sys
ours, theirs, piped = (float(x) for x in sys.argv[1:4])
print(f'shutdown median over {sys.argv[4]} runs: ours {ours:.3f} ms; kill+waitpid loop {theirs:.3f} ms '
      f'({ours / theirs:.2f}x), the same loop with piped stdout/stderr {piped:.3f} ms ({ours / piped:.2f}x)')
" "$ours" "$theirs" "$piped" "$runs"
