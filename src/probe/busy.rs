//! The warning that the machine was busy while the probe ran: its timings are inflated and
//! noisy. Read by the gate (a baseline's own is carried over) and by the renderers.

use crate::report::{ProbeMachine, Report};

/// The shortest window over which other processes' CPU time is read, seconds.
const SHORTEST: f64 = 0.2;
/// How the warning of a busy machine begins (see [`busy`]); a baseline's from before reads
/// `the machine was busy (load average ...`, which this begins too.
const BUSY: &str = "the machine was busy (";
/// How the baseline's warning of one begins, carried into this run's ([`baseline_busy`]).
const BASELINE: &str = "in the baseline's run (";

/// The CPU time of the machine over the probe's window, and ours: what other processes used
/// is the difference. The load average lags a minute behind a build that starts during the
/// probe (QA cc F1) and counts the tool's own build that just ended (QA cg F2); a program's
/// own wait for a CPU counts its own threads too (QA cg F1: miniserve's main thread waited
/// 22-27% of runs no slower than quiet ones). Other processes' CPU time is neither.
pub(super) struct Window {
    started: std::time::Instant,
    machine: Option<Stat>,
    ours: f64,
}

impl Window {
    pub fn open() -> Window {
        Window {
            started: std::time::Instant::now(),
            machine: proc_stat(),
            ours: our_seconds(),
        }
    }

    /// How many CPUs other processes kept busy on average since [`Window::open`] (`Unknown`
    /// where `/proc/stat` cannot be read), with the window's length, seconds. A window under
    /// [`SHORTEST`] is first stretched to it by waiting: `/proc/stat` counts in 10 ms ticks, a
    /// few of which are a tenth of a CPU in a shorter one, and a probe of a few short runs
    /// could not tell a busy machine from a quiet one (QA dd F4: it said neither).
    pub fn others(&self) -> (Others, f64) {
        let mut wall = self.started.elapsed().as_secs_f64();
        if self.machine.is_some() && wall < SHORTEST {
            std::thread::sleep(std::time::Duration::from_secs_f64(SHORTEST - wall));
            wall = self.started.elapsed().as_secs_f64();
        }
        let (Some(now), Some(then)) = (proc_stat(), self.machine) else {
            return (Others::Unknown, wall);
        };
        let ours = our_seconds() - self.ours;
        (
            Others::Cpus(((now.busy - then.busy - ours) / wall).max(0.0)),
            wall,
        )
    }

