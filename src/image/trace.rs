//! A traced run through the startup probe: `probe::run_once` starts the tracer (this
//! executable, see `tracer.rs`), which starts the program; the probe's readiness, arguments,
//! environment, timeout and clean-up apply as in any probe run.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use regex::Regex;

use super::tracer::{Record, TRACER_ARG};
use crate::options::Ready;
use crate::plan::ProbeSettings;
use crate::probe::{RunSpec, run_once};
use crate::report::{Artifact, Trace};

/// How one traced run went: its records, and why it did not get ready, if it did not.
pub struct Traced {
    pub records: Vec<Record>,
    pub failure: Option<String>,
}

/// What to start and how: a program and its arguments (the probe's, or a wrapper's around
/// them), with the environment to give and the variables to take away.
pub struct Launch<'a> {
    pub program: &'a Path,
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    pub env_remove: &'a [&'a str],
}

/// The pattern of a `line:REGEX` readiness (already checked when the plan was made).
pub fn pattern(ready: &Ready) -> Option<Regex> {
    match ready {
        Ready::Line(re) => Regex::new(re).ok(),
        _ => None,
    }
}

/// Run `launch` once under the tracer, as the probe would run it; `out` is a scratch file.
pub fn traced_run(launch: &Launch, probe: &ProbeSettings, out: &Path) -> Result<Traced, String> {
    super::tracer::supported()?;
    let me = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut args = vec![
        TRACER_ARG.to_string(),
        out.display().to_string(),
        launch.program.display().to_string(),
    ];
    args.extend(launch.args.iter().cloned());
    let pattern = pattern(&probe.ready);
    let spec = RunSpec {
        program: &me,
        gate: None,
        args: &args,
        env: launch.env,
        env_remove: launch.env_remove,
        ready: &probe.ready,
        pattern: pattern.as_ref(),
        timeout: probe.timeout,
        grace: probe.grace,
        trace: false,
    };
    let failure = match run_once(&spec) {
        Ok(_) => None,
        Err(f) => {
            // The tracer's own complaints come first on stderr.
            if let Some(line) = f
                .stderr_tail
                .lines()
                .find(|l| l.starts_with("cargo-aotcheck: cannot trace"))
            {
                return Err(line.trim_start_matches("cargo-aotcheck: ").to_string());
            }
            Some(f.message)
        }
    };
    // No record because the run stopped before it started the program (its port taken, QA dd
    // F5: "the tracer wrote no record (No such file or directory)" read as our failure).
    let text = std::fs::read_to_string(out).map_err(|e| match &failure {
        Some(f) => format!("no traced run started the program: {f}"),
        None => format!("the tracer wrote no record ({e})"),
    })?;
    let records = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(Traced { records, failure })
}

/// What the traced host run saw.
pub struct HostRun {
    /// The files opened successfully (`None`: not traced), by the binary itself.
    pub opened: Option<Vec<String>>,
    /// The other programs it started ([`programs_run`]).
    pub programs: Vec<String>,
    /// The paths opened, run or looked up successfully.
    pub found: HashSet<String>,
}

/// The traced host run, and how the tracing went.
pub fn host_run(
    a: &Artifact,
    probe: Option<&ProbeSettings>,
    scratch: &Path,
    label: &str,
) -> (HostRun, Trace) {
    let untraced = |why: String| {
        let none = HostRun {
            opened: None,
            programs: Vec::new(),
            found: HashSet::new(),
        };
        (none, untraced(why))
    };
    let Some(probe) = probe else {
        let reason = "--no-probe: the binary was not started, so its run-time files are unknown";
        return untraced(reason.into());
    };
    let program = PathBuf::from(&a.path);
    let launch = Launch {
        program: &program,
        args: &probe.args,
        env: &probe.env,
        env_remove: &[],
    };
    match traced_run(&launch, probe, &scratch_file(scratch, label)) {
        Ok(t) => {
            let opened = opened(&t.records, &a.path);
            let programs = programs_run(&t.records, &a.path);
            let trace = Trace {
                traced: true,
                reason: t
                    .failure
                    .map(|f| format!("the traced run did not get ready: {f}")),
                opened: opened.len() as u32,
            };
            let found = found(&t.records).into_iter().collect();
            let run = HostRun {
                opened: Some(opened),
                programs,
                found,
            };
            (run, trace)
        }
        Err(why) => untraced(why),
    }
}

fn untraced(reason: String) -> Trace {
    Trace {
        traced: false,
        reason: Some(reason),
        opened: 0,
    }
}

/// The files `binary` opened successfully, each once, in the order first opened: not those of
/// another program a process of the run became by `exec` (QA cr F3: starship's `ip netns
/// identify` loaded `libc.so.6` and `libbpf.so.1`, listed as the static binary's).
pub fn opened(records: &[Record], binary: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut other = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in records {
        if r.call == "exec" && r.errno == 0 {
            match r.path == binary {
                true => other.remove(&r.pid),
                false => other.insert(r.pid),
            };
        } else if r.call == "open"
            && r.errno == 0
            && !other.contains(&r.pid)
            && seen.insert(r.path.clone())
        {
            out.push(r.path.clone());
        }
    }
    out
}

