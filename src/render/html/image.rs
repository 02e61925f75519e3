//! One build's OCI image (`--image`) on the page: what a pull transfers and what it unpacks to,
//! where the layout and its tar are, the digests, its user and entrypoint, every file and why
//! it is there, the files opened at run time that stayed out, and whether the binary started
//! inside the image (outcome, startup, memory, or the files it lacked and how to reproduce it).

use std::fmt::Write as _;

use super::escape::text;
use super::findings::{code, command, failed_runs, stats_row, stats_table};
use super::{Cell, ROWS, Table};
use crate::format::{size, thousands};
use crate::report::{Image, InImage, InImageOutcome, LeftOut, LeftOutWhy};

fn bytes(n: u64) -> String {
    format!(
        "{} <span class=\"dim\">({} B)</span>",
        size(n),
        thousands(n)
    )
}

fn codes(v: &[String]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter().map(|x| code(x)).collect::<Vec<_>>().join(" ")
}

/// The image of artifact number `ai`; nothing without one.
pub fn image(s: &mut String, image: Option<&Image>, ai: usize) {
    let Some(i) = image else { return };
    let _ = writeln!(
        s,
        "<section class=\"image\" id=\"img-{ai}\"><h4>Image {}: {} to pull, {}</h4>",
        code(&i.reference),
        size(i.compressed_size),
        outcome(&i.in_image)
    );
    facts(s, i);
    files(s, i);
    left_out(s, i);
    in_image(s, i);
    if !i.warnings.is_empty() {
        // Worded for the terminal: its backticked names as code (QA ci F10: raw backticks).
        let w: Vec<String> = i
            .warnings
            .iter()
            .map(|w| super::verdict::spans(w))
            .collect();
        let _ = writeln!(
            s,
            "<ul class=\"warnings\"><li>warning: {}</li></ul>",
            w.join("</li><li>warning: ")
        );
    }
    s.push_str("</section>\n");
}

/// Started, does not start, or skipped: a verdict badge.
fn outcome(r: &InImage) -> String {
    let (class, word) = match r.outcome {
        InImageOutcome::Started => ("pass", "starts in it"),
        InImageOutcome::Failed => ("fail", "does not start in it"),
        InImageOutcome::Skipped => ("warn", "start inside skipped"),
    };
    format!(
        "<span class=\"verdict {class}\" data-outcome=\"{}\">{word}</span>",
        r.outcome.as_str()
    )
}

/// Who the image runs as, where, and what it starts and exposes.
fn user_fact(i: &Image) -> String {
    let home = if i.home.is_empty() {
        String::new()
    } else {
        format!("home {} (its own, 0700), ", code(&i.home))
    };
    let mut user = format!(
        "{} ({}), {home}workdir {}, entrypoint {}",
        code(&i.user_name),
        text(&i.user),
        code(&i.workdir),
        codes(&i.entrypoint)
    );
    if !i.exposed_ports.is_empty() {
        let _ = write!(user, ", exposes {}", codes(&i.exposed_ports));
    }
    user
}

/// What a traced run of the binary opened, or why there was none.
fn traced_fact(i: &Image) -> String {
    let traced = if i.trace.traced {
        format!(
            "a traced run opened {} (the binary's own start included)",
            crate::format::count(i.trace.opened as usize, "file", "files")
        )
    } else {
        "not traced".to_string()
    };
    match &i.trace.reason {
        Some(r) => format!("{traced}: {}", super::verdict::spans(r)),
        None => traced,
    }
}

/// The image's facts: its sizes, digests, where it is, and how it runs.
fn facts(s: &mut String, i: &Image) {
    let (user, traced) = (user_fact(i), traced_fact(i));
    let rows = [
        (
            "to pull",
            format!(
                "<span class=\"image-size\" data-bytes=\"{}\">{}</span>: manifest, config and \
                 the gzip layer",
                i.compressed_size,
                bytes(i.compressed_size)
            ),
        ),
        (
            "layer tar",
            format!(
                "{}: the layer uncompressed, its files with their tar headers",
                bytes(i.uncompressed_size)
            ),
        ),
        (
            "platform",
            format!("{}/{}", text(&i.os), text(&i.architecture)),
        ),
        ("manifest", code(&i.manifest_digest)),
        ("config", code(&i.config_digest)),
        (
            "layer",
            format!(
                "{} (uncompressed: {})",
                code(&i.layer_digest),
                code(&i.diff_id)
            ),
        ),
        (
            "layout",
            format!(
                "{}; as one tar for <code>docker load</code> and <code>podman load</code>: {}",
                code(&i.layout),
                code(&i.tar)
            ),
        ),
        ("user", user),
        ("environment", codes(&i.env)),
        (
            "created",
            format!("{} (from {})", text(&i.created), text(&i.created_from)),
        ),
        (
            "binary",
            if i.stripped {
                "stripped: no symbols or debug info".into()
            } else {
                "with its symbols (<code>strip = false</code>)".into()
            },
        ),
        ("run-time files", traced),
    ];
    s.push_str("<dl class=\"facts\">");
    for (k, v) in rows {
        let _ = write!(s, "<dt>{k}</dt><dd>{v}</dd>");
    }
    s.push_str("</dl>\n");
}