    /// The machine's CPUs, as `/proc/stat` and the load average count them: not the ones this
    /// process may run on (`taskset` gave "1.5 of its 1 CPUs").
    fn cpus(&self) -> usize {
        self.machine
            .map(|m| m.cpus)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// What other processes' CPU time over the window was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Others {
    /// How many CPUs they kept busy on average.
    Cpus(f64),
    /// `/proc/stat` cannot be read: the load average decides.
    Unknown,
}

/// `/proc/stat` read once: the CPU seconds every CPU spent busy since boot (its first line:
/// user, nice, system, irq, softirq and steal; not idle or iowait), and the online CPUs (its
/// `cpuN` lines).
#[derive(Debug, Clone, Copy)]
struct Stat {
    busy: f64,
    cpus: usize,
}

fn proc_stat() -> Option<Stat> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .map(|&i| v.get(i).copied().unwrap_or(0))
        .sum::<u64>();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok()??;
    let cpus = text
        .lines()
        .filter(|l| {
            l.strip_prefix("cpu")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    (cpus > 0).then_some(Stat {
        busy: busy as f64 / hz as f64,
        cpus,
    })
}

/// The CPU seconds of this process and of its children it reaped (the probed programs).
fn our_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    let secs = |who| {
        getrusage(who).map_or(0.0, |u| {
            let t = |v: nix::sys::time::TimeVal| v.tv_sec() as f64 + v.tv_usec() as f64 / 1e6;
            t(u.user_time()) + t(u.system_time())
        })
    };
    secs(UsageWho::RUSAGE_SELF) + secs(UsageWho::RUSAGE_CHILDREN)
}

/// A warning when other processes kept more than all but 1.5 of the CPUs busy on average
/// while the probe ran (over `window`; the program and the prober want one and a half), or,
/// where that is not known, when the load average (`load_seen`, or now) exceeded the CPU
/// count; once a run (see `probe_report`).
pub(super) fn busy_warning(report: &mut Report, load_seen: f64, window: &Window) {
    let load = load_seen.max(load_average());
    let cpus = window.cpus();
    // To a hundredth of a CPU, the figure the JSON gives and the warning words.
    let (others, wall) = window.others();
    let others = match others {
        Others::Cpus(o) => Others::Cpus((o * 100.0).round() / 100.0),
        unknown => unknown,
    };
    let said = warning(others, load, cpus as f64);
    report.probe_machine = Some(ProbeMachine {
        cpus,
        other_cpus: match others {
            Others::Cpus(o) => Some(o),
            Others::Unknown => None,
        },
        window_s: (wall * 1000.0).round() / 1000.0,
        load_average: load,
        busy: said.is_some(),
    });
    report.warnings.extend(said);
}

/// The warning for a probe beside `others` CPUs' worth of other work (or the load average
/// `load`, where that is not known) on `cpus` CPUs, if busy.
fn warning(others: Others, load: f64, cpus: f64) -> Option<String> {
    match others {
        Others::Cpus(o) if o > (cpus - 1.5).max(0.5) => Some(format!(
            "{BUSY}other processes kept {o:.1} of its {cpus} CPUs busy while the probe ran): \
             timings are inflated and noisy"
        )),
        Others::Cpus(_) => None,
        Others::Unknown => (load > cpus).then(|| {
            format!("{BUSY}load average {load:.1} on {cpus} CPUs): timings are inflated and noisy")
        }),
    }
}

/// Whether `warning` is the probe's warning that the machine was busy: its timings are not to
/// be taken at their word. This run's own (`own`), or also the baseline's that the gate
/// carried over ([`baseline_busy`]).
pub fn busy(warning: &str, own: bool) -> bool {
    warning.starts_with(BUSY) || (!own && warning.starts_with(BASELINE) && warning.contains(BUSY))
}

/// The baseline's own warning of a busy machine (from `source`), as this run's warnings carry
/// it: `in the baseline's run (git:main (0123abcd)), the machine was busy ...`.
pub fn baseline_busy(source: &str, warning: &str) -> String {
    format!("{BASELINE}{source}), {warning}")
}

/// The 1-minute load average; 0 when unreadable (then no "busy" warning is given).
pub(super) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA cc F1: a build that started during the probe slowed miniserve 2.4x, and the load
    /// average (0.84) said nothing; QA cg F1, F2: the program's own threads and the tool's own
    /// build are no other work. Other processes' CPU time over the window decides, the load
    /// average only where that is not known.
    #[test]
    fn other_processes_cpu_time_makes_the_machine_busy() {
        let w = warning(Others::Cpus(1.4), 0.8, 2.0).expect("a warning");
        assert!(busy(&w, true), "{w}");
        assert_eq!(
            w,
            "the machine was busy (other processes kept 1.4 of its 2 CPUs busy while the \
             probe ran): timings are inflated and noisy"
        );
        // Half a CPU of other work on two leaves the program and the prober theirs; a high
        // load average (the tool's own build, a minute ago) is not taken then.
        assert_eq!(warning(Others::Cpus(0.4), 2.4, 2.0), None);
        assert!(warning(Others::Cpus(2.6), 0.0, 4.0).is_some());
        assert_eq!(warning(Others::Cpus(2.4), 9.0, 4.0), None);
        let w = warning(Others::Unknown, 2.4, 2.0).expect("a warning");
        assert_eq!(
            w,
            "the machine was busy (load average 2.4 on 2 CPUs): timings are inflated and noisy"
        );
        assert_eq!(warning(Others::Unknown, 1.9, 2.0), None);
        // A baseline's warning of an earlier version is still one.
        assert!(busy(
            "the machine was busy (load average 3.1 on 2 CPUs): x",
            true
        ));
    }

    /// QA dd F4: a probe of a fast server (0.16 s over 20 runs) said neither busy nor quiet
    /// with other work on the machine. A window read at once is stretched to the shortest
    /// one, and tells.
    #[test]
    fn a_short_window_is_stretched_and_tells() {
        let window = Window::open();
        let (others, wall) = window.others();
        assert!(wall >= SHORTEST, "{wall}");
        assert!(matches!(others, Others::Cpus(o) if o >= 0.0), "{others:?}");
    }

    /// The machine's CPUs, against the C library's count of online processors (not this
    /// process's affinity, which `taskset` narrows).
    #[test]
    fn the_machines_cpus_are_counted() {
        let online = nix::unistd::sysconf(nix::unistd::SysconfVar::_NPROCESSORS_ONLN)
            .expect("sysconf")
            .expect("online CPUs");
        assert_eq!(proc_stat().map(|s| s.cpus), Some(online as usize));
    }

    /// Our own CPU time, which is subtracted from the machine's, is read right: a second of
    /// spinning here, against the kernel's `/proc/self/stat` (utime + stime, in ticks).
    #[test]
    fn our_own_cpu_time_is_counted() {
        let stat = || -> f64 {
            let text = std::fs::read_to_string("/proc/self/stat").expect("stat");
            let after = &text[text.rfind(')').expect("comm") + 2..];
            let f: Vec<&str> = after.split_whitespace().collect();
            // utime, stime, cutime, cstime: ours and our reaped children's, as getrusage's.
            let ticks: f64 = f[11..15]
                .iter()
                .map(|v| v.parse::<f64>().expect("ticks"))
                .sum();
            let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
                .expect("sysconf")
                .expect("CLK_TCK");
            ticks / hz as f64
        };
        let (ours, kernel) = (our_seconds(), stat());
        let t0 = std::time::Instant::now();
        let mut x = 0u64;
        while t0.elapsed() < std::time::Duration::from_millis(1000) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let (d_ours, d_kernel) = (our_seconds() - ours, stat() - kernel);
        assert!(d_ours > 0.0, "{d_ours}");
        assert!(
            (d_ours - d_kernel).abs() < 0.1,
            "ours {d_ours} s, the kernel's {d_kernel} s"
        );
    }
}
