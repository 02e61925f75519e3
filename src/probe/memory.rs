//! The process tree and its memory, read from `/proc`.
//!
//! Descendants are found through `/proc/PID/task/TID/children`, or where the kernel lacks those,
//! by parent links in every `/proc/*/stat`.
//! The prober is a child subreaper, so anything that escaped with `setsid` or a double fork has
//! us as its parent once its own parent died: every descendant of *this* process is part of the
//! probed program's tree, because the probe runs one program at a time and reaps all of it
//! before the next run.

use std::collections::{HashMap, HashSet};

use crate::report::Memory;

/// One line of `/proc/PID/stat` that matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    /// `Z` for a zombie, `X` dead.
    pub state: char,
}

impl ProcStat {
    pub fn is_dead(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

/// Parse `/proc/PID/stat`. The command name sits in parentheses and may itself contain spaces
/// and parentheses, so fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let (head, tail) = text.rsplit_once(')')?;
    let pid = head.split_once(" (")?.0.trim().parse().ok()?;
    let mut f = tail.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgid = f.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        ppid,
        pgid,
        state,
    })
}

/// Every process visible in `/proc`.
pub fn all_processes() -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|t| parse_stat(&t))
        .collect()
}

/// `/proc/PID/task/TID/children` exists (Linux with `CONFIG_PROC_CHILDREN`, as in the common
/// distributions' kernels): a tree can then be walked without reading every process's `stat`.
fn children_files() -> bool {
    static SUPPORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SUPPORTED.get_or_init(|| std::path::Path::new("/proc/thread-self/children").exists())
}

/// Direct children of `pid`, over all its threads (a child's parent is the thread that
/// started it).
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}

fn stat_of(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// `roots` and all their descendants (roots included when they still exist), parents first.
///
/// Walks the `children` files when the kernel has them: a few reads per process of the tree,
/// instead of one per process on the machine. That matters: the probe runs this several times
/// per run, and CPU time the prober burns between runs makes the scheduler queue the next
/// program behind other work on a busy machine.
pub fn descendants(roots: &[i32]) -> Vec<ProcStat> {
    if !children_files() {
        return descendants_by_scan(roots);
    }
    let mut seen: HashSet<i32> = HashSet::new();
    let mut out = Vec::new();
    let mut queue: Vec<i32> = Vec::new();
    for &r in roots {
        if let Some(s) = stat_of(r)
            && seen.insert(r)
        {
            out.push(s);
            queue.push(r);
        }
    }
    while let Some(pid) = queue.pop() {
        for c in children_of(pid) {
            if seen.insert(c)
                && let Some(s) = stat_of(c)
            {
                out.push(s);
                queue.push(c);
            }
        }
    }
    out
}

/// [`descendants`] by parent links from every process's `/proc/PID/stat`.
fn descendants_by_scan(roots: &[i32]) -> Vec<ProcStat> {
    let procs = all_processes();
    let mut children: HashMap<i32, Vec<&ProcStat>> = HashMap::new();
    for p in &procs {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut seen: HashSet<i32> = HashSet::new();
    let mut out = Vec::new();
    let mut queue: Vec<i32> = roots.to_vec();
    for p in procs.iter().filter(|p| roots.contains(&p.pid)) {
        seen.insert(p.pid);
        out.push(*p);
    }
    while let Some(pid) = queue.pop() {
        for c in children.get(&pid).into_iter().flatten() {
            if seen.insert(c.pid) {
                out.push(**c);
                queue.push(c.pid);
            }
        }
    }
    out
}

/// Every process below the prober: the probed program and whatever it left behind.
pub fn our_descendants() -> Vec<ProcStat> {
    let me = std::process::id() as i32;
    descendants(&[me])
        .into_iter()
        .filter(|p| p.pid != me)
        .collect()
}

/// `VmRSS`, `VmHWM`, `RssAnon`, `RssFile` from a `/proc/PID/status` text.
pub fn parse_status(text: &str, m: &mut Memory) {
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let slot = match key {
            "VmRSS" => &mut m.rss,
            "VmHWM" => &mut m.hwm,
            "RssAnon" => &mut m.anon,
            "RssFile" => &mut m.file,
            _ => continue,
        };
        *slot = kib(value);
    }
}

/// `Rss` and `Pss` from a `/proc/PID/smaps_rollup` text.
pub fn parse_rollup(text: &str) -> (Option<u64>, Option<u64>) {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(kib)
    };
    (field("Rss"), field("Pss"))
}

/// `m` (read from `/proc/PID/status`) with `smaps_rollup`'s `Rss` and `Pss`: its `Rss` counts
/// the pages as `Pss` does, by walking them, where `VmRSS` is the kernel's running counter,
/// which lags (QA bt F5: "RSS 4.80 MiB · PSS 4.85 MiB", a PSS above the RSS of a lone
/// process). The peak is then at least that RSS.
pub fn with_rollup(mut m: Memory, (rss, pss): (Option<u64>, Option<u64>)) -> Memory {
    m.pss = pss;
    if let Some(rss) = rss {
        m.rss = Some(rss);
        m.hwm = m.hwm.map(|h| h.max(rss));
    }
    m
}

/// The KiB of a `/proc` field's value (`   1024 kB`).
pub fn kib(value: &str) -> Option<u64> {
    value.trim().strip_suffix("kB")?.trim().parse().ok()
}

pub fn read_process(pid: i32) -> Memory {
    let mut m = Memory::default();
    if let Ok(t) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        parse_status(&t, &mut m);
    }
    // A zombie has no figures in either file: none made up from the other.
    if m.rss.is_none() {
        return m;
    }
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .map_or((None, None), |t| parse_rollup(&t));
    with_rollup(m, rollup)
}

