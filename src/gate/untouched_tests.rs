//! Unit tests of the checks said again where what changed is not the code.

use super::*;
use crate::report::{NewEntry, Unit};

/// [`super::not_the_code`] without a second reading of given bytes.
fn not_the_code(checks: &mut [Check], base: Option<&Provenance>, now: Option<&Provenance>) {
    super::not_the_code(checks, (base, now), |_| {});
}

fn provenance(inputs: &[(&str, &str)]) -> Provenance {
    Provenance {
        rustc: "rustc 1.95.0".into(),
        target: "x86_64-unknown-linux-gnu".into(),
        ..Provenance::of_inputs(inputs)
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
    n.crate_inputs = Provenance::of_inputs(&[("serde_json", "1.0.0 registry [std]")]).crate_inputs;
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
