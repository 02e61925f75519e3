//! The image of a binary (`--image`): its size, files, what stayed out, and whether it starts
//! inside it; for the terminal and for Markdown.

use std::fmt::Write as _;

use super::Style;
use super::fill::labelled as row;
use crate::format::size;
use crate::output::{BAD, DIM, GOOD, WARN, paint};
use crate::report::{Artifact, Image, InImageOutcome, LeftOutWhy, Report};

/// Files listed before the rest is folded into one line (`-v` lists all).
const FILES_SHOWN: usize = 8;

fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

fn ms(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// The image rows of one artifact (nothing without `--image`).
pub fn human(s: &mut String, a: &crate::report::Artifact, st: &Style) {
    let Some(i) = a.image.as_deref() else { return };
    let c = st.color;
    row(
        s,
        c,
        "image",
        &format!(
            "{} to pull, {} unpacked, {} files · {} · {}",
            size(i.compressed_size),
            size(i.uncompressed_size),
            i.files.len(),
            i.reference,
            short(&i.manifest_digest)
        ),
    );
    let _ = writeln!(
        s,
        "  {:<12} {}",
        "",
        paint(c, DIM, &format!("{} (and .tar)", i.layout))
    );
    // The probe's arguments became the image's: said, with how to set others (QA aw F4).
    let from = match i.args_from.as_deref() {
        Some("probe") => " (its arguments are the probe's; `image.args` in the config sets others)",
        _ => "",
    };
    row(
        s,
        c,
        "image user",
        &format!(
            "{} ({}), workdir {}, entrypoint {}{from}",
            i.user_name,
            i.user,
            i.workdir,
            i.entrypoint.join(" ")
        ),
    );
    let shown = if st.verbose {
        i.files.len()
    } else {
        FILES_SHOWN.min(i.files.len())
    };
    let width = i.files[..shown]
        .iter()
        .map(|f| f.path.len())
        .max()
        .unwrap_or(0)
        .min(48);
    for f in &i.files[..shown] {
        let _ = writeln!(
            s,
            "    {:<width$}  {:>10}  {}",
            f.path,
            size(f.size),
            f.why.as_str()
        );
    }
    if shown < i.files.len() {
        let rest = &i.files[shown..];
        let bytes: u64 = rest.iter().map(|f| f.size).sum();
        let line = format!("{} more files, {} (-v lists all)", rest.len(), size(bytes));
        let _ = writeln!(s, "    {}", paint(c, DIM, &line));
    }
    left_out(s, i, st);
    in_image(s, i, &a.findings, c);
    if let Some(why) = i.trace.reason.as_deref() {
        row(s, c, "traced", &paint(c, DIM, why));
    }
    for w in &i.warnings {
        super::fill::fill(s, &format!("  {}: ", paint(c, WARN, "warning")), w);
    }
}

/// Opened at run time and not in the image; the runtime's own files only with `-v`.
fn left_out(s: &mut String, i: &Image, st: &Style) {
    let c = st.color;
    let listed: Vec<_> = i
        .not_in_image
        .iter()
        .filter(|l| st.verbose || l.why != LeftOutWhy::Runtime)
        .collect();
    // Counted where not listed: JSON and the page list them (QA au F4).
    let hidden = i.not_in_image.len() - listed.len();
    if i.not_in_image.is_empty() {
        return;
    }
    row(s, c, "not in image", "opened at run time on this machine");
    for l in &listed {
        let why = match l.why {
            LeftOutWhy::NotCopied => paint(c, WARN, l.why.as_str()),
            _ => l.why.as_str().to_string(),
        };
        // The path whole; the reason below it where the two would pass the width (QA as F3:
        // rows of 110 to 115 columns).
        let wide = 4 + l.path.chars().count() + 2 + l.why.as_str().len() > super::fill::WIDTH;
        let gap = if wide { "\n      " } else { "  " };
        let _ = writeln!(s, "    {}{gap}{why}", l.path);
    }
    if hidden > 0 {
        let files = crate::format::count(hidden, "file", "files");
        let and = if listed.is_empty() { "" } else { "and " };
        let line = format!("{and}{files} provided by the container runtime (-v lists them)");
        let _ = writeln!(s, "    {}", paint(c, DIM, &line));
    }
}

fn in_image(s: &mut String, image: &Image, findings: &[crate::report::Finding], c: bool) {
    let r = &image.in_image;
    let text = match r.outcome {
        InImageOutcome::Started => {
            let mut v = paint(c, GOOD, "started");
            if let Some(t) = &r.startup_ms {
                let runs = crate::format::count(r.runs as usize, "run", "runs");
                let _ = write!(v, ": median {} over {runs}", ms(t.median));
            }
            if let Some(rss) = r.memory_kib.rss {
                let _ = write!(v, ", RSS {}", size(rss.saturating_mul(1024)));
            }
            // The run shares this machine's network (QA bh F6: xh reached a server on the
            // host's 127.0.0.1, which under a container runtime it would not).
            let _ = write!(
                v,
                " (ready: {}; namespace set-up included; on this machine's network)",
                r.ready
            );
            if r.failures > 0 {
                let failed = crate::format::count(r.failures as usize, "run", "runs");
                let _ = write!(v, "; {failed} failed");
            }
            v
        }
        InImageOutcome::Failed => {
            let why = r.failed_runs.last().map_or("", |f| f.message.as_str());
            let why = if why.is_empty() {
                r.reason.as_deref().unwrap_or("")
            } else {
                why
            };
            format!("{}: {why}", paint(c, BAD, "does not start"))
        }
        InImageOutcome::Skipped => format!(
            "{}: {}",
            paint(c, WARN, "skipped"),
            r.reason.as_deref().unwrap_or("not run")
        ),
    };
    row(s, c, "in image", &text);
    if r.outcome != InImageOutcome::Failed {
        return;
    }
    for line in r
        .failed_runs
        .last()
        .map(|f| f.stderr_last(crate::report::STDERR_LINES))
        .unwrap_or_default()
    {
        super::fill::fill_quoted(s, "    | ", line);
    }
    // Filled (QA am F1: a host path's note of 197 columns).
    if let Some(why) = r.reason.as_deref().filter(|_| !r.failed_runs.is_empty()) {
        super::fill::fill(s, "    ", why);
    }
    for m in &r.missing {
        let why = super::words::missing_note(image, m);
        super::fill::fill(s, "    missing: ", &format!("{}{why}", m.path));
    }
    for p in &r.denied {
        let _ = writeln!(s, "    denied: {p} (to the image's user)");
    }
    // Once: a finding above that gives the same command is pointed at (QA an F5: a command of
    // 1,180 characters written twice).
    if let Some(cmd) = &r.reproduce {
        match findings.iter().find(|f| f.reproduce.as_ref() == Some(cmd)) {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "    reproduce: the command of the {} finding above",
                    f.rule
                );
            }
            None => {
                let _ = writeln!(s, "    reproduce: {cmd}");
            }
        }
    }
}

