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
/// crate the change did not touch ([`soften`]).
pub fn not_the_code(checks: &mut [Check], base: Option<&Provenance>, now: Option<&Provenance>) {
    inlined_before(checks, base, now);
    built_otherwise(checks, base, now);
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
fn say_why(c: &mut Check, why: &str) {
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
            && now.crate_inputs.contains_key(name)
            && !base.crate_inputs.contains_key(name)
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
fn untouched(name: &str, base: &Provenance, now: &Provenance) -> bool {
    if crate::attribute::demangle::is_std_crate(name) {
        return !base.rustc.is_empty() && base.rustc == now.rustc && base.target == now.target;
    }
    match (base.crate_inputs.get(name), now.crate_inputs.get(name)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{NewEntry, Unit};

    fn provenance(inputs: &[(&str, &str)]) -> Provenance {
        Provenance {
            rustc: "rustc 1.95.0".into(),
            target: "x86_64-unknown-linux-gnu".into(),
            crate_inputs: inputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Provenance::default()
        }
    }

    fn failing(krate: &str, from: &[&str]) -> Check {
        let mut c = Check::new(
            CheckId::BaselineCrate(krate.into()),
            Unit::Bytes,
            Verdict::Fail,
            format!("crate {krate} (in memory) grew by 4.63 KiB (+8.5%) to 59.1 KiB"),
        );
        (c.value, c.baseline, c.delta) = (Some(60_518.0), Some(55_777.0), Some(4_741.0));
        c.new_entries = from
            .iter()
            .map(|f| NewEntry {
                from: f.to_string(),
                to: format!("{krate}::latch::LockLatch::wait_and_reset"),
                retained: None,
            })
            .collect();
        c.entry_points = from.iter().map(|f| f.to_string()).collect();
        crate::gate::entry_points::end_message_with_entry_points(&mut c);
        c
    }

    const RAYON: &str = "1.13.0 registry+https://github.com/rust-lang/crates.io-index []";

    #[test]
    fn growth_of_a_crate_nothing_changed_warns_with_its_entry_points_kept_last() {
        let (b, n) = (
            provenance(&[("rayon_core", RAYON)]),
            provenance(&[("rayon_core", RAYON)]),
        );
        let mut checks = [failing(
            "rayon_core",
            &["std::thread::local::LocalKey<T>::with"],
        )];
        soften(&mut checks, Some(&b), Some(&n));
        let c = &checks[0];
        assert_eq!(c.verdict, Verdict::Warn, "{}", c.message);
        assert!(
            c.message.contains("not a change of its own"),
            "{}",
            c.message
        );
        // The renderers still find the entry points at the message's end.
        let names = shown(c);
        let (body, _, shown, _) = split(&c.message, &names).expect("entry points at the end");
        assert!(body.ends_with("judges the whole)"), "{body}");
        assert_eq!(shown.len(), 1);
    }

    #[test]
    fn a_new_reference_from_a_changed_or_own_crate_keeps_the_failure() {
        let b = provenance(&[("serde", "1.0.0 registry []")]);
        let n = provenance(&[
            ("serde", "1.0.0 registry []"),
            ("serde_yaml", "0.9.0 registry []"),
        ]);
        for from in ["serde_yaml::de::from_str", "tokei::input::convert_input"] {
            let mut checks = [failing("serde", &[from])];
            soften(&mut checks, Some(&b), Some(&n));
            assert_eq!(checks[0].verdict, Verdict::Fail, "{from}");
            // QA bs F1: the failure says the crate's own inputs are the baseline's.
            assert!(
                checks[0]
                    .message
                    .contains("the growth is how the crates that changed call it"),
                "{}",
                checks[0].message
            );
        }
    }

    #[test]
    fn a_crate_whose_inputs_changed_or_are_unknown_keeps_the_failure() {
        let b = provenance(&[("rayon_core", RAYON), ("ours", "x")]);
        let bumped = RAYON.replace("1.13.0", "1.13.1");
        let featured = RAYON.replace("[]", "[web_spin_lock]");
        for now in [bumped.as_str(), featured.as_str()] {
            let n = provenance(&[("rayon_core", now)]);
            let mut checks = [failing("rayon_core", &[])];
            soften(&mut checks, Some(&b), Some(&n));
            assert_eq!(checks[0].verdict, Verdict::Fail, "{now}");
        }
        // A baseline of an older version records no inputs.
        let mut checks = [failing("rayon_core", &[])];
        soften(
            &mut checks,
            Some(&provenance(&[])),
            Some(&provenance(&[("rayon_core", RAYON)])),
        );
        assert_eq!(checks[0].verdict, Verdict::Fail);
    }

    #[test]
    fn the_standard_library_is_untouched_under_one_toolchain_only() {
        let b = provenance(&[]);
        let mut n = provenance(&[]);
        let mut checks = [failing("std", &[])];
        soften(&mut checks, Some(&b), Some(&n));
        assert_eq!(checks[0].verdict, Verdict::Warn);
        n.rustc = "rustc 1.96.0".into();
        let mut checks = [failing("std", &[])];
        soften(&mut checks, Some(&b), Some(&n));
        assert_eq!(checks[0].verdict, Verdict::Fail);
    }

    fn with_settings(lto: &str, rustflags: Option<&[&str]>) -> Provenance {
        let mut p = provenance(&[]);
        p.profile_settings = [("lto", lto), ("opt-level", "3")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        p.rustflags = rustflags.map(|f| f.iter().map(|x| x.to_string()).collect());
        p
    }

    /// QA bt F1: `lto` from `"fat"` to `"thin"` failed 14 crate and section checks, and no
    /// line said the profile had changed.
    #[test]
    fn other_build_settings_turn_crate_and_section_failures_into_warnings_and_are_said() {
        let b = with_settings("fat", Some(&[]));
        let n = with_settings("thin", Some(&[]));
        assert_eq!(
            super::super::provenance::settings_differ(&b, &n),
            vec!["profile setting lto: baseline fat, now thin".to_string()]
        );
        let section = Check::new(
            CheckId::BaselineSection(".text".into()),
            Unit::Bytes,
            Verdict::Fail,
            "section .text grew".into(),
        );
        let file = Check::new(
            CheckId::BaselineFileSize,
            Unit::Bytes,
            Verdict::Fail,
            "file size grew".into(),
        );
        let mut checks = [failing("tokio", &["ours::main"]), section, file];
        not_the_code(&mut checks, Some(&b), Some(&n));
        for c in &checks[..2] {
            assert_eq!(c.verdict, Verdict::Warn, "{}", c.message);
            assert!(
                c.message
                    .contains("the baseline was built otherwise (profile setting lto)"),
                "{}",
                c.message
            );
        }
        assert_eq!(
            checks[2].verdict,
            Verdict::Fail,
            "the whole binary still judges"
        );
        // The entry points stay at the end, for the renderers.
        let names = shown(&checks[0]);
        assert!(
            split(&checks[0].message, &names).is_some(),
            "{}",
            checks[0].message
        );

        // Rustflags, said; a baseline that did not record them says nothing of them.
        let flagged = with_settings("fat", Some(&["-C", "relocation-model=static"]));
        assert_eq!(
            super::super::provenance::settings_differ(&b, &flagged),
            vec!["rustflags: baseline none, now -C relocation-model=static".to_string()]
        );
        let mut checks = [failing("tokio", &["ours::main"])];
        not_the_code(&mut checks, Some(&b), Some(&flagged));
        assert_eq!(checks[0].verdict, Verdict::Warn);
        let unrecorded = with_settings("fat", None);
        assert!(super::super::provenance::settings_differ(&unrecorded, &flagged).is_empty());
        let mut checks = [failing("tokio", &["ours::main"])];
        not_the_code(&mut checks, Some(&unrecorded), Some(&flagged));
        assert_eq!(checks[0].verdict, Verdict::Fail);

        // QA cd F5: a crate the baseline never built is a new dependency, which no setting
        // makes appear: it still fails; one the baseline built warns.
        let mut n = with_settings("thin", Some(&[]));
        n.crate_inputs = [("serde_json", "1.0.0 registry [std]")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut new = failing("serde_json", &["hexyl::main"]);
        (new.new, new.baseline) = (true, Some(0.0));
        let mut checks = [new];
        not_the_code(&mut checks, Some(&b), Some(&n));
        assert_eq!(checks[0].verdict, Verdict::Fail, "{}", checks[0].message);
        let mut b_built = b.clone();
        b_built.crate_inputs.clone_from(&n.crate_inputs);
        not_the_code(&mut checks, Some(&b_built), Some(&n));
        assert_eq!(checks[0].verdict, Verdict::Warn, "{}", checks[0].message);
    }

    /// QA bt F2: "crate mime_guess is new", though the baseline built it from the same inputs
    /// (its code all inlined there), beside "its version, source and features are the
    /// baseline's".
    #[test]
    fn a_crate_the_baseline_inlined_is_not_said_to_be_new() {
        let inputs = [("mime_guess", "2.0.5 registry [default]")];
        let (b, n) = (provenance(&inputs), provenance(&inputs));
        let new = |from: &[&str]| {
            let mut c = failing("mime_guess", from);
            c.message = c.message.replacen(
                "(in memory) grew by 4.63 KiB (+8.5%) to 59.1 KiB",
                "is new: 177 KiB: at least size_fail_min (4.00 KiB)",
                1,
            );
            (c.new, c.baseline) = (true, Some(0.0));
            c
        };
        let mut checks = [new(&["static_web_server::main"])];
        not_the_code(&mut checks, Some(&b), Some(&n));
        let m = &checks[0].message;
        assert!(
            m.starts_with(
                "crate mime_guess has code of its own, none in the baseline (built \
                           there from the same version, source and features, all of it inlined \
                           into its callers): 177 KiB"
            ),
            "{m}"
        );
        assert!(!m.contains(" is new"), "{m}");
        // JSON tells it from a crate the change added (QA bv F2).
        assert!(checks[0].inlined_in_baseline);
        assert_eq!(
            m.matches("same version, source and features").count(),
            1,
            "{m}"
        );
        assert_eq!(
            m.matches("version, source and features are").count(),
            0,
            "{m}"
        );
        assert_eq!(
            checks[0].verdict,
            Verdict::Fail,
            "a crate that changed calls it"
        );
        // One of `.bss` alone is said so in memory (QA bv F2: colorchoice's 8 B read "is new").
        let mut c = new(&["anstream::auto::choice"]);
        c.message = c.message.replacen("is new", "(in memory) is new", 1);
        let mut checks = [c];
        not_the_code(&mut checks, Some(&b), Some(&n));
        assert!(
            checks[0]
                .message
                .starts_with("crate mime_guess (in memory) has code of its own, none in the"),
            "{}",
            checks[0].message
        );
        // A crate new to the build is new.
        let mut checks = [new(&[])];
        not_the_code(&mut checks, Some(&provenance(&[])), Some(&n));
        assert!(checks[0].message.starts_with("crate mime_guess is new: "));
        assert!(!checks[0].inlined_in_baseline);
        let json = serde_json::to_value(&checks[0]).expect("JSON");
        assert!(json.get("inlined_in_baseline").is_none(), "{json}");
    }

    /// QA bx F4: the row of bytes no crate is named for warns where it would fail; a crate's
    /// row still fails.
    #[test]
    fn the_row_of_bytes_no_crate_is_named_for_warns_at_most() {
        let mut checks = [
            failing("[no symbol]", &[]),
            failing("[unknown]", &[]),
            failing("tokei", &[]),
        ];
        not_the_code(&mut checks, None, None);
        let verdicts: Vec<Verdict> = checks.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Warn, Verdict::Warn, Verdict::Fail]);
        assert!(
            checks[0].message.ends_with(
                "; warns at most: no crate is named for these bytes, \
                                         the crates' rows say what grew"
            ),
            "{}",
            checks[0].message
        );
    }
}
