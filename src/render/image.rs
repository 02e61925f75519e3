//! The image of a binary (`--image`): its size, files, what stayed out, and whether it starts
//! inside it; for the terminal and for Markdown.

use std::fmt::Write as _;

use super::Style;
use super::fill::labelled as row;
use crate::format::size;
use crate::output::{BAD, DIM, GOOD, WARN, paint};
use crate::report::{Artifact, FileWhy, Image, InImageOutcome, LeftOut, LeftOutWhy, Report};

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
            "{} to pull, {} as an uncompressed tar, {} of {} · {} · {}",
            size(i.compressed_size),
            size(i.uncompressed_size),
            files_and_links(&i.files),
            // The files' own bytes, what `du` of the unpacked tree counts (QA bn F6: the tar,
            // headers and padding included, was said to be "unpacked").
            size(i.files.iter().map(|f| f.size).sum()),
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
            "{} ({}), {}workdir {}",
            i.user_name,
            i.user,
            if i.home.is_empty() {
                String::new()
            } else {
                format!("home {} (its own, 0700), ", i.home)
            },
            i.workdir
        ),
    );
    // A command on one line, each word quoted for the shell, never broken: copied from a
    // log it runs (QA bn F7: the line broke between `-p` and its `8080`).
    let command: Vec<String> = i
        .entrypoint
        .iter()
        .map(|w| crate::format::shell_word(w))
        .collect();
    let label = paint(c, crate::output::HEADER, &format!("{:<12}", "entrypoint"));
    let _ = writeln!(s, "  {label} {}", command.join(" "));
    if let Some(from) = from.strip_prefix(' ') {
        row(s, c, "", from);
    }
    files(s, a, i, st);
    left_out(s, i, st);
    in_image(s, i, &a.findings, c);
    if let Some(why) = i.trace.reason.as_deref() {
        row(s, c, "traced", &paint(c, DIM, why));
    }
    for w in &i.warnings {
        super::fill::fill(s, &format!("  {}: ", paint(c, WARN, "warning")), w);
    }
}

/// The image's files (the first few, `-v` all) and the line on the system data the traced
/// run opened.
fn files(s: &mut String, a: &crate::report::Artifact, i: &Image, st: &Style) {
    let c = st.color;
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
        // A link's why is its target's, on that one's row.
        let (bytes, why) = match &f.link {
            Some(to) => ("link".to_string(), format!("→ {to}")),
            None => (size(f.size), f.why.as_str().to_string()),
        };
        let _ = writeln!(s, "    {:<width$}  {bytes:>10}  {why}", f.path);
    }
    if shown < i.files.len() {
        let rest = &i.files[shown..];
        let bytes: u64 = rest.iter().map(|f| f.size).sum();
        let rest = files_and_links(rest);
        let line = format!("{rest} more, {} (-v lists all)", size(bytes));
        let _ = writeln!(s, "    {}", paint(c, DIM, &line));
    }
    // What the traced run opened depends on what the probe made it do (QA cy F7: miniserve's
    // `/etc/localtime` under `--ready http`, which makes it log a request, not under `tcp`).
    // Said of a traced run that opened none too (QA cz F5: the `tcp` image lacked the
    // `/etc/localtime` a served request opens, and said nothing).
    if i.trace.traced {
        let ready = a.probe.as_ref().map_or("exit", |p| p.ready.as_str());
        let what = match i.files.iter().any(|f| f.why == FileWhy::RuntimeData) {
            true => "what the traced run opened",
            false => "none, as the traced run opened none",
        };
        let line = format!(
            "system data: {what} under --ready {ready}; paths that run did not take may need \
             others (image.files adds them)"
        );
        super::fill::fill_painted(s, "    ", &line, c, DIM);
    }
}

/// Opened at run time and not in the image; the runtime's own files only with `-v`.
fn left_out(s: &mut String, i: &Image, st: &Style) {
    let c = st.color;
    let shown: Vec<_> = i
        .not_in_image
        .iter()
        .filter(|l| st.verbose || l.why != LeftOutWhy::Runtime)
        .collect();
    // Counted where not listed: JSON and the page list them (QA au F4).
    let hidden = i.not_in_image.len() - shown.len();
    if i.not_in_image.is_empty() {
        return;
    }
    // Paths under another one listed for the same reason go with it, counted, but with `-v`
    // (QA bz F6: dua's thirty folders under its argument, a line each).
    let under = |l: &LeftOut, o: &LeftOut| {
        let dir = o.path.trim_end_matches('/');
        o.why == l.why
            && l.path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let listed: Vec<_> = shown
        .iter()
        .filter(|l| st.verbose || !shown.iter().any(|o| under(l, o)))
        .copied()
        .collect();
    row(s, c, "not in image", i.left_out_heading());
    for l in &listed {
        let mut said = l.said();
        let folded = shown.iter().filter(|o| under(o, l)).count();
        if folded > 0 && !st.verbose {
            let n = crate::format::count(folded, "path", "paths");
            said.push_str(&format!(" (and {n} under it, -v lists them)"));
        }
        // The path whole; the reason below it where the two would pass the width (QA as F3:
        // rows of 110 to 115 columns), filled there.
        let wide = 4 + l.path.chars().count() + 2 + said.len() > super::fill::WIDTH;
        if wide {
            let _ = writeln!(s, "    {}", l.path);
            match l.why {
                LeftOutWhy::NotCopied | LeftOutWhy::Program => {
                    super::fill::fill_painted(s, "      ", &said, c, WARN)
                }
                _ => super::fill::fill(s, "      ", &said),
            }
        } else {
            let why = match l.why {
                LeftOutWhy::NotCopied | LeftOutWhy::Program => paint(c, WARN, &said),
                _ => said,
            };
            let _ = writeln!(s, "    {}  {why}", l.path);
        }
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
            files_cell(i),
            short(&i.manifest_digest)
        );
    }
    s.push('\n');
}

/// How many of `files` are files and how many links: `291 files`, `146 files and 142 links`.
pub fn files_and_links(files: &[crate::report::ImageFile]) -> String {
    use crate::format::count;
    let links = files.iter().filter(|f| f.link.is_some()).count();
    let regular = count(files.len() - links, "file", "files");
    match links {
        0 => regular,
        _ => format!("{regular} and {}", count(links, "link", "links")),
    }
}

/// The Markdown's Files cell: how many files, and links apart (`146 and 142 links`).
fn files_cell(i: &Image) -> String {
    match i.files.iter().filter(|f| f.link.is_some()).count() {
        0 => i.files.len().to_string(),
        links => format!("{} and {links} links", i.files.len() - links),
    }
}

#[cfg(test)]
#[path = "image_tests.rs"]
mod tests;
