"""Where one timed run of a program goes, from kernel tracepoints (`perf script` output of
benches/probe.sh part 3). Per run, medians in microseconds of:

  launch  hyperfine: from its clone3 (posix_spawn) to the child's execve;
          ours: from the go byte written to the gate to the gate's execve
  execve  from execve's entry to the new program's first moment (sched_process_exec)
  run     from there to the program's exit (sched_process_exit)
  reap    from its exit to the parent's wait4 returning

usage: phases.py TRACE hyperfine|ours PROGRAM_COMM
"""
import re
import statistics
import sys

path, who, prog = sys.argv[1:4]
line_re = re.compile(r"\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)")
runs, cur = [], None
for line in open(path):
    m = line_re.match(line)
    if not m:
        continue
    comm, pid, tid, t, event, args = m[1], int(m[2]), int(m[3]), float(m[4]) * 1e6, m[5], m[6]
    event = event.split(":")[-1]
    parent = comm == "hyperfine" if who == "hyperfine" else comm.startswith("cargo-aotcheck")
    if who == "hyperfine" and event == "sys_enter_clone3" and parent and pid == tid:
        cur = {"start": t}
    elif who == "ours" and event == "sys_enter_write" and parent and "count: 0x00000001" in args:
        cur = {"start": t}
    elif cur is None:
        continue
    elif event == "sys_enter_execve" and "execve" not in cur:
        cur["execve"] = t
    elif event == "sched_process_exec" and comm == prog:
        cur["exec"] = t
    elif event == "sched_process_exit" and comm == prog:
        cur["exit"] = t
    elif event == "sys_exit_wait4" and parent and "exit" in cur:
        cur["end"] = t
        if "execve" in cur and "exec" in cur:
            runs.append(cur)
        cur = None
if not runs:
    print(f"{who:<10} no complete run in the trace")
    sys.exit(0)


def med(a, b):
    return statistics.median(r[b] - r[a] for r in runs)


print(f"{who:<10} {med('start', 'execve'):7.1f} {med('execve', 'exec'):7.1f} "
      f"{med('exec', 'exit'):7.1f} {med('exit', 'end'):7.1f} {med('start', 'end'):7.1f}"
      f"   ({len(runs)} runs)")
