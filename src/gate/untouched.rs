//! A crate the change did not touch can still grow: thin LTO moves inlined code between crates
//! from one build to the next (QA bo F2: `rayon_core` +4.6 KiB failed beside the feature that
//! added `serde_yaml`, while `crossbeam_channel` shrank by 8.7 KiB). A crate whose version,
//! source and enabled features are the baseline's, and into which no crate that changed refers
//! anew, has nothing of its own that changed: its growth warns and does not fail. The file's
//! size checks still judge the whole binary. A path crate (its sources can change under one
//! version) and anything a baseline of an older version does not record stay as judged.
//!
//! So do every crate and section against a baseline built with other profile settings,
//! rustflags or compiler: inlining moves with them (QA bt F1). A crate the baseline built from
//! the same inputs but had no row of its own for (all of it inlined) is not said to be new (QA
//! bt F2). Nor does the row of bytes no crate is named for (`[no symbol]`, `[unknown]`): it
//! warns at most, as nothing in it can be acted on by name (QA bx F4).

use crate::report::{Check, CheckId, Provenance, Verdict};

use super::entry_points::{shown, split};

/// The crate and section checks said again where what changed is not the code: a crate the
/// baseline had inlined ([`inlined_before`]), other build settings ([`built_otherwise`]), a
/// crate the change did not touch ([`soften`]), or whose growth is bytes its code refers to
/// (`given_bytes`, in borrowed.rs).
/// `given`: the second reading of crates whose growth is bytes their code refers to
/// (`given_bytes`, in borrowed.rs), after the build's settings and before [`soften`].
pub fn not_the_code(
    checks: &mut [Check],
    (base, now): (Option<&Provenance>, Option<&Provenance>),
    given: impl FnOnce(&mut [Check]),
) {
    inlined_before(checks, base, now);
    built_otherwise(checks, base, now);
    given(checks);
    soften(checks, base, now);
    unnamed(checks);
}

/// A failing check of the row of bytes no crate is named for, as a warning that says why:
/// the crates' own rows say what grew (QA bx F4: `[no symbol]`, unwind tables of code without
/// a symbol, failed beside the six crates a feature added).
fn unnamed(checks: &mut [Check]) {
    use crate::attribute::{NO_SYMBOL, UNKNOWN};
    for c in checks.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        if matches!(&c.id, CheckId::BaselineCrate(n) if n == NO_SYMBOL || n == UNKNOWN) {
            c.verdict = Verdict::Warn;
            c.message.push_str(
                "; warns at most: no crate is named for these bytes, the crates' rows say \
                 what grew",
            );
        }
    }
}

/// Each failing crate check of `checks` whose crate the change did not touch, as a warning that
/// says why; one whose own inputs are the baseline's but that a changed crate refers to anew
/// stays a failure, and says that its inputs are unchanged.
fn soften(checks: &mut [Check], base: Option<&Provenance>, now: Option<&Provenance>) {
    let (Some(base), Some(now)) = (base, now) else {
        return;
    };
    for c in checks.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        let CheckId::BaselineCrate(name) = &c.id else {
            continue;
        };
        if c.baseline.is_none() || !untouched(name, base, now) {
            continue;
        }
        // The new references' referrers; against a baseline without them, the new referrers.
        let of_untouched = |f: &String| {
            crate::attribute::demangle::crate_of_path(f)
                .is_some_and(|(k, _)| untouched(k, base, now))
        };
        let from_untouched = match c.new_entries.is_empty() {
            true => c.entry_points.iter().all(of_untouched),
            false => c.new_entries.iter().all(|e| of_untouched(&e.from)),
        };
        // A changed crate refers to it anew: new calls, or calls it no longer inlines (QA bs
        // F1: tokei's `get_all_files` calling crossbeam's `send` it had inlined). Which of the
        // two a report cannot tell; the failure stands and says what is known.
        // A crate the baseline had inlined has said its inputs were the same already.
        let why = match (from_untouched, c.new) {
            (true, false) => {
                "; but its version, source and features are the baseline's and no crate that \
                 changed refers to it anew: code moved between crates by inlining, not a change \
                 of its own (warns; the file's size judges the whole)"
            }
            (true, true) => {
                "; but no crate that changed refers to it anew: code moved between crates by \
                 inlining, not a change of its own (warns; the file's size judges the whole)"
            }
            (false, false) => {
                "; its version, source and features are the baseline's: the growth is how the \
                 crates that changed call it (new calls, or calls they no longer inline)"
            }
            (false, true) => "; the crates that changed call it where they had it inlined, or anew",
        };
        if from_untouched {
            c.verdict = Verdict::Warn;
        }
        say_why(c, why);
    }
}

