//! `inspect` over many files, as a release engineer points it at a folder of artifacts: the
//! arguments expanded (a directory is walked for binaries), every file inspected and attributed
//! on all cores, and each file that is not a binary or cannot be read kept beside the binaries
//! that worked: one bad file costs its own line, not the report. The attribution is the
//! caller's ([`Attribute`]): it runs on the same mapped bytes, in the same worker, and the
//! attribution stage comes after this one in the pipeline.
//!
//! Walking a directory: entries are taken in name order, subdirectories included. Symbolic
//! links found there are not followed, to files or to directories: a link to a file inside the
//! folder names a file that is reported under its own path, and a link out of the folder
//! leaves it. They are counted, as are files that are not binaries (scripts, data, archives),
//! which are skipped. A directory in which no binary is found is a failure of its own.
//! A file named on the command line is always inspected (a symbolic link named there is
//! followed): if it is not a binary, that is a failure.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::output::{BAD, Output, paint};
use crate::report::{Artifact, Binary, FailedFile, Report};

use super::Mapped;
use super::closure::Environment;
use super::walk::{
    CORE_DUMP, DEBUG_INFO, Expanded, NOT_BINARY, SAME_FILE, Step, Target, describe, expand,
    skipped_file,
};

/// What runs on each binary after its inspection, on its path and mapped bytes (the sizes'
/// attribution). An error is the binary's warning, not its failure.
pub type Attribute<'a> = dyn Fn(&Path, &Mapped, &mut Binary) -> Result<()> + Sync + 'a;

/// The outcome of one target.
enum Outcome {
    Binary(Box<Artifact>, Vec<String>),
    NotBinary,
    /// Separate debug information, found by the walk: skipped.
    DebugInfo,
    /// A core dump, found by the walk: skipped, said so (QA do F8).
    Core,
    Failed(Error),
}

/// What a batch gives: the report (artifacts, failures in `failed`, what the walk passed over
/// in `skipped`) and the errors behind the failures, in the order of the arguments.
pub struct Batch {
    pub report: Report,
    pub errors: Vec<Error>,
}

/// `cargo aotcheck inspect FILE|DIR...`: status and one error line per failed file on stderr,
/// the report returned. A single file that fails (and nothing else given) is the run's error.
pub fn run(args: &[PathBuf], attribute: &Attribute, out: &mut Output) -> Result<Report> {
    let threads = threads();
    let expanded = expand(args);
    match (args, expanded.targets.as_slice()) {
        ([arg], [one]) if one.named => out.status("Inspecting", &arg.display().to_string()),
        // Nothing to inspect (a missing file): its error line says so.
        (_, []) => {}
        (_, targets) => {
            // The paths already known to fail are counted too (QA al F6, QA ao F8: three paths
            // given, "Inspecting 2 files", the missing one said only in the end).
            let failed = expanded
                .steps
                .iter()
                .filter(|s| matches!(s, Step::Failed(_)))
                .count();
            let failed = match failed {
                0 => String::new(),
                n => format!(
                    " ({} cannot be read)",
                    crate::format::count(n, "path", "paths")
                ),
            };
            out.status(
                "Inspecting",
                &format!(
                    "{} on {}{failed}",
                    crate::format::count(targets.len(), "file", "files"),
                    crate::format::count(threads.min(targets.len()), "thread", "threads")
                ),
            )
        }
    }
    let Batch { report, mut errors } = inspect_expanded(expanded, attribute, threads)?;
    if report.artifacts.is_empty() && errors.len() == 1 {
        return Err(errors.remove(0));
    }
    for e in &errors {
        let label = paint(out.err_color, BAD, "error");
        let text = e.to_string();
        let _ = writeln!(
            out.err,
            "{label}: {}",
            crate::format::printable(&text, e.multi_line())
        );
    }
    if !report.skipped.is_empty() {
        out.status("Skipped", &describe(&report.skipped));
    }
    Ok(report)
}

