//! A crate the change did not touch can still grow: thin LTO moves inlined code between crates
//! from one build to the next (QA bo F2: `rayon_core` +4.6 KiB failed beside the feature that
//! added `serde_yaml`, while `crossbeam_channel` shrank by 8.7 KiB). A crate whose version,
//! source and enabled features are the baseline's, and into which no crate that changed refers
//! anew, has nothing of its own that changed: its growth warns and does not fail. The file's
//! size checks still judge the whole binary. A path crate (its sources can change under one
//! version) and anything a baseline of an older version does not record stay as judged.

use crate::report::{Check, CheckId, Provenance, Verdict};

use super::entry_points::{shown, split};

/// Each failing crate check of `checks` whose crate the change did not touch, as a warning that
/// says why; one whose own inputs are the baseline's but that a changed crate refers to anew
/// stays a failure, and says that its inputs are unchanged.
pub fn soften(checks: &mut [Check], base: Option<&Provenance>, now: Option<&Provenance>) {
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
        let mut referrers: Box<dyn Iterator<Item = &String>> = if c.new_entries.is_empty() {
            Box::new(c.entry_points.iter())
        } else {
            Box::new(c.new_entries.iter().map(|e| &e.from))
        };
        let from_untouched = referrers.all(|f| {
            crate::attribute::demangle::crate_of_path(f)
                .is_some_and(|(k, _)| untouched(k, base, now))
        });
        // A changed crate refers to it anew: new calls, or calls it no longer inlines (QA bs
        // F1: tokei's `get_all_files` calling crossbeam's `send` it had inlined). Which of the
        // two a report cannot tell; the failure stands and says what is known.
        let why = if from_untouched {
            c.verdict = Verdict::Warn;
            "; but its version, source and features are the baseline's and no crate that \
             changed refers to it anew: code moved between crates by inlining, not a change of \
             its own (warns; the file's size judges the whole)"
        } else {
            "; its version, source and features are the baseline's: the growth is how the \
             crates that changed call it (new calls, or calls they no longer inline)"
        };
        let names = shown(c);
        c.message = match split(&c.message, &names) {
            Some((body, lead, shown, more)) => {
                format!("{body}{why}{lead}{}{more}", shown.join(", "))
            }
            None => format!("{}{why}", c.message),
        };
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
}