/// The other programs the run started (a successful `exec` of another path than `binary`),
/// each once.
pub fn programs_run(records: &[Record], binary: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in records {
        if r.call == "exec" && r.errno == 0 && r.path != binary && !out.contains(&r.path) {
            out.push(r.path.clone());
        }
    }
    out
}

/// The paths opened, run or looked up successfully, each once; a path `readlink` found not
/// to be a link (EINVAL) is there too.
pub fn found(records: &[Record]) -> Vec<String> {
    const EINVAL: i32 = 22;
    each_once(records, |r| match r.call.as_str() {
        // What the run made or took away is its output, not a file the image must hold.
        "create" | "write" | "remove" => false,
        "lookup" => matches!(r.errno, 0 | EINVAL),
        _ => r.errno == 0,
    })
}

/// The records after `binary` was started (its first successful `exec`), when a wrapper
/// started it; all records when no such exec is seen (the tracer's own start is no record).
pub fn after_exec<'r>(records: &'r [Record], binary: &str) -> &'r [Record] {
    match records
        .iter()
        .position(|r| r.call == "exec" && r.errno == 0 && r.path == binary)
    {
        Some(i) => &records[i + 1..],
        None => records,
    }
}

/// Paths it failed to open, run or look up because they are not there (ENOENT, ENOTDIR),
/// each once. A directory or a file it could not make (its parent is not there) is not one,
/// nor a path it then went on to make or write, whether it could or not: it looked whether
/// its output was there (QA bk F7: mdbook's output directory `/book/book`, which it was not
/// allowed to make, was listed as missing too).
pub fn not_found(records: &[Record]) -> Vec<String> {
    const ENOENT: i32 = 2;
    const ENOTDIR: i32 = 20;
    let output = |r: &Record| matches!(r.call.as_str(), "create" | "write" | "remove");
    let made: std::collections::HashSet<&str> = records
        .iter()
        .filter(|r| output(r))
        .map(|r| r.path.as_str())
        .collect();
    each_once(records, |r| {
        matches!(r.errno, ENOENT | ENOTDIR) && !output(r) && !made.contains(r.path.as_str())
    })
}

/// Paths it was not allowed to open, run, look up, make or take away (EACCES, EPERM, EROFS),
/// each once.
pub fn denied(records: &[Record]) -> Vec<String> {
    const EPERM: i32 = 1;
    const EACCES: i32 = 13;
    const EROFS: i32 = 30;
    each_once(records, |r| matches!(r.errno, EPERM | EACCES | EROFS))
}

fn each_once(records: &[Record], keep: impl Fn(&Record) -> bool) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    records
        .iter()
        .filter(|r| keep(r))
        .filter(|r| seen.insert(r.path.clone()))
        .map(|r| r.path.clone())
        .collect()
}

/// A path a run inside the image looked for, as the image names it. The tracer resolves a
/// relative path against the process's working directory as the host sees it, which lies
/// inside the unpacked root filesystem (`<scratch>/rootfs-XXXX/app/./app.conf`): that prefix
/// goes (`/app/app.conf`), and `.` and `..` are resolved.
pub fn in_root(path: &str, root: &Path) -> String {
    let p = Path::new(path);
    let canonical = root.canonicalize().ok();
    let inner = [Some(root), canonical.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|r| p.strip_prefix(r).ok());
    let p = match inner {
        Some(rest) => Path::new("/").join(rest),
        None => p.to_path_buf(),
    };
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            std::path::Component::Normal(n) => out.push(n),
            std::path::Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    if path.starts_with('/') {
        out.display().to_string()
    } else {
        path.to_string()
    }
}

