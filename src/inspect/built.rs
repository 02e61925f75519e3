//! The inspect stage of `check`: every binary the plan selected, from one build, into the
//! report as an artifact.

use std::path::Path;

use crate::compile::Built;
use crate::error::Result;
use crate::output::Output;
use crate::plan::Plan;
use crate::report::{Artifact, Report};

/// Inspect the binaries of `built` that the plan selected; one warning for each that cargo did
/// not report.
pub fn built(plan: &Plan, built: &Built, report: &mut Report, out: &mut Output) -> Result<()> {
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
        report.artifacts.push(Artifact::new(
            Some(bin.target.package.clone()),
            bin.target.name.clone(),
            Some(built.link),
            b.path.display().to_string(),
            super::inspect_path(&b.path)?,
        ));
    }
    Ok(())
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}
