//! The inspect stage of `check`: every binary the plan selected, from one build, into the
//! report as an artifact.

use std::path::Path;

use crate::compile::Built;
use crate::error::{Error, Result};
use crate::output::Output;
use crate::plan::Plan;
use crate::report::{Artifact, FileId, Report};

/// Inspect the binaries of `built` that the plan selected; one warning for each that cargo did
/// not report. With the first build, a status line for each binary the plan left out as cargo
/// leaves it out (its `required-features` are off): not a warning.
pub fn built(plan: &Plan, built: &Built, report: &mut Report, out: &mut Output) -> Result<()> {
    if plan.links.first() == Some(&built.link) {
        for s in &plan.workspace.skipped {
            out.status("Skipping", s);
        }
    }
    built_for_the_target(built, report);
    let cwd = std::env::current_dir().unwrap_or_default();
    for bin in &plan.bins {
        let Some(b) = built.binary(&bin.target) else {
            report.warnings.push(format!(
                "cargo did not report a {} binary for `{}`",
                built.link.as_str(),
                bin.target.name
            ));
            continue;
        };
        out.status("Inspecting", &relative(&b.path, &cwd));
        let id = FileId::of(&b.path);
        let mut a = Artifact::new(
            Some(bin.target.package.clone()),
            bin.target.name.clone(),
            Some(built.link),
            b.path.display().to_string(),
            super::inspect_path(&b.path)?,
        );
        // Taken before the read: a file replaced during it reads as changed later.
        a.file_id = id;
        report.artifacts.push(a);
    }
    Ok(())
}

/// Each binary the run built is still the file it inspected: the later stages read it again
/// (the attribution, the audit, the probe, the image), and a report must describe one file.
/// Another file of the same length and build id is the same binary: cargo links its output
/// there again on every build, also of an unchanged binary (a concurrent run of this tool).
pub fn unchanged(report: &Report) -> Result<()> {
    for a in &report.artifacts {
        let Some(was) = a.file_id else { continue };
        let path = Path::new(&a.path);
        let now = FileId::of(path);
        let same = now == Some(was)
            || now.is_some_and(|n| n.bytes() == was.bytes())
                && a.binary.build_id.is_some()
                && build_id(path) == a.binary.build_id;
        if !same {
            return Err(Error::Replaced {
                path: a.path.clone(),
            });
        }
    }
    Ok(())
}

/// The GNU build id of the ELF file at `path`, in hex.
pub fn build_id(path: &Path) -> Option<String> {
    use object::Object as _;
    let file = super::Mapped::open(path).ok()?;
    let elf = object::File::parse(file.bytes()).ok()?;
    let id = elf.build_id().ok()??;
    Some(id.iter().map(|b| format!("{b:02x}")).collect())
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The crates the report records as built (`crate_inputs`, from cargo's resolve) narrowed to
/// those the build compiled for the target: the resolve holds proc-macros' dependencies and,
/// its features unified with the host's, optional dependencies the target's build does not
/// turn on (QA dc F1: tokei's `unicode_ident`, `indexmap`, `errno`, none of them in its binary's
/// build, were "built there ... all of it inlined" when a change brought them in).
/// None at all when the build made no rlib for the target (a package whose dependencies are
/// proc-macros alone, as audit-ctor's `ctor`).
fn built_for_the_target(built: &Built, report: &mut Report) {
    if let Some(b) = report.build.as_mut() {
        b.crate_inputs
            .retain(|k, _| built.libraries.iter().any(|l| l.crate_name == *k));
    }
}
