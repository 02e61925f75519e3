//! Startup probe results. Owned by the probe stage (`src/probe/`).
//!
//! A figure that could not be obtained is `None` (JSON `null`), and `unknown` says why, keyed by
//! the field's path (e.g. `"memory_kib.pss"`). Nothing is ever reported as 0 for "unknown".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Probe {
    /// The readiness condition, e.g. `exit`, `exit:1`, `tcp`, `line:^listening`,
    /// `http/health#204`.
    pub ready: String,
    /// The arguments the program was given (`{port}` as written): a baseline probed with
    /// others is said to be (QA cy F1). Absent from reports of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// The names of the variables the probe set; their values are not kept (they may be
    /// secrets), only a SHA-256 of the `KEY=VALUE` lines, which tells a change of value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_sha256: Option<String>,
    /// Counted runs that reached ready.
    pub runs: u32,
    /// Runs (warmup or counted) that did not reach ready; details in `failed_runs`.
    pub failures: u32,
    /// Counted runs asked for (`--runs`) and warmup runs (`--warmup`).
    pub requested_runs: u32,
    pub warmup: u32,
    /// Per-run limit from spawn to ready, and the SIGTERM → SIGKILL grace period.
    pub timeout_ms: f64,
    pub grace_ms: f64,
    /// Time from just before spawn until ready, over the counted runs that reached ready.
    pub startup_ms: Option<Stats>,
    /// Memory at ready, medians over the counted runs, summed over the process tree.
    pub memory_kib: Memory,
    /// Counted runs whose memory could be read (in `exit` mode, a program that exits before the
    /// tracer attaches has none: short programs on a busy machine, see `unknown`).
    pub memory_runs: u32,
    /// Median time of the floor program (see `spawn_floor_program`), timed the same way.
    pub spawn_floor_ms: Option<f64>,
    /// What the floor program is, so the floor can be judged.
    pub spawn_floor_program: Option<String>,
    /// Time from SIGTERM until the program and every process it started had exited, over the
    /// runs where they all did so within the grace.
    pub shutdown_ms: Option<Stats>,
    /// Runs where the program or a process it started was still running after the grace
    /// period and got SIGKILL.
    pub killed_after_grace: u32,
    /// Processes that signalling the program's process group would have missed, found and
    /// killed by the probe, over all runs: started in another group or session (e.g. with
    /// `setsid`), or still running after the program itself had exited.
    pub leftover_processes_killed: u32,
    /// Why probing stopped before all runs were made.
    pub gave_up: Option<String>,
    pub failed_runs: Vec<FailedRun>,
    /// Dispersion or machine load that make the figures less trustworthy.
    pub warnings: Vec<String>,
    /// Why a `null` figure is null, keyed by its path.
    pub unknown: BTreeMap<String, String>,
    /// Every run that reached ready, warmup included: raw figures for those who recompute.
    pub samples: Vec<Sample>,
}

/// Summary statistics of one series, in the series' unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub count: u32,
    pub min: f64,
    pub median: f64,
    pub mean: f64,
    /// Sample standard deviation; `None` with fewer than two values.
    pub stddev: Option<f64>,
    /// 90th percentile (linear interpolation between closest ranks).
    pub p90: f64,
    pub max: f64,
    /// Median absolute deviation from the median (raw, not scaled).
    pub mad: f64,
    /// Values above median + 3 × 1.4826 × MAD (a robust 3-sigma), in run order.
    pub outliers: Vec<f64>,
}

/// KiB, summed over the process tree at the ready moment (at the exit stop in `exit` mode).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Memory {
    /// `Rss` of `smaps_rollup` (pages walked, as for `pss`), or `VmRSS` where that file is not
    /// readable.
    pub rss: Option<u64>,
    /// `VmHWM`: peak resident size so far (at least `rss`).
    pub hwm: Option<u64>,
    /// `RssAnon`: heap, stacks, private dirty pages.
    pub anon: Option<u64>,
    /// `RssFile`: mapped file pages (the binary, shared libraries).
    pub file: Option<u64>,
    /// `Pss` from `smaps_rollup`: shared pages divided among the processes sharing them.
    pub pss: Option<u64>,
}

