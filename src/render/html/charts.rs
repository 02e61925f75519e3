//! The article's charts as inline SVG, one build per colour (the static build against the
//! regular one with `--compare`): startup (every probe sample a point, the median and the
//! spawn floor marked), memory at ready and sizes (bars). Axes carry units; each chart says
//! over how many runs.

use std::fmt::Write as _;

use super::Build;
use super::escape::text;
use super::svg::{Rect, num, ticks};
use crate::format::{ms, size};
use crate::report::Probe;

/// Width of every chart's `viewBox`; the page scales it.
const WIDTH: f64 = 400.0;
/// Room on the left for the labels of the rows.
const LEFT: f64 = 74.0;
const RIGHT: f64 = 22.0;
/// Room below for tick labels and the axis' title.
const BOTTOM: f64 = 40.0;
const TOP: f64 = 8.0;

/// The three charts of one binary target, side by side.
pub fn charts(s: &mut String, builds: &[Build]) {
    s.push_str("<div class=\"charts\">\n");
    startup(s, builds);
    memory(s, builds);
    sizes(s, builds);
    s.push_str("</div>\n");
}

fn figure_open(s: &mut String, class: &str, height: f64, label: &str) {
    let _ = writeln!(
        s,
        "<figure class=\"chart {class}\"><svg viewBox=\"0 0 {WIDTH} {}\" role=\"img\" \
         aria-label=\"{}\">",
        num(height),
        text(label)
    );
}

/// Vertical grid lines with their labels, and the axis' title below.
fn x_axis(s: &mut String, plot: Rect, axis: &[f64], label: &dyn Fn(f64) -> String, title: &str) {
    let end = axis.last().copied().unwrap_or(1.0);
    for &t in axis {
        let x = plot.x + t / end * plot.w;
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/>\
             <text class=\"tick\" x=\"{x}\" y=\"{}\">{}</text>",
            num(plot.y),
            num(plot.y + plot.h),
            num(plot.y + plot.h + 13.0),
            text(&label(t)),
            x = num(x)
        );
    }
    let _ = writeln!(
        s,
        "<text class=\"axis\" x=\"{}\" y=\"{}\">{}</text>",
        num(plot.x + plot.w / 2.0),
        num(plot.y + plot.h + 32.0),
        text(title)
    );
}

/// Height of a build's strip in the startup chart.
const BAND: f64 = 54.0;

/// One strip of the startup chart: a build's runs, or its baseline's (QA cu F6: the
/// re-probed baseline's runs, which the verdict compares with, were on no chart).
struct Strip {
    label: String,
    class: &'static str,
    /// Each run: its number, its time (ms), whether it was a warmup run.
    samples: Vec<(u32, f64, bool)>,
    median: Option<f64>,
    floor: Option<f64>,
}

/// The strips of `builds`: each probed build's runs, then, under it, its baseline's where a
/// `baseline.startup` check carries them.
fn strips(builds: &[Build]) -> Vec<Strip> {
    let mut out = Vec::new();
    for b in builds {
        let Some(p) = &b.artifact.probe else { continue };
        out.push(Strip {
            label: b.label.clone(),
            class: b.class,
            samples: p
                .samples
                .iter()
                .map(|x| (x.run, x.startup_ms, x.warmup))
                .collect(),
            median: p.startup_ms.as_ref().map(|t| t.median),
            floor: p.spawn_floor_ms,
        });
        let base = b.artifact.checks.iter().find(|c| {
            c.id == crate::report::CheckId::BaselineStartup && !c.baseline_samples.is_empty()
        });
        if let Some(c) = base {
            out.push(Strip {
                label: format!("{} (base)", b.label),
                class: "base",
                samples: (1..)
                    .zip(&c.baseline_samples)
                    .map(|(run, &t)| (run, t, false))
                    .collect(),
                median: c.baseline,
                floor: None,
            });
        }
    }
    out
}

