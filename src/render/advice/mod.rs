//! The size advisor's output (`cargo aotcheck advise`): a ranked table of the variants per
//! binary, the features left out, the trade-offs, the lines to paste.
//!
//! The hook for other formats: [`rows`], [`feature_rows`] and [`costs`] give every cell as
//! text, in the report's (ranked) order; [`human()`] and `markdown::advice` only lay them
//! out, and an HTML report can take them as they are. Nothing here computes a figure: the
//! report has them all.

mod human;
mod startup;

pub use human::human;
use startup::startup_change;
pub use startup::{slower_knobs, startup_cell, startup_short, startup_words};

use super::probe::kib;
use crate::format::{ms, percent};
use crate::format::{signed_size, size};
use crate::report::{
    Advice, BinaryAdvice, Change, FeatureAdvice, LeavingCrate, Measured, Variant, VariantStatus,
};

/// One variant as cells of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// As written in a profile: `lto = "fat"`.
    pub knob: String,
    pub status: VariantStatus,
    pub file_size: String,
    pub change: String,
    pub percent: String,
    pub stripped_size: String,
    pub stripped_percent: String,
    pub startup: String,
    /// The start-up median's change against the base's, where its 95% interval holds no
    /// change (`+103%`); `≈` where it does (within the noise); empty without an interval.
    pub startup_change: String,
    pub memory: String,
    pub build: String,
    /// For rows without figures: already in the profile, the build's first error, not built.
    pub note: String,
    /// What the knob costs besides bytes.
    pub tradeoff: String,
}

/// One feature left out, as cells of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureRow {
    pub feature: String,
    pub enables: String,
    pub status: VariantStatus,
    pub saved: String,
    pub percent: String,
    pub stripped_saved: String,
    /// The start-up median and its change as in [`startup_cell`]: `2.01 ms (≈)`; empty when
    /// not probed.
    pub startup: String,
    /// The crates leaving, or why they could not be named.
    pub crates_leaving: String,
    /// The crates that stay and shrink most, `regex_syntax (675 KiB → 179 KiB)`; empty when
    /// none.
    pub crates_shrinking: String,
    /// The other features the variant had to leave out (those that need this one), in words:
    /// "also leaves out `tls` (it needs `rustls`)"; empty when none.
    pub also: String,
    pub note: String,
}

/// The base first, then the variants as ranked, then the combined one.
pub fn rows(b: &BinaryAdvice) -> Vec<Row> {
    std::iter::once(&b.base)
        .chain(&b.variants)
        .chain(&b.combined)
        .map(row)
        .collect()
}

/// Whether every build of `b` is stripped already (its stripped size its file size: a profile
/// that strips): the terminal leaves the stripped columns out, which repeated the file size
/// on every row (QA cf F8).
pub fn stripped_already(b: &BinaryAdvice) -> bool {
    std::iter::once(&b.base)
        .chain(&b.variants)
        .chain(&b.combined)
        .filter_map(|v| v.measured.file_size.zip(v.measured.stripped_size))
        .all(|(file, stripped)| file == stripped)
}

fn row(v: &Variant) -> Row {
    let m = &v.measured;
    let c = m.change.as_ref();
    let note = match v.status {
        VariantStatus::Measured => v.error.clone().unwrap_or_default(),
        // Built but not probed (an interrupted run) says so under its figures.
        VariantStatus::NotProbed => v.error.clone().unwrap_or_default(),
        VariantStatus::Already => "already in the profile".into(),
        VariantStatus::Failed => format!(
            "does not build: {}",
            v.error.as_deref().unwrap_or("(no error line)")
        ),
        VariantStatus::NotReady => not_ready(v.error.as_deref()),
        VariantStatus::NotBuilt => not_built(v.error.as_deref()),
    };
    let knob = if v.id == "combined" {
        "combined".to_string()
    } else {
        v.knob.clone()
    };
    Row {
        knob,
        status: v.status,
        file_size: opt(m.file_size, size),
        change: opt(c.map(|c| c.file_size), |d| signed_size(d.into())),
        percent: opt(c.map(|c| c.file_size_percent), pct),
        stripped_size: opt(m.stripped_size, size),
        stripped_percent: opt(c.and_then(|c| c.stripped_size_percent), pct),
        startup: match v.status {
            VariantStatus::NotReady => NOT_READY.into(),
            _ => opt(m.startup_ms, ms),
        },
        startup_change: match v.status {
            VariantStatus::Measured => startup_change(c),
            _ => String::new(),
        },
        memory: opt(m.memory_kib, kib),
        build: build(m),
        note,
        // No cost beside a knob that grew the binary: no step to take (QA ch F2: the page
        // still gave `lto = "thin"` "longer builds" beside a profile with fat LTO).
        tradeoff: match c {
            Some(c) if c.file_size > 0 => String::new(),
            _ => v.tradeoff.clone(),
        },
    }
}