/// The run's error when files failed: given after the report is out, so that exit code 2 does
/// not cost the binaries that were inspected.
pub fn incomplete(report: &Report) -> Option<Error> {
    (!report.failed.is_empty()).then(|| Error::Incomplete {
        failed: report.failed.len(),
        total: report.failed.len() + report.artifacts.len(),
    })
}

/// Inspect and attribute every file the arguments name, on `threads` threads. `Err` only when
/// the user interrupted; each file's own error is in the batch.
pub fn inspect_all(args: &[PathBuf], attribute: &Attribute, threads: usize) -> Result<Batch> {
    inspect_expanded(expand(args), attribute, threads)
}

fn inspect_expanded(expanded: Expanded, attribute: &Attribute, threads: usize) -> Result<Batch> {
    let env = Environment::from_system();
    let outcomes = in_parallel(&expanded.targets, threads, |t| {
        inspect_one(t, &env, attribute)
    });
    crate::interrupt::check()?;

    let mut report = Report::new(None);
    let mut errors = Vec::new();
    let mut passed = expanded.passed;
    // Whether target `i` is a binary, sound or not.
    let mut found = vec![false; outcomes.len()];
    let mut outcomes: Vec<Option<Outcome>> = outcomes.into_iter().map(Some).collect();
    for step in expanded.steps {
        match step {
            Step::Target(i) => match outcomes[i].take() {
                Some(Outcome::Binary(artifact, warning)) => {
                    report.artifacts.push(*artifact);
                    report.warnings.extend(warning);
                    found[i] = true;
                }
                Some(Outcome::Failed(e)) => {
                    errors.push(e);
                    found[i] = true;
                }
                Some(Outcome::NotBinary) | None => {
                    passed.push(skipped_file(&expanded.targets[i].path, NOT_BINARY));
                }
                Some(Outcome::DebugInfo) => {
                    passed.push(skipped_file(&expanded.targets[i].path, DEBUG_INFO));
                }
                Some(Outcome::Core) => {
                    passed.push(skipped_file(&expanded.targets[i].path, CORE_DUMP));
                }
            },
            Step::Failed(e) => errors.push(e),
            Step::DirDone(dir, range) => {
                if !found[range].iter().any(|f| *f) {
                    let reason = no_binary(&dir, &passed);
                    errors.push(Error::malformed(dir, &reason));
                }
            }
        }
    }
    report.failed = errors.iter().map(failed_file).collect();
    // A binary's other paths first, which say where it is too, then the rest by path (QA da
    // F5: `release/tokei` was among 683 `.fingerprint` lines not shown).
    passed.sort_by(|a, b| {
        (!a.why.starts_with(SAME_FILE), &a.path).cmp(&(!b.why.starts_with(SAME_FILE), &b.path))
    });
    report.skipped = passed;
    Ok(Batch { report, errors })
}

fn threads() -> usize {
    crate::threads::available()
}

/// The report's entry for a failed file: its path and what is wrong, without the path again.
fn failed_file(e: &Error) -> FailedFile {
    let (path, error) = match e {
        Error::Malformed { path, reason } => (path.clone(), reason.clone()),
        Error::Io { path, source } => (path.clone(), format!("cannot read: {source}")),
        // Its path, as any other file's (a named debug file's entry had an empty one).
        Error::DebugInfo { path, build_id } => (
            path.clone(),
            crate::error::debug_info_words(build_id.as_deref()),
        ),
        Error::CoreDump { path } => (path.clone(), crate::error::CORE_DUMP_WORDS.into()),
        other => (PathBuf::new(), other.to_string()),
    };
    FailedFile {
        path: path.display().to_string(),
        error,
    }
}