/// Startup: a strip of points per build (and per baseline compared), hollow for warmup runs,
/// the median a solid line and the spawn floor a dashed one.
fn startup(s: &mut String, builds: &[Build]) {
    let probes: Vec<(&Build, &Probe)> = builds
        .iter()
        .filter_map(|b| b.artifact.probe.as_ref().map(|p| (b, p)))
        .collect();
    if probes.is_empty() {
        return;
    }
    let rows = strips(builds);
    let height = TOP + BAND * rows.len() as f64 + BOTTOM;
    let plot = Rect::new(LEFT, TOP, WIDTH - LEFT - RIGHT, BAND * rows.len() as f64);
    // Scaled to the counted runs: a slow warmup run (a cold cache) is drawn at the axis's
    // end, not the axis stretched to it (QA dr F6: one of 14 ms squeezed forty of 1.1 ms
    // into a few pixels). Warmup runs alone set it where nothing else was counted.
    let max_of = |warm: bool| {
        rows.iter()
            .flat_map(|r| {
                let samples = r.samples.iter().filter(move |x| warm || !x.2).map(|x| x.1);
                samples.chain(r.floor).chain(r.median)
            })
            .fold(0.0, f64::max)
    };
    let counted = max_of(false);
    let max = if counted > 0.0 { counted } else { max_of(true) };
    let axis = ticks(max, 5);
    let end = axis.last().copied().unwrap_or(1.0);
    let x = |v: f64| plot.x + v.min(end) / end * plot.w;
    figure_open(s, "startup", height, "startup time, every run");
    let tick = |t: f64| format!("{} ms", num(t));
    x_axis(s, plot, &axis, &tick, "time from spawn to ready (ms)");
    for (i, r) in rows.iter().enumerate() {
        strip(s, r, plot.y + BAND * i as f64, (&x, end));
    }
    s.push_str("</svg>\n<figcaption><b>Startup</b>: ");
    let mut parts: Vec<String> = probes
        .iter()
        .map(|(b, p)| {
            // The warmup runs that got ready, as the points show them; the failed ones with
            // how many were warmup (QA co F8: "9 runs + 3 warmup, 12 failed" of 23 made).
            let warm = p.samples.iter().filter(|x| x.warmup).count();
            let mut t = format!("{}: {} runs + {warm} warmup", text(&b.label), p.runs);
            if p.failures > 0 {
                let failed_warm = p.failed_runs.iter().filter(|f| f.warmup).count();
                let _ = write!(t, " got ready, {} failed", p.failures);
                if failed_warm > 0 {
                    let _ = write!(t, " ({failed_warm} of them warmup)");
                }
            }
            t
        })
        .collect();
    parts.extend(rows.iter().filter(|r| r.class == "base").map(|r| {
        format!(
            "{}: the baseline's {} counted runs the verdict compares with",
            text(&r.label),
            r.samples.len()
        )
    }));
    let past = match rows.iter().any(|r| r.samples.iter().any(|x| x.1 > end)) {
        true => ", a warmup run slower than the axis at its end",
        false => "",
    };
    let _ = writeln!(
        s,
        "{} (ready: <code>{}</code>). Each point is a run (hollow: warmup{past}); the line is \
         the median of the counted runs, the dashed line the spawn floor (a static program \
         that only calls <code>_exit</code>, timed the same way).</figcaption></figure>",
        parts.join("; "),
        text(&probes[0].1.ready)
    );
}

/// One strip: every sample a point (`x` its place, clamped at the axis's `end`), its median
/// and its spawn floor.
fn strip(s: &mut String, r: &Strip, top: f64, (x, end): (&dyn Fn(f64) -> f64, f64)) {
    let mid = top + BAND / 2.0;
    let _ = writeln!(
        s,
        "<text class=\"row\" x=\"{}\" y=\"{}\">{}</text><g class=\"samples {}\" \
         data-build=\"{}\">",
        num(LEFT - 6.0),
        num(mid + 4.0),
        text(&r.label),
        r.class,
        text(&r.label)
    );
    for &(run, t, warmup) in &r.samples {
        // Spread over the band so that equal times stay apart: a fixed, not random, shuffle.
        let jitter = ((f64::from(run) * 0.618_034) % 1.0 - 0.5) * BAND * 0.6;
        let warm = if warmup { " warm" } else { "" };
        // Past the axis (a warmup run slower than every counted one): at its end, saying so.
        let (beyond, past) = match t > end {
            true => (" beyond", ", past the axis"),
            false => ("", ""),
        };
        let _ = writeln!(
            s,
            "<circle class=\"sample{warm}{beyond}\" cx=\"{}\" cy=\"{}\" r=\"3\" \
             data-ms=\"{}\"><title>run {}{}: {}{past}</title></circle>",
            num(x(t)),
            num(mid + jitter),
            t,
            run,
            if warmup { " (warmup)" } else { "" },
            ms(t)
        );
    }
    s.push_str("</g>\n");
    if let Some(m) = r.median {
        marker(s, "median", x(m), top, &format!("median {}", ms(m)));
    }
    if let Some(f) = r.floor {
        marker(s, "floor", x(f), top, &format!("spawn floor {}", ms(f)));
    }
}