pub fn feature_rows(b: &BinaryAdvice) -> Vec<FeatureRow> {
    b.features.iter().map(feature_row).collect()
}

fn feature_row(f: &FeatureAdvice) -> FeatureRow {
    let c: Option<&Change> = f.measured.change.as_ref();
    let note = match f.status {
        VariantStatus::Measured | VariantStatus::NotProbed => [instead(f), f.error.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
        VariantStatus::Already => String::new(),
        VariantStatus::Failed => format!(
            "does not build without it: {}",
            f.error.as_deref().unwrap_or("(no error line)")
        ),
        VariantStatus::NotReady => match instead(f) {
            Some(i) => format!("{i}; {}", not_ready(f.error.as_deref())),
            None => not_ready(f.error.as_deref()),
        },
        VariantStatus::NotBuilt => not_built(f.error.as_deref()),
    };
    let leaving = match &f.crates_leaving {
        Some(list) => crate_list(list),
        None if has_figures(f.status) => NOT_NAMED.into(),
        None => String::new(),
    };
    FeatureRow {
        feature: f.feature.clone(),
        enables: f.enables_words(),
        status: f.status,
        // A build that grows saves nothing (QA ai, F10: "saves 1.63 KiB more" read as more
        // saved).
        saved: opt(f.bytes_saved, |d| match d {
            d if d < 0 => format!("nothing: {} larger", size(d.unsigned_abs())),
            d => size(d.unsigned_abs()),
        }),
        percent: opt(c.map(|c| c.file_size_percent), pct),
        stripped_saved: opt(c.and_then(|c| c.stripped_size), |d| signed_size(d.into())),
        startup: match f.status {
            VariantStatus::NotReady => NOT_READY.into(),
            VariantStatus::Measured => {
                let median = opt(f.measured.startup_ms, ms);
                match startup_change(c) {
                    change if change.is_empty() || median.is_empty() => median,
                    change => format!("{median} ({change})"),
                }
            }
            _ => String::new(),
        },
        crates_leaving: leaving,
        crates_shrinking: f
            .crates_shrinking
            .as_deref()
            .map_or(String::new(), shrinking),
        also: also_leaves_out(f),
        note,
    }
}

/// The features a build without `f`'s also leaves out: those that need it, and those only it
/// turned on (QA bs F3: `cbor`, which only `all` turns on, read "it needs `all`").
fn also_leaves_out(f: &FeatureAdvice) -> String {
    let (need, only): (Vec<&String>, Vec<&String>) = f
        .also_leaves_out
        .iter()
        .partition(|g| f.needing.contains(g));
    let feature = &f.feature;
    let said = |list: &[&String], one: &str, many: &str| {
        let names: Vec<String> = list.iter().map(|n| format!("`{n}`")).collect();
        let why = if list.len() == 1 { one } else { many };
        (!list.is_empty()).then(|| format!("{} ({why})", names.join(", ")))
    };
    let parts: Vec<String> = [
        said(
            &need,
            &format!("it needs `{feature}`"),
            &format!("they need `{feature}`"),
        ),
        said(
            &only,
            &format!("only `{feature}` turns it on"),
            &format!("only `{feature}` turns them on"),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    match parts.is_empty() {
        true => String::new(),
        false => format!("also leaves out {}", parts.join(" and ")),
    }
}

/// A row built with another feature in its feature's place ([`FeatureAdvice::instead`]): that
/// one, the error without either, and the crates that come in with it.
fn instead(f: &FeatureAdvice) -> Option<String> {
    let g = f.instead.as_ref()?;
    let mut said = format!(
        "built with `{g}` in its place, as without either it does not build: {}",
        f.alone_error.as_deref().unwrap_or("no error line")
    );
    match &f.crates_joining {
        Some(list) if !list.is_empty() => {
            said.push_str(&format!("; joining the binary: {}", crate_list(list)));
        }
        Some(_) => said.push_str("; no crate joins the binary"),
        None => {}
    }
    // Memory, which a back-end swap moves, where a feature left out rarely does (QA cs F2).
    let change = f.measured.change.as_ref().and_then(|c| c.memory_kib);
    if let (Some(now), Some(d)) = (f.measured.memory_kib, change) {
        let sign = if d < 0 { "-" } else { "+" };
        said.push_str(&format!(
            "; memory at ready {} ({sign}{})",
            kib(now),
            kib(d.unsigned_abs())
        ));
    }
    Some(said)
}

/// Crates joining or leaving a binary, each with its bytes; one that is a dependency of both
/// builds says so ([`LeavingCrate::in_both_builds`]).
fn crate_list(list: &[LeavingCrate]) -> String {
    let one = |c: &LeavingCrate| match c.in_both_builds {
        true => format!("{} ({}, {IN_BOTH})", c.name, size(c.file_size)),
        false => format!("{} ({})", c.name, size(c.file_size)),
    };
    list.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// Crates that stay and shrink, each with its bytes in the file with the feature and without
/// (QA cx F2).
fn shrinking(list: &[crate::report::ShrinkingCrate]) -> String {
    // In exact bytes where the two would read alike (QA cz F3: `std (1.24 MiB → 1.24 MiB)`).
    let one = |c: &crate::report::ShrinkingCrate| match c.file_size_without {
        0 => format!("{} ({} → none)", c.name, size(c.file_size)),
        n => {
            let (was, now, _) = crate::format::two_sizes(c.file_size, n);
            format!("{} ({was} → {now})", c.name)
        }
    };
    list.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// Said of a crate built in both builds whose code still came or went.
pub const IN_BOTH: &str = "a dependency of both builds, only its use changed";

/// The crates cell of a feature whose binaries had no symbols to name crates by.
pub const NOT_NAMED: &str = "could not be named: a binary has no symbol table (stripped) and \
                             no analysis link of it was found to read one from";

/// The start-up cell of a variant whose binary never got ready.
pub const NOT_READY: &str = "not ready";

/// The note of a variant whose binary was built and measured but never got ready.
fn not_ready(why: Option<&str>) -> String {
    format!("no probe run got ready: {}", why.unwrap_or("(no reason)"))
}

/// See [`VariantStatus::has_figures`].
pub fn has_figures(status: VariantStatus) -> bool {
    status.has_figures()
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_default()
}

/// A percentage (already times 100) written as every relative change is; no change as `0%`
/// (QA ai, F9: `+0.0%` suggested a growth).
fn pct(p: f64) -> String {
    if p == 0.0 {
        "0%".into()
    } else {
        percent(p / 100.0)
    }
}

fn build(m: &Measured) -> String {
    match (m.build_seconds, m.compiled_units) {
        (Some(_), Some(0)) => "kept".into(),
        (Some(s), _) if s >= 60.0 => format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64),
        (Some(s), _) => format!("{s:.1}s"),
        _ => String::new(),
    }
}

/// The knobs tried (not those the profile has), as written, with what each costs besides bytes;
/// not a knob that grew every binary (QA cf F8: `lto = "thin"` beside the profile's fat LTO,
/// +73.5 KiB, listed as costing longer builds): it is no step to take.
pub fn costs(a: &Advice) -> Vec<(&str, &str)> {
    let grew = |knob: &str| {
        a.binaries.iter().all(|b| {
            b.variants
                .iter()
                .find(|v| v.knob == knob)
                .and_then(|v| v.measured.change.as_ref())
                .is_some_and(|c| c.file_size > 0)
        })
    };
    a.binaries.first().map_or_else(Vec::new, |b| {
        b.variants
            .iter()
            // Not the knobs an interrupted run never built (QA aj, F6).
            .filter(|v| {
                !matches!(v.status, VariantStatus::Already | VariantStatus::NotBuilt)
                    && !v.tradeoff.is_empty()
                    && !grew(&v.knob)
            })
            .map(|v| (v.knob.as_str(), v.tradeoff.as_str()))
            .collect()
    })
}

/// The lines to paste begin with what they keep: `To keep the combined variant (-813 KiB
/// -25.4%, start-up -19%), paste`; the words `into ...:` follow.
pub fn paste_head(a: &Advice) -> String {
    let saved = a
        .binaries
        .iter()
        .find_map(|b| b.combined.as_ref()?.measured.change.as_ref());
    match saved {
        Some(c) => {
            let startup = startup_short(c).map_or_else(String::new, |w| format!(", {w}"));
            format!(
                "To keep the combined variant ({} {}{startup}), paste",
                signed_size(c.file_size.into()),
                pct(c.file_size_percent)
            )
        }
        None => "To keep the knob that saved bytes, paste".into(),
    }
}

/// The heading of `a`'s `.cargo/config.toml` lines, after `lead` (`and`, or [`paste_head`]'s
/// words where no Cargo.toml lines come first): the file by its path, and where cargo reads it
/// (QA cb F2).
pub fn config_head(a: &Advice, lead: &str) -> String {
    match a
        .rustflags_file
        .as_deref()
        .and_then(|f| Some((f, std::path::Path::new(f).parent()?.parent()?)))
    {
        // Code spans (QA cf F13: the path was plain text in the Markdown comment).
        Some((file, root)) => format!(
            "{lead} into `{file}`, which cargo reads when it runs in `{}` or below, not with \
             --manifest-path from elsewhere (the static build's flags, for builds with \
             `--target`):",
            root.display()
        ),
        None => format!(
            "{lead} into .cargo/config.toml (the static build's flags, for builds with \
             `--target`):"
        ),
    }
}

/// A variant not built: the run was interrupted first, or `why` (a base never got ready).
fn not_built(why: Option<&str>) -> String {
    match why {
        Some(why) => format!("not built: {why}"),
        None => "not built (interrupted)".into(),
    }
}

/// Why there are no lines to paste; `None` where the run's error says it (a base that never
/// got ready), or where no knob was tried (`--knobs features`): the features' rows say what
/// they save, and no line is pasted for them. The words speak of the profile's knobs only: a
/// feature row above may well have saved bytes.
pub fn no_paste(a: &Advice) -> Option<&'static str> {
    let not_ready = |v: &Variant| v.status == VariantStatus::NotReady;
    if a.interrupted {
        Some(
            "No lines to paste: the run was interrupted before every variant was built and probed.",
        )
    } else if a
        .binaries
        .iter()
        .any(|b| not_ready(&b.base) || b.variants.is_empty())
    {
        None
    } else if a
        .binaries
        .iter()
        .any(|b| b.combined.as_ref().is_some_and(not_ready))
    {
        Some("No lines to paste: the combined variant's binary never got ready (see the warning).")
    } else if a.binaries.iter().any(|b| b.variants.iter().any(not_ready)) {
        Some("No profile knob saved bytes over the profile as it is and got ready.")
    } else if a.binaries.iter().all(|b| {
        b.variants
            .iter()
            .all(|v| v.status == VariantStatus::Already)
    }) {
        Some("No lines to paste: every knob asked for is in the profile already.")
    } else {
        Some("No profile knob saved bytes over the profile as it is.")
    }
}

#[cfg(test)]
pub(super) mod tests;
