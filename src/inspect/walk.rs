//! What `inspect`'s arguments name: files to inspect, in the order given, a directory walked
//! for its files (its own files in name order, then its subdirectories', symbolic links not
//! followed),
//! what the walk passes over, and each file once however many ways reach it.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::report::SkippedFile;

/// One file to inspect.
pub(super) struct Target {
    pub(super) path: PathBuf,
    /// Named on the command line, not found in a directory.
    pub(super) named: bool,
    /// Its length, to start the largest files first.
    pub(super) size: u64,
}

/// What the arguments name, in their order: files to inspect, paths that failed before any
/// was opened, and the end of each directory's files.
#[derive(Default)]
pub(super) struct Expanded {
    pub(super) targets: Vec<Target>,
    pub(super) steps: Vec<Step>,
    /// The symbolic links and special files passed over (files that are not binaries are
    /// known only once read).
    pub(super) passed: Vec<SkippedFile>,
    /// Each file's (device, inode), to the target it is: a file reached twice (named and in a
    /// directory given, named twice, or a hard link) is inspected once (QA ah, F5).
    seen: std::collections::HashMap<(u64, u64), usize>,
}

pub(super) enum Step {
    /// `targets[i]`.
    Target(usize),
    Failed(Error),
    /// The directory argument whose files are `targets[range]`.
    DirDone(PathBuf, std::ops::Range<usize>),
}

impl Expanded {
    /// Target `t`, the file `m` says; once only: a file reached again is said to be skipped,
    /// and the target is named (its failure counts) if either way named it.
    fn target(&mut self, t: Target, m: &std::fs::Metadata) {
        use std::os::unix::fs::MetadataExt;
        match self.seen.entry((m.dev(), m.ino())) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let first = &mut self.targets[*e.get()];
                first.named |= t.named;
                // By the same path (a file and the directory that holds it, QA cf F9: "arts/run.sh:
                // the same file as arts/run.sh"), said as such.
                let why = if first.path == t.path {
                    format!("{SAME_FILE} the one reached first by this path: looked at once")
                } else {
                    format!("{SAME_FILE} {}", first.path.display())
                };
                self.passed.push(skipped_file(&t.path, &why));
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(self.targets.len());
                self.steps.push(Step::Target(self.targets.len()));
                self.targets.push(t);
            }
        }
    }
}

pub(super) const NOT_BINARY: &str = "not a binary";
/// A `.debug` file beside its binary (QA dj F1): skipped, as it holds no code.
pub(super) const DEBUG_INFO: &str = "separate debug information (objcopy --only-keep-debug)";
/// A core dump (QA dn F13, do F8): a process's memory, no artifact.
pub(super) const CORE_DUMP: &str = "core dump";
pub(super) const SYMLINK: &str = "symbolic link (not followed)";
const SPECIAL: &str = "special file";
const GIVEN_ALREADY: &str = "directory whose files other arguments give (not walked again)";
/// How a file reached a second time is skipped, before the path it was inspected as.
pub(super) const SAME_FILE: &str = "the same file as";

pub(super) fn skipped_file(path: &Path, why: &str) -> SkippedFile {
    SkippedFile {
        path: path.display().to_string(),
        why: why.into(),
    }
}