impl Memory {
    /// Each figure reduced over the memories that have it: summed over a process tree, say,
    /// or the median over runs. `reduce` gets the figures present and may answer `None`.
    pub fn combine(items: &[Memory], reduce: impl Fn(&[u64]) -> Option<u64>) -> Memory {
        let field = |f: fn(&Memory) -> Option<u64>| {
            let v: Vec<u64> = items.iter().filter_map(f).collect();
            reduce(&v)
        };
        Memory {
            rss: field(|m| m.rss),
            hwm: field(|m| m.hwm),
            anon: field(|m| m.anon),
            file: field(|m| m.file),
            pss: field(|m| m.pss),
        }
    }
}

impl Probe {
    /// The probe timed runs to their exit (`exit`, `exit:1`, `exit:any`).
    pub fn exit_mode(&self) -> bool {
        self.ready == "exit" || self.ready.starts_with("exit:")
    }

    /// The statuses the counted runs exited with (`exit` readiness), in run order.
    pub fn exit_codes(&self) -> impl Iterator<Item = i32> + '_ {
        self.samples
            .iter()
            .filter(|s| !s.warmup)
            .filter_map(|s| s.exit_code)
    }

    /// `RSS at ready`, or `RSS at exit` where the memory was read as the program exits
    /// (`--ready exit`); as the gate and the renderers name the figure.
    pub fn rss_words(probe: Option<&Probe>) -> &'static str {
        match probe {
            Some(p) if p.exit_mode() => "RSS at exit",
            _ => "RSS at ready",
        }
    }

    /// The runs made, warmup and counted, ready or failed: what "N of M runs failed" counts
    /// (QA ap F3: the terminal's "3 of 21" added the ready counted runs to every failure, the
    /// warning's "3 of 23" counted them all).
    pub fn made(&self) -> usize {
        self.samples.len() + self.failed_runs.len()
    }

    /// The failed runs, warmup ones too, that the program crashed in ([`FailedRun::crashed`]).
    pub fn crashes(&self) -> Vec<&FailedRun> {
        self.failed_runs.iter().filter(|f| f.crashed()).collect()
    }
}