/// A vertical line across one band, with its value on hover and above the line.
fn marker(s: &mut String, class: &str, x: f64, top: f64, label: &str) {
    let _ = writeln!(
        s,
        "<line class=\"{class}\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"><title>{}</title></line>",
        num(top + 4.0),
        num(top + BAND - 4.0),
        text(label),
        x = num(x)
    );
}

/// One bar chart row: a figure and its value per build (`None`: unknown, with why).
struct Bar {
    label: &'static str,
    values: Vec<Result<u64, String>>,
}

/// Memory at ready, in bytes (the report has KiB), per build.
fn memory(s: &mut String, builds: &[Build]) {
    if builds.iter().all(|b| b.artifact.probe.is_none()) {
        return;
    }
    let field = |b: &Build, key: &str, get: fn(&Probe) -> Option<u64>| match &b.artifact.probe {
        None => Err("not probed".to_string()),
        Some(p) => get(p).map(|k| k.saturating_mul(1024)).ok_or_else(|| {
            p.unknown
                .get(&format!("memory_kib.{key}"))
                .cloned()
                .unwrap_or_else(|| "unknown".into())
        }),
    };
    let rows: Vec<Bar> = [
        (
            "RSS",
            "rss",
            (|p: &Probe| p.memory_kib.rss) as fn(&Probe) -> Option<u64>,
        ),
        ("PSS", "pss", |p: &Probe| p.memory_kib.pss),
        ("anonymous", "anon", |p: &Probe| p.memory_kib.anon),
        ("file-backed", "file", |p: &Probe| p.memory_kib.file),
    ]
    .into_iter()
    .map(|(label, key, get)| Bar {
        label,
        values: builds.iter().map(|b| field(b, key, get)).collect(),
    })
    .collect();
    let runs: Vec<String> = builds
        .iter()
        .filter_map(|b| {
            let p = b.artifact.probe.as_ref()?;
            Some(format!(
                "{}: {} of {} runs",
                text(&b.label),
                p.memory_runs,
                p.runs
            ))
        })
        .collect();
    // When it was read, as the terminal says it (QA bw F6): as the program exits where it is
    // timed until it exits.
    let exits: Vec<bool> = builds
        .iter()
        .filter_map(|b| Some(b.artifact.probe.as_ref()?.exit_mode()))
        .collect();
    let moment = match (exits.iter().all(|&e| e), exits.iter().any(|&e| e)) {
        (true, _) => "at exit",
        (false, true) => "at ready (at exit where timed until it exits)",
        (false, false) => "at ready",
    };
    let caption = format!(
        "<b>Memory {moment}</b>: medians over the runs whose memory could be read ({}), \
         summed over the process tree. PSS divides shared pages among the processes sharing \
         them; file-backed is the mapped binary and libraries.",
        runs.join("; ")
    );
    bars(
        s,
        "memory",
        builds,
        &rows,
        &format!("memory {moment}"),
        &caption,
    );
}