/// Why a directory gave no binary: none found, and the symbolic links the walk passed over
/// in it, which may lead to one (QA dj F6: `dist/lsd -> ../target/release/lsd` alone read as
/// a folder without a binary).
fn no_binary(dir: &Path, passed: &[crate::report::SkippedFile]) -> String {
    let count = |why: &str| {
        passed
            .iter()
            .filter(|p| p.why == why && Path::new(&p.path).starts_with(dir))
            .count()
    };
    let mut said = "no binary found in this directory or below it".to_string();
    // Its files of debug information too (QA dk F1: four `.debug` files read as none).
    let debug = count(DEBUG_INFO);
    if debug > 0 {
        let files = crate::format::count(debug, "file", "files");
        said.push_str(&format!("; {files} of separate debug information skipped"));
    }
    let cores = count(CORE_DUMP);
    if cores > 0 {
        let n = crate::format::count(cores, "core dump", "core dumps");
        said.push_str(&format!("; {n} skipped"));
    }
    match count(super::walk::SYMLINK) {
        0 => said,
        1 => format!(
            "{said}; 1 symbolic link not followed (name the link itself to inspect what it \
             points to)"
        ),
        n => format!(
            "{said}; {n} symbolic links not followed (name the links themselves to inspect what \
             they point to)"
        ),
    }
}

/// Is this the start of a binary? `Some(true)`: ELF or Mach-O by its magic, reported even when
/// damaged. `Some(false)`: `MZ` or `0xcafebabe`, which also start DOS programs and Java classes:
/// reported only when they parse as PE or universal Mach-O. `None`: not a binary.
pub(super) fn binary_magic(bytes: &[u8]) -> Option<bool> {
    const SURE: &[&[u8]] = &[
        b"\x7fELF",
        &[0xfe, 0xed, 0xfa, 0xce],
        &[0xfe, 0xed, 0xfa, 0xcf],
        &[0xce, 0xfa, 0xed, 0xfe],
        &[0xcf, 0xfa, 0xed, 0xfe],
    ];
    const MAYBE: &[&[u8]] = &[b"MZ", &[0xca, 0xfe, 0xba, 0xbe], &[0xbe, 0xba, 0xfe, 0xca]];
    if SURE.iter().any(|m| bytes.starts_with(m)) || pe_signature(bytes) {
        Some(true)
    } else if MAYBE.iter().any(|m| bytes.starts_with(m)) {
        Some(false)
    } else {
        None
    }
}

/// An `MZ` file whose header points at the `PE\0\0` signature: a PE image, reported even when
/// damaged (QA dn F6: a PE cut short was skipped as "not a binary", exit 0).
fn pe_signature(bytes: &[u8]) -> bool {
    let Some(at) = bytes.get(0x3c..0x40) else {
        return false;
    };
    let at = u32::from_le_bytes([at[0], at[1], at[2], at[3]]) as usize;
    bytes.starts_with(b"MZ") && bytes.get(at..at.saturating_add(4)) == Some(b"PE\0\0")
}

fn inspect_one(t: &Target, env: &Environment, attribute: &Attribute) -> Outcome {
    let mapped = match Mapped::open(&t.path) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(e),
    };
    let bytes = mapped.bytes();
    let magic = binary_magic(bytes);
    if !t.named && magic.is_none() {
        return Outcome::NotBinary;
    }
    let mut binary = match super::inspect_bytes(&t.path, bytes, Some(env)) {
        Ok(b) => b,
        Err(_) if !t.named && magic == Some(false) => return Outcome::NotBinary,
        Err(Error::DebugInfo { .. }) if !t.named => return Outcome::DebugInfo,
        // A core dump found in a folder is no artifact to report (QA dn F13).
        Err(Error::CoreDump { .. }) if !t.named => return Outcome::Core,
        Err(e) => return Outcome::Failed(e),
    };
    let mut warning: Vec<String> = attribute(&t.path, &mapped, &mut binary)
        .err()
        .map(|e| format!("no size attribution: {e}"))
        .into_iter()
        .collect();
    warning.extend(super::elf::stripped_caveat(&t.path, &binary));
    let name = t.path.file_name().map_or_else(
        || t.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let path = t.path.display().to_string();
    let artifact = Artifact::new(None, name, None, path, binary);
    Outcome::Binary(Box::new(artifact), warning)
}