/// Every file in the image and why it is there.
fn files(s: &mut String, i: &Image) {
    let total: u64 = i.files.iter().map(|f| f.size).sum();
    let _ = writeln!(
        s,
        "<details><summary>{} in the image, {}</summary>",
        crate::render::image::files_and_links(&i.files),
        size(total)
    );
    let mut t = Table::new(
        "image-files",
        &[
            ("Path", false),
            ("Size", true),
            ("Mode", false),
            ("Owner", false),
            ("Why", false),
            ("From", false),
        ],
    );
    for f in i.files.iter().take(ROWS) {
        t.row(vec![
            Cell::Text(code(&f.path)),
            match &f.link {
                Some(to) => Cell::Num(0.0, format!("link to {}", code(to))),
                None => Cell::Num(f.size as f64, size(f.size)),
            },
            Cell::Text(code(&f.mode)),
            Cell::Text(format!("{}:{}", f.uid, f.gid)),
            Cell::Text(text(f.why.as_str())),
            Cell::Text(
                f.source
                    .as_deref()
                    .map_or_else(|| "written by cargo-aotcheck".into(), code),
            ),
        ]);
    }
    let more = i.files.len().saturating_sub(ROWS);
    t.finish(
        s,
        (more > 0).then(|| format!("{more} more files are in the JSON report.")),
    );
    s.push_str("</details>\n");
}

/// Files the binary opened at run time on this machine that the image does not hold; those
/// the container runtime provides (`/proc`, `/dev`) folded under a line that counts them
/// (QA di F4: procs's hundred `/proc/N/...` paths were the list).
fn left_out(s: &mut String, i: &Image) {
    if i.not_in_image.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<p>{}, not in the image ({}):</p>",
        crate::format::capitalised(i.left_out_heading()),
        i.not_in_image.len()
    );
    let (runtime, others): (Vec<&LeftOut>, Vec<&LeftOut>) = i
        .not_in_image
        .iter()
        .partition(|l| l.why == LeftOutWhy::Runtime);
    left_out_list(s, &others);
    if !runtime.is_empty() {
        let files = crate::format::count(runtime.len(), "file", "files");
        let _ = writeln!(
            s,
            "<details class=\"runtime-files\"><summary>{files} provided by the container \
             runtime</summary>"
        );
        left_out_list(s, &runtime);
        s.push_str("</details>\n");
    }
}

/// A list of files left out of the image, the first [`ROWS`], with a note counting the rest.
fn left_out_list(s: &mut String, list: &[&LeftOut]) {
    if list.is_empty() {
        return;
    }
    s.push_str("<ul class=\"not-in-image\">\n");
    for l in list.iter().take(ROWS) {
        let class = match l.why {
            LeftOutWhy::NotCopied | LeftOutWhy::Program => "warn-text",
            LeftOutWhy::Secret
            | LeftOutWhy::Runtime
            | LeftOutWhy::Home
            | LeftOutWhy::ProbeArgument
            | LeftOutWhy::LocalCa
            | LeftOutWhy::LocalCaInBundle => "dim",
        };
        let _ = writeln!(
            s,
            "<li>{}: <span class=\"{class}\">{}</span></li>",
            code(&l.path),
            text(&l.said())
        );
    }
    s.push_str("</ul>\n");
    let more = list.len().saturating_sub(ROWS);
    if more > 0 {
        let _ = writeln!(
            s,
            "<p class=\"note\">{more} more are in the JSON report.</p>"
        );
    }
}

/// The startup probe inside the image's own root filesystem, as the image's user.
fn in_image(s: &mut String, image: &Image) {
    let r = &image.in_image;
    let _ = write!(
        s,
        "<div class=\"in-image\"><p>Inside the image: {}",
        outcome(r)
    );
    if let Some(why) = &r.reason {
        let _ = write!(s, ": {}", super::verdict::spans(why));
    }
    if !r.ready.is_empty() {
        let _ = write!(
            s,
            " (ready: {}; {} runs ready, {} failed; the namespaces' set-up included; on this \
             machine's network)",
            code(&r.ready),
            r.runs,
            r.failures
        );
    }
    s.push_str(".</p>\n");
    if let Some(st) = &r.startup_ms {
        let mut t = stats_table();
        stats_row(&mut t, "startup in the image", st);
        t.finish(s, None);
    }
    let m = &r.memory_kib;
    if m.rss.is_some() {
        let kib =
            |v: Option<u64>| v.map_or_else(|| "unknown".into(), |k| size(k.saturating_mul(1024)));
        let _ = writeln!(
            s,
            "<p>Memory {} in the image: RSS {}, peak {}, PSS {}, anonymous {}, \
             file-backed {}.</p>",
            if r.ready.starts_with("exit") {
                "at exit"
            } else {
                "at ready"
            },
            kib(m.rss),
            kib(m.hwm),
            kib(m.pss),
            kib(m.anon),
            kib(m.file)
        );
    }
    if r.outcome == InImageOutcome::Failed && r.started_on_host == Some(true) {
        s.push_str(if r.denied.is_empty() {
            "<p class=\"bad-text\">The same binary started on the host: the image lacks what \
             it had there.</p>\n"
        } else {
            "<p class=\"bad-text\">The same binary started on the host: in the image, its \
             user was not allowed what it did there.</p>\n"
        });
    }
    if !r.denied.is_empty() {
        s.push_str(
            "<p>Not allowed to the image's user (opened, made or run):</p><ul class=\"denied\">",
        );
        for p in &r.denied {
            let _ = write!(s, "<li>{}</li>", code(p));
        }
        s.push_str("</ul>\n");
    }
    if !r.missing.is_empty() {
        s.push_str("<p>Looked for in the image (opened or looked up), not there:</p><ul class=\"missing\">");
        for m in &r.missing {
            let why = crate::render::words::missing_note(image, m);
            let _ = write!(s, "<li>{}{}</li>", code(&m.path), text(&why));
        }
        s.push_str("</ul>\n");
    }
    if let Some(cmd) = &r.reproduce {
        let _ = write!(s, "<p>Reproduce:</p>{}", command(cmd));
    }
    failed_runs(s, &r.failed_runs);
    s.push_str("</div>\n");
}
