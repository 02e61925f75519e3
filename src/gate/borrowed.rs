//! A crate's row holds, beside its own symbols, bytes without a symbol of its own that the
//! attribution gives it: constants and tables its code alone refers to (`referenced`) or that
//! its code dominates (`dominated`), with their relocations. Which crate's code refers to such
//! a constant moves with inlining: tokei's table of its 471 language names (7.36 KiB, and 11
//! KiB of relocations) was tokei's in the baseline and serde_json's after a change that added
//! neither, and serde_json's check failed on it (QA da F1). A failing crate check of a crate
//! the change did not touch (its version, source and features the baseline's), whose own
//! symbols' growth alone would not fail, warns and says how much of the growth is given bytes.

use crate::report::{Artifact, Check, CheckId, ConfidenceBreakdown, Provenance, Verdict};

use super::verdict::verdict_of;
use crate::plan::Thresholds;

/// Each failing crate check of `checks` (of artifact `a` against its baseline `b`) as above.
pub fn given_bytes(
    checks: &mut [Check],
    (b, a): (&Artifact, &Artifact),
    th: &Thresholds,
    (base, now): (Option<&Provenance>, Option<&Provenance>),
) {
    let (Some(base), Some(now)) = (base, now) else {
        return;
    };
    let row = |x: &Artifact, name: &str| {
        x.binary
            .crates
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.confidence.clone())
    };
    for c in checks.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        let CheckId::BaselineCrate(name) = &c.id else {
            continue;
        };
        if !super::untouched::untouched(name, base, now) {
            continue;
        }
        let (Some(was), Some(is)) = (row(b, name), row(a, name)) else {
            continue;
        };
        let (own, given) = ((own(&was), own(&is)), (given(&was), given(&is)));
        if given.1 <= given.0 || verdict_of(own.0, own.1, th, false) == Verdict::Fail {
            continue;
        }
        let own_change = match own.1.cmp(&own.0) {
            std::cmp::Ordering::Greater => {
                format!("grew by {}", crate::format::size(own.1 - own.0))
            }
            std::cmp::Ordering::Less => {
                format!("shrank by {}", crate::format::size(own.0 - own.1))
            }
            std::cmp::Ordering::Equal => "did not change".to_string(),
        };
        c.verdict = Verdict::Warn;
        let why = format!(
            "; but {} of the growth are bytes without a symbol of its own that its code refers \
             to (constants, tables and their relocations: `referenced` and `dominated` in \
             `--symbols`), which move between crates with inlining and may be another \
             crate's; its own symbols {own_change} (warns; the file's size judges the whole)",
            crate::format::size(given.1 - given.0)
        );
        super::untouched::say_why(c, &why);
    }
}

/// Bytes named by a symbol of the crate's own: by name, mangling or an archive.
fn own(c: &ConfidenceBreakdown) -> u64 {
    c.exact + c.mangled + c.heuristic
}

/// Bytes given to the crate by the code that refers to them.
fn given(c: &ConfidenceBreakdown) -> u64 {
    c.referenced + c.dominated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{test_artifact, test_crate};

    /// serde_json's row in the baseline and now (QA da F1's bytes): its own symbols 78,130 B
    /// then 79,814 B; given bytes 14,882 B then 35,148 B.
    fn pair(own_now: u64) -> (Artifact, Artifact) {
        let row = |own: u64, given: u64| {
            let mut c = test_crate("serde_json", own + given);
            c.confidence = ConfidenceBreakdown {
                exact: 22_115,
                mangled: 12_292,
                heuristic: own - 34_407,
                referenced: given - 48,
                dominated: 48,
                unattributed: 0,
            };
            c
        };
        let (mut b, mut a) = (test_artifact(1 << 20), test_artifact(1 << 20));
        b.binary.crates = vec![row(78_130, 14_882)];
        a.binary.crates = vec![row(own_now, 35_148)];
        (b, a)
    }

    fn provenance(serde_json: &str) -> Provenance {
        Provenance {
            crate_inputs: Some([("serde_json".to_string(), serde_json.to_string())].into()),
            ..Provenance::default()
        }
    }

    fn checked(own_now: u64, now_inputs: &str) -> Check {
        let (b, a) = pair(own_now);
        let th = Thresholds::default();
        let (was, is) = (b.binary.crates[0].vm_size, a.binary.crates[0].vm_size);
        let id = CheckId::BaselineCrate("serde_json".into());
        let mut checks = [super::super::compare::size_check(
            id,
            "crate serde_json",
            was,
            is,
            &th,
            false,
        )];
        assert_eq!(checks[0].verdict, Verdict::Fail, "{}", checks[0].message);
        let (base, now) = (provenance("1.0.145 registry"), provenance(now_inputs));
        given_bytes(&mut checks, (&b, &a), &th, (Some(&base), Some(&now)));
        checks[0].clone()
    }

    #[test]
    fn growth_of_bytes_given_by_reference_to_an_untouched_crate_warns() {
        let c = checked(79_814, "1.0.145 registry");
        assert_eq!(c.verdict, Verdict::Warn);
        assert!(
            c.message
                .contains("but 19.8 KiB of the growth are bytes without a symbol")
                && c.message.contains("its own symbols grew by 1.64 KiB"),
            "{}",
            c.message
        );
    }

    #[test]
    fn a_crate_whose_own_symbols_grew_or_that_changed_still_fails() {
        // Its own symbols grew by 40 KiB: that alone fails.
        assert_eq!(checked(119_090, "1.0.145 registry").verdict, Verdict::Fail);
        // Another version: its own code may be what grew.
        assert_eq!(checked(79_814, "1.0.146 registry").verdict, Verdict::Fail);
    }
}