/// One table of the images of a run (nothing without `--image`); `escape` makes text safe in
/// Markdown (the Markdown renderer's own).
/// `label` names the binary in a table cell, as the other tables do (QA au F6: plain text
/// here, code there).
pub fn markdown(
    s: &mut String,
    report: &Report,
    escape: fn(&str) -> String,
    label: fn(&Artifact) -> String,
) {
    let images: Vec<_> = report
        .artifacts
        .iter()
        .filter_map(|a| a.image.as_ref().map(|i| (a, i)))
        .collect();
    if images.is_empty() {
        return;
    }
    let _ = writeln!(s, "### Images\n");
    let _ = writeln!(
        s,
        "| Binary | To pull | Unpacked | Files | Starts in its image | Digest |"
    );
    let _ = writeln!(s, "|---|--:|--:|--:|---|---|");
    for (a, i) in images {
        let r = &i.in_image;
        let start = match r.outcome {
            InImageOutcome::Started => "✅ started (on this machine's network)".to_string(),
            InImageOutcome::Failed => {
                // What a container runtime mounts (`/proc`) is no cause: `docker run` has it.
                // An argument of the entrypoint by its own name, as the finding gives it.
                let mut lacks: Vec<&str> = r
                    .missing
                    .iter()
                    .map(|m| i.argument_of(&m.path).unwrap_or(&m.path))
                    .filter(|p| !crate::image::is_runtime(p))
                    .collect();
                lacks.dedup();
                if lacks.is_empty() {
                    "❌ does not start".into()
                } else {
                    format!("❌ does not start; lacks {}", escape(&lacks.join(", ")))
                }
            }
            InImageOutcome::Skipped => format!(
                "⚠️ skipped: {}",
                escape(r.reason.as_deref().unwrap_or("not run"))
            ),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {start} | `{}` |",
            label(a),
            size(i.compressed_size),
            size(i.uncompressed_size),
            i.files.len(),
            short(&i.manifest_digest)
        );
    }
    s.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image that does not start: a file it needs is missing, one is left out.
    fn failed() -> Image {
        serde_json::from_value(serde_json::json!({
            "layout": "/t/image/app/app/static", "tar": "/t/image/app/app/static.tar",
            "reference": "app:1.0.0",
            "manifest_digest": "sha256:0123456789abcdef0123456789abcdef",
            "config_digest": "sha256:c", "layer_digest": "sha256:l", "diff_id": "sha256:d",
            "architecture": "amd64", "os": "linux", "compressed_size": 570_000,
            "uncompressed_size": 1_300_000, "created": "1970-01-01T00:00:00Z",
            "created_from": "zero", "user": "65532:65532", "user_name": "nonroot",
            "workdir": "/app", "entrypoint": ["/app/app", "--serve"], "env": [],
            "stripped": true,
            "files": [
                {"path": "/app/app", "size": 1_240_000, "mode": "0755", "uid": 0, "gid": 0,
                 "why": "binary", "source": "/t/static/app"},
                {"path": "/etc/group", "size": 27, "mode": "0644", "uid": 0, "gid": 0,
                 "why": "user", "source": null}
            ],
            "trace": {"traced": true, "opened": 3},
            "not_in_image": [
                {"path": "/proc/self/maps", "why": "runtime"},
                {"path": "/src/app/data.txt", "why": "not-copied"},
                {"path": "/srv/app/templates/theme/FontAwesome/fonts/fontawesome-webfont.woff2",
                 "why": "not-copied"}
            ],
            "in_image": {
                "outcome": "failed", "reproduce": "unshare ... /app/app", "ready": "exit",
                "runs": 0, "failures": 2, "started_on_host": true,
                "failed_runs": [{"run": 1, "warmup": true, "kind": "exit-status",
                    "message": "exited with status 1", "exit_code": 1, "signal": null,
                    "core_dumped": false, "stderr_tail": "cannot read /src/app/data.txt",
                    "stdout_tail": ""}],
                "missing": [{"path": "/src/app/data.txt", "opened_on_host": true}]
            }
        }))
        .expect("image")
    }

    /// QA bh F6: a start inside the image says that it had this machine's network (xh reached
    /// a server on the host's loopback address, which a container's would not have).
    #[test]
    fn a_start_in_the_image_says_whose_network_it_had() {
        let mut a = crate::report::test_artifact(1);
        a.image = Some(Box::new(crate::report::test_image(serde_json::json!({
            "outcome": "started", "ready": "exit", "runs": 5, "failures": 0
        }))));
        let mut s = String::new();
        human(&mut s, &a, &Style::plain());
        let line = s
            .lines()
            .find(|l| l.contains("in image"))
            .expect("in image row");
        assert!(line.contains("started (ready: exit;"), "{line}");
        assert!(s.contains("on this machine's network)"), "{s}");
    }

    #[test]
    fn human_rows_of_an_image_that_does_not_start() {
        let mut s = String::new();
        let mut a = crate::report::test_artifact(1);
        a.image = Some(Box::new(failed()));
        human(&mut s, &a, &Style::plain());
        // QA as F3: a long path's reason goes below it, within the width.
        let wide: Vec<&str> = s
            .lines()
            .filter(|l| l.chars().count() > super::super::fill::WIDTH)
            .collect();
        assert!(wide.is_empty(), "{wide:?}");
        insta::assert_snapshot!(s);
    }

    #[test]
    fn markdown_row_of_an_image_that_does_not_start() {
        let a = crate::report::Artifact::new(
            Some("app".into()),
            "app".into(),
            Some(crate::report::LinkMode::Static),
            "/t/static/app".into(),
            serde_json::from_value(serde_json::json!({
                "format": "elf", "arch": "x86_64", "elf_type": "DYN", "pie": true,
                "linkage": "static-pie", "interpreter": null, "needed": [], "rpath": [],
                "runpath": [], "file_size": 1, "stripped_size": 1, "debug_size": 0,
                "symtab_size": 0, "sections": [], "build_id": null,
                "init_array_entries": 2, "glibc_floor": null, "version_needs": [],
                "closure": [], "closure_size": 1
            }))
            .expect("binary"),
        );
        let mut report = Report::new(None);
        report.artifacts.push(crate::report::Artifact {
            image: Some(Box::new(failed())),
            ..a
        });
        let mut s = String::new();
        markdown(
            &mut s,
            &report,
            super::super::markdown::escape,
            super::super::markdown::binary_label,
        );
        insta::assert_snapshot!(s);
    }

    /// QA ae, 5: miniserve served `/tmp/qa/ae/www`; the start inside found no `/tmp`, and the
    /// section said "missing: /tmp" where the finding said the image lacks `/tmp/qa/ae/www`.
    #[test]
    fn a_missing_path_names_the_argument_it_leads_to() {
        let mut image = failed();
        image.entrypoint = vec!["/app/app".into(), "/tmp/qa/ae/www".into()];
        image.in_image.missing = vec![
            crate::report::Missing {
                path: "/tmp".into(),
                opened_on_host: false,
            },
            crate::report::Missing {
                path: "/etc/app.toml".into(),
                opened_on_host: true,
            },
        ];
        let mut s = String::new();
        in_image(&mut s, &image, &[], false);
        assert!(
            s.contains(
                "missing: /tmp (on the way to /tmp/qa/ae/www, an argument of the entrypoint)"
            ),
            "{s}"
        );
        assert!(
            s.contains("missing: /etc/app.toml (opened on the host)"),
            "{s}"
        );
        let mut report = Report::new(None);
        let mut a = crate::report::test_artifact(1);
        a.image = Some(Box::new(image));
        report.artifacts.push(a);
        let mut md = String::new();
        markdown(
            &mut md,
            &report,
            super::super::markdown::escape,
            super::super::markdown::binary_label,
        );
        assert!(md.contains("lacks /tmp/qa/ae/www, /etc/app.toml"), "{md}");
    }

    /// QA aw F4: btm's image started `/app/btm --version`, the probe's arguments, with no
    /// word of where they came from or how to set others; `image.args` of its own is not
    /// remarked on.
    #[test]
    fn arguments_from_the_probe_are_said_to_be() {
        let mut a = crate::report::test_artifact(1);
        let mut image = failed();
        image.entrypoint = vec!["/app/app".into(), "--version".into()];
        image.args_from = Some("probe".into());
        a.image = Some(Box::new(image.clone()));
        let mut s = String::new();
        human(&mut s, &a, &Style::plain());
        let said = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            said.contains(
                "entrypoint /app/app --version (its arguments are the probe's; `image.args` in \
                 the config sets others)"
            ),
            "{s}"
        );
        image.args_from = Some("image.args".into());
        a.image = Some(Box::new(image));
        let mut s = String::new();
        human(&mut s, &a, &Style::plain());
        assert!(!s.contains("the probe's"), "{s}");
    }

    /// QA an F5: the start inside the image's command (1,180 characters) was written under the
    /// AOT011 finding and again under `in image`; the second points at the first.
    #[test]
    fn a_command_a_finding_gives_is_pointed_at() {
        let mut image = failed();
        let cmd = "d=$(mktemp -d) && tar -xzf layer && unshare -r chroot \"$d\" /app/app";
        image.in_image.reproduce = Some(cmd.into());
        let finding: crate::report::Finding = serde_json::from_value(serde_json::json!({
            "rule": "AOT011", "title": "does not start in its image", "severity": "error",
            "crate": "app", "version": "1.0.0", "path": ["app"], "evidence": [],
            "allowed": false, "advice": "a", "reproduced": true, "reproduce": cmd
        }))
        .expect("finding");
        let mut s = String::new();
        in_image(&mut s, &image, std::slice::from_ref(&finding), false);
        assert!(!s.contains(cmd), "{s}");
        assert!(
            s.contains("reproduce: the command of the AOT011 finding above"),
            "{s}"
        );
        let mut s = String::new();
        in_image(&mut s, &image, &[], false);
        assert!(s.contains(&format!("reproduce: {cmd}")), "{s}");
    }
}