/// `why` added to `c`'s message, before the entry points it ends with (the renderers find them
/// there).
pub(super) fn say_why(c: &mut Check, why: &str) {
    let names = shown(c);
    c.message = match split(&c.message, &names) {
        Some((body, lead, shown, more)) => {
            format!("{body}{why}{lead}{}{more}", shown.join(", "))
        }
        None => format!("{}{why}", c.message),
    };
}

/// Each failing crate and section check, as a warning that says why, when the baseline was
/// built with other settings (the profile's, the user's rustflags:
/// [`super::provenance::settings_differ`]; or another compiler): inlining, and so which crate
/// and section the bytes are counted in, moves with `lto`, `codegen-units`, `opt-level` and
/// the compiler (QA bt F1: `lto` from `"fat"` to `"thin"` failed 14 such checks and named no
/// setting). The whole binary's checks still judge.
fn built_otherwise(checks: &mut [Check], base: Option<&Provenance>, now: Option<&Provenance>) {
    let (Some(base), Some(now)) = (base, now) else {
        return;
    };
    let mut lines = super::provenance::settings_differ(base, now);
    if !base.rustc.is_empty() && base.rustc != now.rustc {
        lines.insert(0, "toolchain".into());
    }
    if lines.is_empty() {
        return;
    }
    let what = lines
        .iter()
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join(", ");
    for c in checks.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        if !matches!(
            c.id,
            CheckId::BaselineCrate(_) | CheckId::BaselineSection(_)
        ) {
            continue;
        }
        // A crate the baseline's build never compiled is a new dependency, which no build
        // setting makes appear (QA cd F5: serde_json, added beside an `lto` change, warned).
        if let CheckId::BaselineCrate(name) = &c.id
            && c.new
            && now.input(name).is_some()
            && base.input(name).is_none()
        {
            continue;
        }
        c.verdict = Verdict::Warn;
        c.built_otherwise = true;
        let why = format!(
            "; but the baseline was built otherwise ({what}): what each crate and section \
             holds moves with that (warns; the file's size judges the whole)"
        );
        say_why(c, &why);
    }
}

/// A crate check's message that says the crate "is new" when the baseline built the crate from
/// the same inputs: it had no code of its own there, all of it inlined into its callers (QA bt
/// F2: "crate mime_guess is new", beside "its version, source and features are the baseline's").
fn inlined_before(checks: &mut [Check], base: Option<&Provenance>, now: Option<&Provenance>) {
    let (Some(base), Some(now)) = (base, now) else {
        return;
    };
    for c in checks.iter_mut().filter(|c| c.new) {
        let CheckId::BaselineCrate(name) = &c.id else {
            continue;
        };
        if crate::attribute::demangle::is_std_crate(name) || !untouched(name, base, now) {
            continue;
        }
        // `crate X is new` or `crate X (in memory) is new` (a crate of `.bss` alone).
        let rest = ["", " (in memory)"].iter().find_map(|how| {
            c.message
                .strip_prefix(&format!("crate {name}{how} is new: "))
                .map(|rest| (*how, rest.to_string()))
        });
        if let Some((how, rest)) = rest {
            c.inlined_in_baseline = true;
            c.message = format!(
                "crate {name}{how} has code of its own, none in the baseline (built there from \
                 the same version, source and features, all of it inlined into its callers): \
                 {rest}"
            );
        }
    }
}

/// Whether crate `name` was built from the same inputs in both runs: the standard library's
/// by the same toolchain, any other by the same version, source and features.
pub(super) fn untouched(name: &str, base: &Provenance, now: &Provenance) -> bool {
    if crate::attribute::demangle::is_std_crate(name) {
        return !base.rustc.is_empty() && base.rustc == now.rustc && base.target == now.target;
    }
    match (base.input(name), now.input(name)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
#[path = "untouched_tests.rs"]
mod tests;