/// The signals a program that crashed dies of; not those that stop it from outside
/// (`SIGKILL` of a timeout or the OOM killer, `SIGTERM`, `SIGINT`).
pub const CRASH_SIGNALS: [&str; 6] = ["SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT", "SIGSYS"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedRun {
    /// 1-based across warmup and counted runs.
    pub run: u32,
    pub warmup: bool,
    /// `timeout`, `exited-before-ready`, `killed-by-signal`, `spawn-failed`, `probe-error`.
    pub kind: String,
    pub message: String,
    pub exit_code: Option<i32>,
    /// e.g. `SIGSEGV`.
    pub signal: Option<String>,
    pub core_dumped: bool,
    /// The last lines the program wrote (at most a few KiB each).
    pub stderr_tail: String,
    pub stdout_tail: String,
}

impl FailedRun {
    /// The program crashed: killed by one of [`CRASH_SIGNALS`].
    pub fn crashed(&self) -> bool {
        self.signal
            .as_deref()
            .is_some_and(|s| CRASH_SIGNALS.contains(&s))
    }

    /// The last `n` lines of stderr that are not blank, trimmed, in order, a backtrace left
    /// out (see [`telling_lines`]): the line before the last one often says what failed
    /// (`Failed to resolve path`, then `caused by: ...`).
    pub fn stderr_last(&self, n: usize) -> Vec<&str> {
        telling_lines(&self.stderr_tail, n)
    }
}

/// How a help text is summed up when its usage line is not in the tail kept.
pub const HELP_TEXT: &str = "(its help text, whose usage line is cut off: the arguments do not \
                             suit it)";

/// Whether `line` (trimmed) is a help text's line for `--help` (clap's `-h, --help`).
pub fn is_help_line(line: &str) -> bool {
    line.starts_with("-h, --help")
}

/// The last `n` non-empty lines of a program's stderr that say what went wrong: a backtrace
/// (from Rust's `stack backtrace:` or anyhow's `Stack backtrace:` on, its frames, and the
/// notes about `RUST_BACKTRACE`) is left out (QA s: miniserve's error was summed up as
/// `"5: <unknown>"`, its backtrace's last frame). So is the usage that an argument parser
/// prints after its error (clap's `Usage: …`, `tip: …`, "For more information, try
/// '--help'."; QA af: tealdeer's "unexpected argument '-P'" was summed up as that last line).
/// A whole help text with no error before its usage (a program run without the subcommand it
/// wants prints its `--help` and exits 2) is summed up by its usage line, which says what the
/// program wants (QA ah, F9: zoxide's was summed up as its help's last line, an environment
/// variable). Only a backtrace: its last lines.
pub fn telling_lines(stderr: &str, n: usize) -> Vec<&str> {
    let is_frame = |l: &str| {
        l.starts_with("at ")
            || l.split_once(": ")
                .is_some_and(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
            || l.starts_with("note: run with `RUST_BACKTRACE")
            || l.starts_with("note: Some details are omitted")
            || l.starts_with("Usage: ")
            || l.starts_with("tip: ")
            || l.starts_with("For more information, try ")
    };
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let usage = lines
        .iter()
        .position(|l| l.get(..6).is_some_and(|u| u.eq_ignore_ascii_case("usage:")));
    if let Some(u) = usage {
        // clap's `error: …` before its usage, argparse's `prog: error: …` after it.
        let error = lines.iter().any(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("error") || l.contains(": error")
        });
        // clap 2's `USAGE:` heads the line after it.
        let line = match lines[u].len() {
            6 => lines.get(u + 1).copied(),
            _ => Some(lines[u]),
        };
        if !error
            && lines.len() > u + 2
            && let Some(line) = line
        {
            return vec![line];
        }
        // clap's error and the lines it lists (`<FIND>`, `<REPLACE_WITH>`) before its usage:
        // from the error on (QA ak, F3: sd's was summed up as `<REPLACE_WITH>`).
        let is_error = |l: &&str| l.get(..6).is_some_and(|e| e.eq_ignore_ascii_case("error:"));
        if let Some(e) = lines[..u].iter().rposition(is_error) {
            return lines[e..u]
                .iter()
                .copied()
                .filter(|l| !is_frame(l))
                .take(n)
                .collect();
        }
    }
    // A help text whose head, with its usage, the tail has lost (QA cl F2: oha's was summed
    // up as its last line, "Print version").
    if usage.is_none() && lines.iter().any(|l| is_help_line(l)) {
        return vec![HELP_TEXT];
    }
    let before = lines
        .iter()
        .position(|l| l.eq_ignore_ascii_case("stack backtrace:"))
        .unwrap_or(lines.len());
    let told: Vec<&str> = lines[..before]
        .iter()
        .copied()
        .filter(|l| !is_frame(l))
        .collect();
    // anyhow's `Error: …` and its `Caused by:` chain: from the error on, the error first
    // (QA bl F4: onefetch's "Could not find a git repository" was summed up as its cause's
    // last line, `NotFound`).
    let caused = told.iter().position(|l| *l == "Caused by:");
    if let Some(c) = caused
        && let Some(e) = told[..c].iter().rposition(|l| l.starts_with("Error: "))
    {
        return told[e..].iter().copied().take(n).collect();
    }
    let from = if told.is_empty() { &lines } else { &told };
    from[from.len().saturating_sub(n)..].to_vec()
}

/// Lines of a failed run's stderr that a report of an image that does not start shows.
pub const STDERR_LINES: usize = 3;

/// One run that reached ready.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sample {
    pub run: u32,
    pub warmup: bool,
    /// `CLOCK_MONOTONIC` just before spawn, in ns: compare with timestamps the program prints.
    pub spawned_at_ns: Option<u64>,
    pub startup_ms: f64,
    pub shutdown_ms: Option<f64>,
    pub memory_kib: Memory,
    /// Processes in the tree when memory was read.
    pub processes: u32,
    /// `exit` readiness: the status the program exited with, one the readiness accepts (QA bw
    /// F4: under `exit:any`, a run that timed a usage error looked like any other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The share of this run's startup that the program's main thread was runnable and no CPU
    /// ran it (its run-queue delay, `/proc/PID/schedstat`), 0..1: what another load on the
    /// machine adds. `exit` mode: read in the traced run made right after the timed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_wait_share: Option<f64>,
}