/// Let the page cache read `path` from the disk again, as after a reboot or a deploy: the
/// pages of a file just written (a build's copy, `advise`'s variants) are mapped in larger
/// pieces, and a program then counts up to a megabyte more of its own file in its RSS (QA bu
/// F1: `strip = "symbols"` read +1.2 MiB, a second probe of the same files +44 KiB; README,
/// "Memory"). Written back first: only clean pages can be dropped. Best effort.
pub fn from_disk(path: &std::path::Path) {
    use nix::fcntl::{PosixFadviseAdvice, posix_fadvise};
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.sync_data();
        let _ = posix_fadvise(&f, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED);
    }
}

/// The tree's memory: sums over the processes that had each figure. `why` gets a reason for
/// every figure no process had.
pub fn read_tree(pids: &[i32]) -> (Memory, u32, Vec<(&'static str, String)>) {
    let per: Vec<Memory> = pids.iter().map(|&p| read_process(p)).collect();
    let counted = per.iter().filter(|m| m.rss.is_some()).count() as u32;
    let mem = Memory::combine(&per, |v| (!v.is_empty()).then(|| v.iter().sum()));
    let mut why = Vec::new();
    if counted == 0 {
        why.push((
            "memory_kib",
            "the process had no address space left when read (it had already exited)".into(),
        ));
    } else if mem.pss.is_none() {
        why.push((
            "memory_kib.pss",
            "/proc/PID/smaps_rollup is not readable here (Linux >= 4.14 and ptrace access needed)"
                .into(),
        ));
    }
    if counted > 0 && mem.anon.is_none() {
        why.push((
            "memory_kib.anon",
            "no RssAnon/RssFile in /proc/PID/status (Linux >= 4.5 needed)".into(),
        ));
    }
    (mem, counted, why)
}

/// Resident KiB of the mapping of `path` in this process, as the kernel counts it
/// (`/proc/self/smaps`).
#[cfg(test)]
pub(crate) fn resident_kib(path: &std::path::Path) -> u64 {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
    let name = path.to_str().expect("utf-8 path");
    let mut inside = false;
    let mut total = 0;
    for line in smaps.lines() {
        let range = line
            .split_whitespace()
            .next()
            .and_then(|r| r.split_once('-'));
        if range.is_some_and(|(a, b)| {
            u64::from_str_radix(a, 16).is_ok() && u64::from_str_radix(b, 16).is_ok()
        }) {
            // A mapping's first line: is it the file's?
            inside = line.ends_with(name);
        } else if inside && let Some(v) = line.strip_prefix("Rss:") {
            total += kib(v).expect("Rss in kB");
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_parentheses_and_spaces_in_the_name() {
        let s = parse_stat("1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 0").expect("parse");
        assert_eq!(
            s,
            ProcStat {
                pid: 1234,
                ppid: 1,
                pgid: 1234,
                state: 'S'
            }
        );
        assert!(parse_stat("garbage").is_none());
        assert!(parse_stat("").is_none());
    }

    #[test]
    fn status_and_rollup_fields() {
        let mut m = Memory::default();
        parse_status(
            "Name:\tx\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nRssAnon:\t  100 kB\nRssFile:\t 900 kB\n",
            &mut m,
        );
        assert_eq!(
            (m.rss, m.hwm, m.anon, m.file),
            (Some(1024), Some(2048), Some(100), Some(900))
        );
        assert_eq!(
            parse_rollup("55-66 ---p 0 00:00 0 [rollup]\nRss: 10 kB\nPss:  7 kB\nPss_Anon: 3 kB\n"),
            (Some(10), Some(7))
        );
        // QA bt F5: `VmRSS` 4,912 KiB lagged behind the pages walked (`Rss` 4,980, `Pss`
        // 4,972): the RSS is the walk's, never below the PSS, and the peak at least that.
        let mut lagging = Memory::default();
        parse_status("VmHWM:\t 4912 kB\nVmRSS:\t 4912 kB\n", &mut lagging);
        let m = with_rollup(lagging, (Some(4980), Some(4972)));
        assert_eq!((m.rss, m.pss, m.hwm), (Some(4980), Some(4972), Some(4980)));
        // Without a readable rollup, the status's figures stay.
        let m = with_rollup(lagging, (None, None));
        assert_eq!((m.rss, m.pss, m.hwm), (Some(4912), None, Some(4912)));
        // A zombie: no Vm lines at all.
        let mut z = Memory::default();
        parse_status("Name:\tx\nState:\tZ (zombie)\n", &mut z);
        assert_eq!(z, Memory::default());
    }

    /// A file just written sits in the page cache; after `from_disk` none of it does, as
    /// util-linux's `fincore` (mincore(2)) reads it.
    #[test]
    fn a_file_just_written_is_read_from_the_disk_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("binary");
        std::fs::write(&path, vec![0x5a_u8; 4 << 20]).expect("write");
        let resident = || {
            let out = std::process::Command::new("fincore")
                .args(["--bytes", "--noheadings", "--output", "RES"])
                .arg(&path)
                .output()
                .expect("fincore (util-linux)");
            let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
            text.parse::<u64>()
                .unwrap_or_else(|_| panic!("fincore said {text:?}"))
        };
        assert!(resident() > 0, "a file just written is in the page cache");
        from_disk(&path);
        assert_eq!(resident(), 0);
    }

    #[test]
    fn this_process_is_readable() {
        let me = std::process::id() as i32;
        let m = read_process(me);
        assert!(m.rss.is_some_and(|r| r > 0));
        assert!(m.hwm >= m.rss);
        let tree = descendants(&[me]);
        assert_eq!(tree.first().map(|p| p.pid), Some(me));
        assert_eq!(descendants_by_scan(&[me]).first().map(|p| p.pid), Some(me));
    }
}