/// The stderr line of what the walk passed over, counted by why.
pub(super) fn describe(skipped: &[SkippedFile]) -> String {
    let count = |why: &str, one: &str, many: &str| {
        let n = skipped.iter().filter(|f| f.why == why).count();
        (n > 0).then(|| crate::format::count(n, one, many))
    };
    let parts: Vec<String> = [
        count(
            NOT_BINARY,
            "file that is not a binary",
            "files that are not binaries",
        ),
        count(
            DEBUG_INFO,
            "file of separate debug information",
            "files of separate debug information",
        ),
        count(CORE_DUMP, "core dump", "core dumps"),
        count(SYMLINK, "symbolic link", "symbolic links (not followed)"),
        count(SPECIAL, "special file", "special files"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let again = count(
        GIVEN_ALREADY,
        "directory argument not walked: other arguments give its files",
        "directory arguments not walked: other arguments give their files",
    );
    let n = skipped
        .iter()
        .filter(|f| f.why.starts_with(SAME_FILE))
        .count();
    let twice = (n > 0).then(|| {
        crate::format::count(
            n,
            "file reached a second time (inspected once)",
            "files reached a second time (inspected once)",
        )
    });
    let mut all: Vec<String> = Vec::new();
    if !parts.is_empty() {
        all.push(format!("{} found in directories", parts.join(", ")));
    }
    all.extend(again);
    all.extend(twice);
    all.join("; ")
}

/// The arguments as files: a directory walked, anything else taken as named. A symbolic link
/// to a directory whose files other arguments give already is not walked (QA af: `/usr/bin/*`
/// holds `/usr/bin/X11`, a link to `.`, and 526 binaries were reported twice); a directory
/// named as itself always is.
pub(super) fn expand(args: &[PathBuf]) -> Expanded {
    let mut x = Expanded::default();
    // Each argument looked at once; the links among them resolved only when one of them is a
    // link to a directory (a glob of a folder's files rarely holds one).
    let meta: Vec<std::io::Result<std::fs::Metadata>> =
        args.iter().map(std::fs::metadata).collect();
    let dirs: Vec<bool> = meta
        .iter()
        .map(|m| m.as_ref().is_ok_and(std::fs::Metadata::is_dir))
        .collect();
    let links: Vec<bool> = (0..args.len())
        .map(|j| dirs[j] && std::fs::symlink_metadata(&args[j]).is_ok_and(|m| m.is_symlink()))
        .collect();
    let canonical: Vec<Option<PathBuf>> = match links.contains(&true) {
        true => args.iter().map(|a| std::fs::canonicalize(a).ok()).collect(),
        false => Vec::new(),
    };
    let given_already = |i: usize| {
        let Some(dir) = canonical
            .get(i)
            .and_then(Option::as_deref)
            .filter(|_| links[i])
        else {
            return false;
        };
        canonical.iter().enumerate().any(|(j, c)| {
            let Some(c) = c.as_deref().filter(|_| j != i) else {
                return false;
            };
            // Another argument inside it; the same directory named as itself, or by a link
            // given before; or it lies inside another directory given.
            (c != dir && c.starts_with(dir))
                || (c == dir && (!links[j] || j < i))
                || (dirs[j] && c != dir && dir.starts_with(c))
        })
    };
    for (i, (arg, m)) in args.iter().zip(meta).enumerate() {
        match m {
            Ok(m) if m.is_dir() && given_already(i) => {
                x.passed.push(skipped_file(arg, GIVEN_ALREADY));
            }
            Ok(m) if m.is_dir() => {
                let start = x.targets.len();
                walk(arg, &mut x);
                let range = start..x.targets.len();
                x.steps.push(Step::DirDone(arg.clone(), range));
            }
            Ok(m) => x.target(
                Target {
                    path: arg.clone(),
                    named: true,
                    size: m.len(),
                },
                &m,
            ),
            Err(e) => x.steps.push(Step::Failed(Error::io(arg, e))),
        }
    }
    x
}

fn walk(dir: &Path, x: &mut Expanded) {
    let mut entries: Vec<std::fs::DirEntry> = match std::fs::read_dir(dir) {
        Ok(read) => read
            .filter_map(|e| match e {
                Ok(e) => Some(e),
                Err(err) => {
                    x.steps.push(Step::Failed(Error::io(dir, err)));
                    None
                }
            })
            .collect(),
        Err(e) => {
            x.steps.push(Step::Failed(Error::io(dir, e)));
            return;
        }
    };
    // A directory's own files before its subdirectories', each in name order: of a file and
    // its hard link below, the shallower path is the one inspected (QA da F5: cargo's
    // `release/tokei` was reported as `release/deps/tokei-<hash>`).
    let is_dir = |e: &std::fs::DirEntry| e.file_type().is_ok_and(|t| t.is_dir());
    entries.sort_by_cached_key(|e| (is_dir(e), e.file_name()));
    for entry in entries {
        let path = entry.path();
        let kind = match entry.file_type() {
            Ok(k) => k,
            Err(e) => {
                x.steps.push(Step::Failed(Error::io(&path, e)));
                continue;
            }
        };
        if kind.is_symlink() {
            x.passed.push(skipped_file(&path, SYMLINK));
        } else if kind.is_dir() {
            walk(&path, x);
        } else if kind.is_file() {
            match entry.metadata() {
                Ok(m) => x.target(
                    Target {
                        path,
                        named: false,
                        size: m.len(),
                    },
                    &m,
                ),
                Err(e) => x.steps.push(Step::Failed(Error::io(&path, e))),
            }
        } else {
            x.passed.push(skipped_file(&path, SPECIAL));
        }
    }
}