/// A scratch file name for the records of one run.
pub fn scratch_file(dir: &Path, label: &str) -> PathBuf {
    let clean: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    dir.join(format!("{clean}.opens.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(call: &str, path: &str, errno: i32) -> Record {
        Record {
            pid: 1,
            call: call.into(),
            path: path.into(),
            errno,
        }
    }

    #[test]
    fn records_after_the_binary_starts_and_what_was_not_found() {
        let rs = vec![
            r("open", "/proc/self/uid_map", 0),
            r("exec", "/app/x", 0),
            r("open", "/etc/app.toml", 2),
            r("open", "/etc/passwd", 0),
            r("open", "/etc/app.toml", 2),
            r("lookup", "/srv/data", 2),
            r("lookup", "/etc/passwd", 0),
        ];
        let after = after_exec(&rs, "/app/x");
        assert_eq!(after.len(), 5);
        assert_eq!(not_found(after), vec!["/etc/app.toml", "/srv/data"]);
        assert_eq!(
            opened(&rs, "/app/x"),
            vec!["/proc/self/uid_map", "/etc/passwd"]
        );
        assert_eq!(after_exec(&rs, "/app/y").len(), 7);
    }

    /// QA cr F3: a child that became `/usr/sbin/ip` loaded its libraries; they are not the
    /// binary's, and the program it ran is named. The binary's own opens stay.
    #[test]
    fn what_a_program_it_ran_opened_is_not_its_own() {
        let at = |pid: i32, call: &str, path: &str| Record {
            pid,
            ..r(call, path, 0)
        };
        let rs = vec![
            at(1, "exec", "/app/starship"),
            at(1, "open", "/etc/passwd"),
            at(2, "exec", "/usr/sbin/ip"),
            at(2, "open", "/lib/x86_64-linux-gnu/libc.so.6"),
            at(1, "open", "/home/u/.config/starship.toml"),
            at(3, "exec", "/usr/sbin/ip"),
            at(3, "open", "/etc/iproute2/group"),
        ];
        assert_eq!(
            opened(&rs, "/app/starship"),
            vec!["/etc/passwd", "/home/u/.config/starship.toml"]
        );
        assert_eq!(programs_run(&rs, "/app/starship"), vec!["/usr/sbin/ip"]);
    }

    /// A directory it could not make because its parent is not there names no missing path;
    /// one it was not allowed to make, or a file not to open, is denied.
    #[test]
    fn what_was_denied_and_what_was_not_found() {
        let rs = vec![
            r("create", "/a/b", 2),
            r("create", "/book/out", 13),
            r("open", "/app/state.txt", 13),
            r("open", "/app/state.txt", 13),
            r("open", "/etc/x", 2),
            r("create", "/home/u/c", 17),
        ];
        assert_eq!(not_found(&rs), vec!["/etc/x"]);
        assert_eq!(denied(&rs), vec!["/book/out", "/app/state.txt"]);
        // Looked up, then made (or denied): output, not a missing input (QA bk F7).
        let rs = vec![
            r("lookup", "/book/book", 2),
            r("lookup", "/book/theme", 2),
            r("create", "/book/book", 13),
            r("open", "/srv/cache.db", 2),
            r("write", "/srv/cache.db", 0),
        ];
        assert_eq!(not_found(&rs), vec!["/book/theme"]);
        assert_eq!(denied(&rs), vec!["/book/book"]);
        // What the run wrote is output: neither found, opened nor missing (QA as F3).
        let rs = vec![
            r("write", "/book/index.html", 0),
            r("write", "/gone/out.html", 2),
            r("open", "/book/src/ch.md", 0),
        ];
        assert_eq!(found(&rs), vec!["/book/src/ch.md"]);
        assert_eq!(opened(&rs, "/app/x"), vec!["/book/src/ch.md"]);
        assert!(not_found(&rs).is_empty());
        // QA dr F5: a removal denied is denied; one of a file not there (a stale output
        // cleaned up) is output, not a missing input.
        let rs = vec![
            r("remove", "/book/book/searchindex.js", 13),
            r("remove", "/book/book/old.html", 2),
            r("open", "/book/src/ch.md", 0),
        ];
        assert_eq!(denied(&rs), vec!["/book/book/searchindex.js"]);
        assert!(not_found(&rs).is_empty(), "{:?}", not_found(&rs));
        assert_eq!(found(&rs), vec!["/book/src/ch.md"]);
    }

    /// QA h, B5: `./app.conf` looked for from `/app` inside the image is `/app/app.conf`, not
    /// a path in the scratch directory that is gone after the run.
    #[test]
    fn a_path_inside_the_root_filesystem_is_named_as_the_image_names_it() {
        let root = Path::new("/tmp/x/image-scratch/run-1/rootfs-2");
        assert_eq!(
            in_root("/tmp/x/image-scratch/run-1/rootfs-2/app/./app.conf", root),
            "/app/app.conf"
        );
        assert_eq!(in_root("/etc/localtime", root), "/etc/localtime");
        assert_eq!(in_root("/app/../etc/./x", root), "/etc/x");
        assert_eq!(in_root("relative", root), "relative");
    }

    /// QA dd F5: a run that stopped before it started the program (its port taken) says so,
    /// not that the tracer wrote no record.
    #[test]
    fn a_run_stopped_before_the_program_started_says_so() {
        let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        let port = holder.local_addr().expect("its address").port();
        let probe = ProbeSettings {
            ready: Ready::Tcp(Some(port)),
            ..ProbeSettings::default()
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let launch = Launch {
            program: Path::new("/bin/true"),
            args: &[],
            env: &[],
            env_remove: &[],
        };
        let Err(why) = traced_run(&launch, &probe, &dir.path().join("record")) else {
            panic!("a run on a taken port")
        };
        assert!(
            why.starts_with("no traced run started the program: "),
            "{why}"
        );
        assert!(why.contains(&port.to_string()), "{why}");
        drop(holder);
    }
}
