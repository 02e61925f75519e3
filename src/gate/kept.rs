//! The binaries of a saved baseline, kept so that a later run probes them again beside its own.
//! A baseline file's startup figures were measured in another run, minutes or days apart: a
//! change of the machine's load between the two reads as a change of the program (QA j: `just`
//! read +38% twice for a change that did not touch its start; the same binary read +11% a
//! minute later). `--save-baseline` keeps a copy of each probed binary under
//! `<target dir>/aotcheck/baseline-bins/<build-id>`; `--baseline FILE` on the same machine
//! probes the copies of its binaries (same build id and size) round by round with this run's,
//! as `--baseline-ref` does, and compares those figures. Elsewhere (a fresh CI machine) the
//! file's own figures are compared, as before.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::report::{Artifact, Report};

/// How many kept binaries stay: the oldest go first (several saves, a failed gate that did not
/// save its baseline, each keep theirs).
const KEEP: usize = 16;

/// Keep a copy of each probed binary of `report` in `dir` (when there is one: the run saves a
/// baseline), by build id; what cannot be kept is a warning of the report (the baseline itself
/// is saved regardless).
pub fn keep(dir: Option<&Path>, report: &mut Report) {
    let Some(dir) = dir else {
        return;
    };
    let mut failed = Vec::new();
    for a in report.artifacts.iter().filter(|a| a.probe.is_some()) {
        let Some(id) = a.binary.build_id.as_deref() else {
            continue;
        };
        let to = dir.join(id);
        if to.is_file() {
            // Touched, so that pruning keeps what was kept last.
            let _ = std::fs::File::options()
                .append(true)
                .open(&to)
                .and_then(|f| f.set_modified(std::time::SystemTime::now()));
            continue;
        }
        let copied = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::hard_link(&a.path, &to).or_else(|_| copy(&a.path, &to)));
        if let Err(e) = copied {
            failed.push(format!("`{}`: {e}", a.path));
        }
    }
    if !failed.is_empty() {
        report.warnings.push(format!(
            "cannot keep the baseline's binaries in {} to probe them again beside a later run \
             ({}): a later `--baseline` compares the saved startup figures",
            dir.display(),
            failed.join("; ")
        ));
    }
    prune(dir);
}

/// `from` copied to `to` through a temporary file beside it, so that no half copy is kept.
fn copy(from: &str, to: &Path) -> std::io::Result<()> {
    let part = to.with_extension("part");
    std::fs::copy(from, &part)?;
    std::fs::rename(&part, to)
}

/// Only the [`KEEP`] most recently kept binaries stay.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in files.into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(path);
    }
}

/// The artifacts of a baseline file (`base`: a `--baseline-ref` build is probed anyway) whose
/// binaries are kept in `dir` (the same build id and size), with their paths there and no
/// probe figures: to probe beside this run's. `None` when none is kept.
pub fn again(dir: &Path, base: &Option<(String, Cow<Report>)>) -> Option<Report> {
    let Some((_, Cow::Borrowed(base))) = base else {
        return None;
    };
    let kept = |a: &Artifact| -> Option<PathBuf> {
        let id = a.binary.build_id.as_deref()?;
        let path = dir.join(id);
        let size = std::fs::metadata(&path).ok()?.len();
        (a.probe.is_some() && size == a.binary.file_size && crate::inspect::build_id(&path)? == id)
            .then_some(path)
    };
    let artifacts: Vec<Artifact> = base
        .artifacts
        .iter()
        .filter_map(|a| {
            let path = kept(a)?;
            let mut a = a.clone();
            a.path = path.display().to_string();
            a.probe = None;
            Some(a)
        })
        .collect();
    (!artifacts.is_empty()).then(|| Report {
        artifacts,
        comparisons: Vec::new(),
        ..(*base).clone()
    })
}

/// Where the baseline's startup figures come from, against which this run's are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figures {
    /// Its kept binaries, probed again beside this run's ([`merge`]).
    Reprobed,
    /// This run made it (`--baseline-ref`) and probed it beside its own.
    Beside,
    /// The file's own, measured in another run: a change of the machine's load between the
    /// two reads as the program's.
    Apart,
}

impl Figures {
    /// Of the baseline once [`merge`] has run (`reprobed`: what it returned).
    pub fn of(base: &Option<(String, Cow<Report>)>, reprobed: bool) -> Figures {
        match base {
            _ if reprobed => Figures::Reprobed,
            Some((_, Cow::Owned(_))) => Figures::Beside,
            _ => Figures::Apart,
        }
    }
}

/// The baseline (`base`) with the probe figures of its binaries probed `again` (by package,
/// name and link mode); whether they were (`BaselineSummary::reprobed`). The file's warnings
/// that its machine was busy go: its startup figures are no longer compared.
pub fn merge(base: &mut Option<(String, Cow<Report>)>, again: Option<Report>) -> bool {
    let (Some((_, base)), Some(again)) = (base, again) else {
        return false;
    };
    // Nothing was probed again (`--no-probe`): the file's figures stand, and it was not
    // (QA o: `reprobed` was set with every probe null).
    if again.artifacts.iter().all(|a| a.probe.is_none()) {
        return false;
    }
    let out = base.to_mut();
    for fresh in again.artifacts {
        let same = |a: &&mut Artifact| {
            a.package == fresh.package && a.name == fresh.name && a.link_mode == fresh.link_mode
        };
        // A binary this run did not probe again (no longer built) keeps the file's figures.
        if let (Some(a), Some(probe)) = (out.artifacts.iter_mut().find(same), fresh.probe) {
            a.probe = Some(probe);
        }
    }
    if !again.comparisons.is_empty() {
        out.comparisons = again.comparisons;
    }
    out.warnings.retain(|w| !crate::probe::busy(w, false));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probed again, the file's figures are replaced: its own warning of a busy machine no
    /// longer describes what is compared (QA k: it was shown beside figures of this run's).
    #[test]
    fn merged_figures_drop_the_files_busy_warning() {
        let busy = "the machine was busy (load average 2.8 on 2 CPUs): timings are inflated";
        assert!(crate::probe::busy(busy, false));
        let mut file = Report::new(None);
        file.warnings = vec![busy.to_string(), "another warning".to_string()];
        let mut base = Some(("base.json".to_string(), Cow::Owned(file)));
        assert!(!merge(&mut base, None), "nothing probed again");
        assert_eq!(base.as_ref().map(|b| b.1.warnings.len()), Some(2));
        // QA o: kept binaries not probed (`--no-probe`) are not probed again.
        let mut kept = Report::new(None);
        kept.artifacts = vec![crate::report::test_artifact(1000)];
        assert!(!merge(&mut base, Some(kept.clone())), "--no-probe");
        assert_eq!(base.as_ref().map(|b| b.1.warnings.len()), Some(2));
        kept.artifacts[0].probe = Some(crate::report::Probe::default());
        assert!(merge(&mut base, Some(kept)));
        let (source, merged) = base.expect("a baseline");
        assert_eq!(source, "base.json");
        assert_eq!(merged.warnings, ["another warning"]);
    }
}