/// The static build beside the regular one (`--compare`), one per binary target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    pub package: Option<String>,
    pub name: String,
    /// Paths of the two artifacts compared.
    pub static_path: String,
    pub regular_path: String,
    pub metrics: Vec<ComparedMetric>,
    /// Highest `GLIBC_2.x` required; `None`: no versioned glibc imports (static).
    pub static_glibc_floor: Option<String>,
    pub regular_glibc_floor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ComparedMetric {
    /// `startup_median`, `startup_p90`, `rss_at_ready`, `pss_at_ready`, `shutdown_median`
    /// (where a build was stopped), `file_size`, `stripped_size`, `closure_size`.
    pub metric: String,
    /// `ms`, `KiB` or `B`.
    pub unit: String,
    /// Whole numbers (bytes) as JSON integers, as every other size (QA dj F11: `4624928.0`).
    #[serde(rename = "static", serialize_with = "super::gate::whole")]
    pub static_value: Option<f64>,
    #[serde(serialize_with = "super::gate::whole")]
    pub regular: Option<f64>,
    /// static / regular; `None` when either is unknown or the regular one is 0.
    pub ratio: Option<f64>,
    /// For `startup_median`: the ratio's 95% interval (bootstrap over both builds' counted
    /// runs), `[low, high]`; absent with too few runs. One that holds 1 does not tell the two
    /// builds apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio_interval: Option<[f64; 2]>,
}

impl ComparedMetric {
    /// A figure of both builds, with its ratio (see [`ComparedMetric::ratio`]).
    pub fn new(name: &str, unit: &str, s: Option<f64>, r: Option<f64>) -> Self {
        ComparedMetric {
            metric: name.into(),
            unit: unit.into(),
            static_value: s,
            regular: r,
            ratio: match (s, r) {
                (Some(s), Some(r)) if r > 0.0 => Some(s / r),
                _ => None,
            },
            ratio_interval: None,
        }
    }

