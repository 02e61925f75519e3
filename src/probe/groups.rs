//! The probe's groups: the binaries probed together (equal settings, interleaved round by
//! round), and the status line that says what each group is about to run.

use crate::plan::ProbeSettings;
use crate::report::Report;

/// What the probe is about to do, one line per group of [`groups`]: the binaries, the runs
/// and the readiness (QA bn F8: the longest step of a run had no status line when stderr is
/// not a terminal, where the progress bar is not drawn). Those from `ours` on are the
/// baseline's (QA bq F5: `xh (static), xh (static)`).
pub(super) fn announced(
    report: &Report,
    groups: &[(ProbeSettings, Vec<usize>)],
    ours: usize,
) -> Vec<String> {
    groups
        .iter()
        .map(|(s, members)| {
            let names: Vec<String> = members
                .iter()
                .map(|&i| {
                    let a = &report.artifacts[i];
                    let whose = if i >= ours { "the baseline's " } else { "" };
                    format!(
                        "{whose}{} ({})",
                        a.name,
                        a.link_mode.map_or("", |l| l.as_str())
                    )
                })
                .collect();
            let warmup = match s.warmup {
                0 => String::new(),
                1 => " after 1 warm-up".to_string(),
                n => format!(" after {n} warm-ups"),
            };
            let each = if names.len() > 1 { " each" } else { "" };
            format!(
                "{}: {} runs{warmup}{each}, ready: {}",
                names.join(", "),
                s.runs,
                s.ready
            )
        })
        .collect()
}

/// The artifacts `settings_for` gives settings for (built ones: a link mode), grouped by
/// equal settings, in report order: each group is probed together, interleaved.
pub(super) fn groups(
    report: &Report,
    settings_for: &dyn Fn(&crate::report::Artifact) -> Option<ProbeSettings>,
) -> Vec<(ProbeSettings, Vec<usize>)> {
    let mut groups: Vec<(ProbeSettings, Vec<usize>)> = Vec::new();
    for (i, a) in report.artifacts.iter().enumerate() {
        if a.link_mode.is_none() {
            continue;
        }
        let Some(opts) = settings_for(a) else {
            continue;
        };
        match groups.iter_mut().find(|(o, _)| *o == opts) {
            Some((_, members)) => members.push(i),
            None => groups.push((opts, vec![i])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA bq F5: a kept baseline binary probed beside this run's is named as the baseline's,
    /// not as a second `xh (static)`.
    #[test]
    fn the_baseline_s_binaries_are_named_so() {
        let mut r = Report::new(None);
        for _ in 0..2 {
            let mut a = crate::report::test_artifact(1000);
            a.name = "xh".into();
            a.link_mode = Some(crate::report::LinkMode::Static);
            r.artifacts.push(a);
        }
        let settings = ProbeSettings::default();
        let groups = groups(&r, &|_| Some(settings.clone()));
        let lines = announced(&r, &groups, 1);
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("xh (static), the baseline's xh (static): "),
            "{lines:?}"
        );
    }
}