/// `f` over `targets` on `threads` threads, largest file first (a 100 MB library started last
/// would keep one core busy alone); results in the order of `targets`. Stops taking work when
/// the user interrupts.
fn in_parallel<R: Send>(
    targets: &[Target],
    threads: usize,
    f: impl Fn(&Target) -> R + Sync,
) -> Vec<R> {
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(targets[i].size));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while !crate::interrupt::requested() {
            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            done.push((i, f(&targets[i])));
        }
        done
    };
    let threads = threads.clamp(1, targets.len().max(1));
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None)
        .take(targets.len())
        .collect();
    std::thread::scope(|s| {
        let workers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for w in workers {
            match w.join() {
                Ok(done) => all.extend(done),
                // A panic in a worker is a bug: let it surface as it would on one thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in all {
            slots[i] = Some(r);
        }
    });
    // Only an interruption leaves a slot empty, and the caller checks for it.
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(sizes: &[u64]) -> Vec<Target> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| Target {
                path: PathBuf::from(i.to_string()),
                named: true,
                size,
            })
            .collect()
    }

    #[test]
    fn parallel_results_keep_the_order_of_the_targets() {
        let t = targets(&[5, 900, 1, 77, 77, 0, 3000]);
        for threads in [1, 2, 3, 16] {
            let out = in_parallel(&t, threads, |t| t.path.display().to_string());
            let want: Vec<String> = (0..t.len()).map(|i| i.to_string()).collect();
            assert_eq!(out, want, "{threads} threads");
        }
        assert!(in_parallel(&targets(&[]), 4, |_| 0).is_empty());
    }

    #[test]
    fn magic_tells_binaries_from_scripts_and_java() {
        assert_eq!(binary_magic(b"\x7fELF\x02\x01"), Some(true));
        assert_eq!(binary_magic(&[0xcf, 0xfa, 0xed, 0xfe, 7]), Some(true));
        assert_eq!(binary_magic(b"MZ\x90\x00"), Some(false));
        assert_eq!(
            binary_magic(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34]),
            Some(false)
        );
        assert_eq!(binary_magic(b"#!/bin/sh\n"), None);
        assert_eq!(binary_magic(b"!<arch>\n"), None);
        assert_eq!(binary_magic(b""), None);
    }

    /// Failures come in the order of the arguments: a folder's own after its files', before
    /// the next argument's.
    #[test]
    fn failures_follow_the_arguments() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let empty = tmp.path().join("empty");
        let full = tmp.path().join("full");
        std::fs::create_dir_all(&empty).expect("mkdir");
        std::fs::create_dir_all(&full).expect("mkdir");
        std::fs::write(full.join("a.sh"), "#!/bin/sh\n").expect("write");
        std::fs::write(full.join("b"), b"\x7fELF\x02\x01\x01").expect("write");
        let missing = tmp.path().join("missing");
        let args = [empty.clone(), missing.clone(), full.clone()];
        let none = |_: &Path, _: &Mapped, _: &mut Binary| Ok(());
        let batch = inspect_all(&args, &none, 2).expect("not interrupted");
        let failed: Vec<PathBuf> = batch
            .report
            .failed
            .iter()
            .map(|f| PathBuf::from(&f.path))
            .collect();
        assert_eq!(failed, [empty, missing, full.join("b")]);
        assert_eq!(batch.errors.len(), 3);
        let skipped: Vec<&str> = batch
            .report
            .skipped
            .iter()
            .map(|f| f.why.as_str())
            .collect();
        assert_eq!(skipped, [NOT_BINARY]);
        assert!(batch.report.artifacts.is_empty());
    }
}