/// File, stripped and closure sizes per build, and with `--image` the image's (what a pull
/// transfers); the static-vs-regular table shows any metric the comparison has.
fn sizes(s: &mut String, builds: &[Build]) {
    let mut rows = vec![
        Bar {
            label: "file",
            values: builds
                .iter()
                .map(|b| Ok(b.artifact.binary.file_size))
                .collect(),
        },
        Bar {
            label: "stripped",
            values: builds
                .iter()
                .map(|b| {
                    let stripped = b.artifact.binary.stripped_size;
                    stripped.ok_or_else(|| "not an ELF file".to_string())
                })
                .collect(),
        },
        Bar {
            label: "closure",
            values: builds
                .iter()
                .map(|b| {
                    let closure = b.artifact.binary.closure_size;
                    closure.ok_or_else(|| "no closure resolved".to_string())
                })
                .collect(),
        },
    ];
    let images = builds.iter().any(|b| b.artifact.image.is_some());
    if images {
        rows.push(Bar {
            label: "image",
            values: builds
                .iter()
                .map(|b| {
                    let image = b.artifact.image.as_ref();
                    image
                        .map(|i| i.compressed_size)
                        .ok_or_else(|| "no image written for this build".to_string())
                })
                .collect(),
        });
    }
    let mut caption = "<b>Sizes</b>, from the files: as built; stripped (what <code>strip</code> \
                       leaves); the closure (the binary as built, unstripped, and every shared \
                       library it loads; an image of it ships the binary stripped)"
        .to_string();
    if images {
        caption.push_str(
            "; the image (<code>--image</code>): what a pull transfers, the manifest, the \
             config and the gzip layer",
        );
    }
    caption.push('.');
    bars(s, "sizes", builds, &rows, "size", &caption);
}

/// Horizontal bars, one group per row and one bar per build, on a byte axis.
fn bars(s: &mut String, class: &str, builds: &[Build], rows: &[Bar], title: &str, caption: &str) {
    let bar = 13.0;
    let group = bar * builds.len() as f64 + 10.0;
    let plot = Rect::new(
        LEFT,
        TOP,
        WIDTH - LEFT - RIGHT - 50.0,
        group * rows.len() as f64,
    );
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().filter_map(|v| v.as_ref().ok()))
        .max()
        .copied()
        .unwrap_or(0);
    let (unit, per) = if max >= 1024 * 1024 {
        ("MiB", 1024.0 * 1024.0)
    } else {
        ("KiB", 1024.0)
    };
    let axis = ticks(max as f64 / per, 4);
    let end = axis.last().copied().unwrap_or(1.0) * per;
    figure_open(s, class, TOP + plot.h + BOTTOM, title);
    let tick = |t: f64| format!("{} {unit}", num(t));
    x_axis(s, plot, &axis, &tick, &format!("{title} ({unit})"));
    for (i, row) in rows.iter().enumerate() {
        let top = plot.y + group * i as f64 + 5.0;
        let _ = writeln!(
            s,
            "<text class=\"row\" x=\"{}\" y=\"{}\">{}</text>",
            num(LEFT - 6.0),
            num(top + group / 2.0),
            row.label
        );
        for (j, (b, v)) in builds.iter().zip(&row.values).enumerate() {
            let y = top + bar * j as f64;
            match v {
                Ok(bytes) => {
                    let w = *bytes as f64 / end * plot.w;
                    let _ = writeln!(
                        s,
                        "<rect class=\"bar {}\" {} data-row=\"{}\" data-bytes=\"{bytes}\"><title>{}, \
                         {}: {} ({bytes} B)</title></rect><text class=\"value\" x=\"{}\" \
                         y=\"{}\">{}</text>",
                        b.class,
                        Rect::new(plot.x, y, w, bar - 2.0).attrs(),
                        row.label,
                        text(&b.label),
                        row.label,
                        size(*bytes),
                        num(plot.x + w + 3.0),
                        num(y + bar - 4.0),
                        size(*bytes)
                    );
                }
                Err(why) => {
                    let _ = writeln!(
                        s,
                        "<text class=\"value unknown\" x=\"{}\" y=\"{}\">{}: unknown<title>{}</title></text>",
                        num(plot.x + 3.0),
                        num(y + bar - 4.0),
                        text(&b.label),
                        text(why)
                    );
                }
            }
        }
    }
    let legend: Vec<String> = builds
        .iter()
        .map(|b| format!("<span class=\"key {}\"></span>{}", b.class, text(&b.label)))
        .collect();
    let _ = writeln!(
        s,
        "</svg>\n<figcaption>{caption} <span class=\"legend\">{}</span></figcaption></figure>",
        legend.join(" ")
    );
}

#[cfg(test)]
#[path = "charts_tests.rs"]
mod tests;