    /// `1.31×`, with its interval where it has one (`1.31× [0.95–1.60]`); `none` without a
    /// ratio.
    pub fn ratio_text(&self, none: &str) -> String {
        match (self.ratio, self.ratio_interval) {
            (Some(r), Some([lo, hi])) => format!("{r:.2}× [{lo:.2}–{hi:.2}]"),
            (Some(r), None) => format!("{r:.2}×"),
            (None, _) => none.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::telling_lines;

    /// What a Rust program writes under `RUST_BACKTRACE=1` (a panic, then anyhow's `Error:`
    /// with its backtrace, as miniserve printed), and a tail cut inside a backtrace.
    #[test]
    fn a_backtrace_is_not_what_went_wrong() {
        let panic = "\nthread 'main' (585) panicked at p.rs:1:71:\nboom: 0\nstack backtrace:\n   \
                     0: __rustc::rust_begin_unwind\n             at /rustc/x/library/std/src/\
                     panicking.rs:689:5\n   2: p::main\nnote: Some details are omitted, run \
                     with `RUST_BACKTRACE=full` for a verbose backtrace.\n";
        assert_eq!(telling_lines(panic, 1), ["boom: 0"]);
        assert_eq!(
            telling_lines(panic, 2),
            ["thread 'main' (585) panicked at p.rs:1:71:", "boom: 0"]
        );
        let anyhow = "Error: Refusing to start as no explicit serve path was set\n\nStack \
                      backtrace:\n   0: anyhow::error::<impl anyhow::Error>::msg\n   5: \
                      <unknown>\n";
        assert_eq!(
            telling_lines(anyhow, 1),
            ["Error: Refusing to start as no explicit serve path was set"]
        );
        // anyhow's chain of causes: the error, then its causes (QA bl F4).
        let chain = "Error: Could not find a git repository in \".\" or in any of its \
                     parents\n\nCaused by:\n    NotFound\n\nStack backtrace:\n   0: \
                     anyhow::error\n";
        assert_eq!(
            telling_lines(chain, 1),
            ["Error: Could not find a git repository in \".\" or in any of its parents"]
        );
        assert_eq!(telling_lines(chain, 3)[1..], ["Caused by:", "NotFound"]);
        // Only frames (the tail began inside the backtrace): the last lines, as they are.
        let cut = "   4: std::rt::lang_start\n   5: <unknown>\n";
        assert_eq!(telling_lines(cut, 1), ["5: <unknown>"]);
        // No backtrace: the last lines, blank ones left out.
        let plain = "warning: x\ncannot listen on 127.0.0.1:80: denied\n\n";
        assert_eq!(
            telling_lines(plain, 3),
            ["warning: x", "cannot listen on 127.0.0.1:80: denied"]
        );
        assert!(telling_lines("", 1).is_empty());
        // clap's error, then its usage (QA af: tealdeer given oxipng's `-P`).
        let clap = "error: unexpected argument '-P' found\n\n  tip: to pass '-P' as a value, \
                    use '-- -P'\n\nUsage: tldr [OPTIONS] [COMMAND]...\n\nFor more \
                    information, try '--help'.\n";
        assert_eq!(
            telling_lines(clap, 1),
            ["error: unexpected argument '-P' found"]
        );
        // clap's list of what is missing: from its error on (QA ak, F3: sd run bare was
        // summed up as `<REPLACE_WITH>`, the third of seven lines).
        let missing = "error: the following required arguments were not provided:\n  <FIND>\n  \
                       <REPLACE_WITH>\n\nUsage: sd <FIND> <REPLACE_WITH> [INPUT]...\n\nFor \
                       more information, try '--help'.\n";
        assert_eq!(
            telling_lines(missing, 1),
            ["error: the following required arguments were not provided:"]
        );
        assert_eq!(
            telling_lines(missing, 3),
            [
                "error: the following required arguments were not provided:",
                "<FIND>",
                "<REPLACE_WITH>"
            ]
        );
        assert_eq!(
            telling_lines(clap, 3),
            ["error: unexpected argument '-P' found"]
        );
        // A whole help text, no error: its usage line (QA ah, F9: zoxide run bare).
        let help = "A smarter cd command for your terminal\n\nUsage: zoxide <COMMAND>\n\n\
                    Commands:\n  add     Add a new directory\n\nEnvironment variables:\n  \
                    _ZO_RESOLVE_SYMLINKS  Resolve symlinks when storing paths\n";
        assert_eq!(telling_lines(help, 1), ["Usage: zoxide <COMMAND>"]);
        let argparse = "usage: prog [-h]\n            [--x X]\nprog: error: the following \
                        arguments are required: foo\n";
        assert_eq!(
            telling_lines(argparse, 1),
            ["prog: error: the following arguments are required: foo"]
        );
        let clap2 = "prog 1.0\n\nUSAGE:\n    prog [FLAGS] <FILE>\n\nFLAGS:\n    -h, --help\n";
        assert_eq!(telling_lines(clap2, 2), ["prog [FLAGS] <FILE>"]);
        // QA cl F2: the tail of a help text whose usage line was cut off (oha run bare).
        let tail = "      --debug  Enable debug output
  -h, --help  Print help
  -V, \
                    --version  Print version
";
        assert_eq!(telling_lines(tail, 1), [super::HELP_TEXT]);
    }
}

/// The machine over the probe's window, in figures (QA ch F6: a CI job that would retry on a
/// busy runner could read it only from a warning's prose).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeMachine {
    /// The machine's CPUs (`/proc/stat`'s `cpuN` lines).
    pub cpus: usize,
    /// How many CPUs other processes kept busy on average over the window (`/proc/stat`'s busy
    /// time less this process's and the probed programs'); `None` where `/proc/stat` cannot be
    /// read.
    pub other_cpus: Option<f64>,
    /// The window's length, seconds: from before the first probed run to after the last, and
    /// 0.2 at least (a shorter probe waits that long after its last run, QA dd F4).
    pub window_s: f64,
    /// The highest 1-minute load average read before and after each group of runs.
    pub load_average: f64,
    /// Whether the run's warning that the machine was busy was given.
    pub busy: bool,
}
