//! A variant's start-up against the base's: a change only beyond the noise (the interval of
//! the ratio of the medians, which `advise::measure` computes), in a cell and in words.

use super::Row;
use crate::format::size;
use crate::report::{Advice, Change, VariantStatus, WITHIN_NOISE};

/// The start-up and its change in one cell, for tables with room for neither column alone:
/// `1.16 ms (+103%)`, `0.57 ms (≈)`.
pub fn startup_cell(r: &Row) -> String {
    match r.startup_change.as_str() {
        "" => r.startup.clone(),
        change => format!("{} ({change})", r.startup),
    }
}

/// The start-up cell's change (see [`Row::startup_change`]).
pub(super) fn startup_change(c: Option<&Change>) -> String {
    match c.and_then(|c| c.startup_ratio.zip(c.startup_ratio_interval)) {
        Some((_, interval)) if within_noise(interval) => WITHIN_NOISE.into(),
        Some((r, _)) => whole_percent(r - 1.0),
        None => String::new(),
    }
}

/// The interval of a ratio holds 1: no change is told from the noise.
fn within_noise([lo, hi]: [f64; 2]) -> bool {
    lo <= 1.0 && hi >= 1.0
}

/// A change in start-up, which is noisy: whole percents from 10% on (`+103%`); below, as every
/// relative change is written (`-4.2%`, `+0.03%`).
fn whole_percent(change: f64) -> String {
    let p = change * 100.0;
    if p.abs() >= 9.95 {
        format!("{p:+.0}%")
    } else {
        crate::format::percent(change)
    }
}

/// The start-up of a variant against the base's in words, for the lines around what to paste:
/// `start-up +103% (95% interval +85% to +121%)`, `start-up within the noise (...)`; `None`
/// without a ratio.
pub fn startup_words(c: &Change) -> Option<String> {
    let r = c.startup_ratio?;
    Some(match c.startup_ratio_interval {
        Some([lo, hi]) => {
            let interval = format!(
                "95% interval {} to {}",
                whole_percent(lo - 1.0),
                whole_percent(hi - 1.0)
            );
            if within_noise([lo, hi]) {
                format!("start-up within the noise of the profile's ({interval})")
            } else {
                format!("start-up {} ({interval})", whole_percent(r - 1.0))
            }
        }
        None => format!(
            "start-up {} (too few runs to tell it from noise)",
            whole_percent(r - 1.0)
        ),
    })
}

/// The start-up against the profile's in a few words, for the heading of what to paste:
/// `start-up +103%`, `start-up within the noise`; `None` without a ratio.
pub fn startup_short(c: &Change) -> Option<String> {
    let r = c.startup_ratio?;
    Some(match c.startup_ratio_interval {
        Some(interval) if within_noise(interval) => "start-up within the noise".into(),
        Some(_) => format!("start-up {}", whole_percent(r - 1.0)),
        None => format!("start-up {} (no interval)", whole_percent(r - 1.0)),
    })
}

/// What a knob of the combined variant does to the bytes, by the size it was kept for: the
/// stripped file's when the combined build strips (QA bp F2: `opt-level = "z"`, kept for
/// -10.0% of the stripped file, was said to save the 97.3 KiB it added to the unstripped one).
fn bytes_said(a: &Advice, id: &str, c: &Change) -> String {
    let strips = a.combined_knobs.iter().any(|k| k == "strip=symbols") && id != "strip=symbols";
    let (delta, percent, what) = match (strips, c.stripped_size, c.stripped_size_percent) {
        (true, Some(d), Some(p)) => (d, p, "of the stripped file, which the combined build ships"),
        _ => (c.file_size, c.file_size_percent, "of the file"),
    };
    let verb = if delta <= 0 { "saves" } else { "adds" };
    format!(
        "it {verb} {}, {:.1}% {what}",
        size(delta.unsigned_abs()),
        percent.abs()
    )
}

/// QA ah, F4: each knob of the combined variant that alone made start-up slower beyond the
/// noise, in words, for a line under what to paste: the bytes it saves and the time it costs.
pub fn slower_knobs(a: &Advice) -> Vec<String> {
    let many = a.binaries.len() > 1;
    // On a busy machine a slower start-up is not taken as settled (QA dq F12: `opt-level =
    // "z"` read +10% and was advised out, `hyperfine -N` on a quieter machine read 0.96 and
    // 0.94 ms).
    let advice = match a.busy() {
        true => {
            "read on a busy machine, so not settled: measure again on a quiet one (or with \
             --runs 20) before leaving its line out"
        }
        false => "leave its line out where start-up counts for more",
    };
    let mut out = Vec::new();
    for b in &a.binaries {
        let of = if many {
            format!(" of `{}`", b.name)
        } else {
            String::new()
        };
        let slower = |c: &Change| c.startup_ratio_interval.is_some_and(|[lo, _]| lo > 1.0);
        let combined = b
            .combined
            .as_ref()
            .filter(|v| v.status == VariantStatus::Measured);
        if let Some(c) = combined.and_then(|v| v.measured.change.as_ref())
            && let Some(words) = startup_words(c).filter(|_| slower(c))
        {
            out.push(format!(
                "the combined variant{of} starts up slower than the profile as it is: {}",
                words.trim_start_matches("start-up ")
            ));
        }
        for v in b
            .variants
            .iter()
            .filter(|v| v.status == VariantStatus::Measured && a.combined_knobs.contains(&v.id))
        {
            let Some(c) = &v.measured.change else {
                continue;
            };
            // A knob whose stripped file is the base's size changed only sections that are
            // never loaded (`strip`): it cannot change the start-up, and a "slower" is the
            // machine's (QA bq F1: `hyperfine -N` read 1.150 and 1.151 ms where a busy run
            // said +5.8%, and the note talked the user out of the largest saving).
            if c.stripped_size == Some(0) {
                continue;
            }
            let Some(words) = startup_words(c).filter(|_| slower(c)) else {
                continue;
            };
            out.push(format!(
                "`{}` alone made the start-up{of} slower: {}; {}: {advice}",
                v.knob,
                words.trim_start_matches("start-up "),
                bytes_said(a, &v.id, c)
            ));
        }
    }
    out
}
