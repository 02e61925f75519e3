//! Crates that one change brought in by the dozen, as one line: a feature that pulls in a web
//! stack adds thirty crates, each a failing check of its own, and a list of thirty rows hides
//! the other checks (QA bh F9: 36 failing rows, one per new crate). The largest are listed,
//! the rest summed on one line with their names; JSON and `-v` keep every check.

use crate::format::size;
use crate::report::{Check, CheckId, Verdict};

/// New crates listed one by one before the rest are folded.
pub const LISTED: usize = 5;

/// What a folded line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// New crates past the [`LISTED`] largest.
    NewCrates,
    /// Crate and section checks that warn because the baseline was built otherwise
    /// ([`Check::built_otherwise`]): one line with the caveat once (QA ca F2: 42 rows after an
    /// `opt-level` change, each with the same 200 characters and its entry points).
    BuiltOtherwise,
}

/// Checks that did not pass, folded into one line.
pub struct Folded<'a> {
    pub kind: Kind,
    /// The worst verdict among them.
    pub verdict: Verdict,
    /// Largest first.
    pub checks: Vec<&'a Check>,
}

/// Changes a [`Kind::BuiltOtherwise`] line names before it counts the rest.
const NAMED: usize = 6;

fn new_crate(c: &Check) -> bool {
    c.new && c.verdict != Verdict::Pass && matches!(c.id, CheckId::BaselineCrate(_))
}

/// `checks` without those folded, and the folds: every check that warns because the baseline
/// was built otherwise, when there are two or more; then the new crates past the [`LISTED`]
/// largest, when that leaves two or more (a line of one says no less than its own row).
pub fn fold<'a>(checks: &[&'a Check]) -> (Vec<&'a Check>, Vec<Folded<'a>>) {
    let mut folds = Vec::new();
    let mut moved: Vec<&Check> = checks
        .iter()
        .copied()
        .filter(|c| c.built_otherwise && c.verdict != Verdict::Pass)
        .collect();
    if moved.len() >= 2 {
        let change = |c: &Check| c.delta.or(c.value).unwrap_or(0.0).abs();
        moved.sort_by(|x, y| {
            change(y)
                .total_cmp(&change(x))
                .then_with(|| x.id.cmp(&y.id))
        });
        folds.push(folded(Kind::BuiltOtherwise, moved));
    }
    let rest: Vec<&Check> = checks
        .iter()
        .copied()
        .filter(|c| !folds.iter().any(|f| f.holds(c)))
        .collect();
    let mut new: Vec<&Check> = rest.iter().copied().filter(|c| new_crate(c)).collect();
    if new.len() < LISTED + 2 {
        return (rest, folds);
    }
    new.sort_by(|x, y| {
        let v = |c: &Check| c.value.unwrap_or(0.0);
        v(y).total_cmp(&v(x)).then_with(|| x.id.cmp(&y.id))
    });
    folds.push(folded(Kind::NewCrates, new.split_off(LISTED)));
    let kept = rest
        .into_iter()
        .filter(|c| !folds.iter().any(|f| f.holds(c)))
        .collect();
    (kept, folds)
}

fn folded(kind: Kind, checks: Vec<&Check>) -> Folded<'_> {
    let verdict = checks
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Warn);
    Folded {
        kind,
        verdict,
        checks,
    }
}

impl Folded<'_> {
    fn holds(&self, c: &Check) -> bool {
        self.checks.iter().any(|f| std::ptr::eq(*f, c))
    }

    /// The id column's words: `31 more new crates`, `42 crate and section checks`.
    pub fn label(&self) -> String {
        // Never fewer than two: see [`fold`].
        let n = self.checks.len();
        match self.kind {
            Kind::NewCrates => format!("{n} more new crates"),
            Kind::BuiltOtherwise => {
                let crates = self
                    .checks
                    .iter()
                    .filter(|c| matches!(c.id, CheckId::BaselineCrate(_)))
                    .count();
                match (crates, n - crates) {
                    (_, 0) => format!("{n} crate checks"),
                    (0, _) => format!("{n} section checks"),
                    _ => format!("{n} crate and section checks"),
                }
            }
        }
    }

    /// Their bytes in all (as their checks measured them, in memory where loaded).
    pub fn bytes(&self) -> u64 {
        self.checks
            .iter()
            .map(|c| c.value.unwrap_or(0.0).max(0.0) as u64)
            .sum()
    }

    /// The crates' names, largest first.
    pub fn names(&self) -> Vec<String> {
        self.checks
            .iter()
            .map(|c| match &c.id {
                CheckId::BaselineCrate(n) => n.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    /// What each of them passed: `each at least size_fail_min` (a new crate fails when it has
    /// size_fail_min bytes: from nothing, every percentage is passed).
    pub fn each(&self) -> &'static str {
        match self.verdict {
            Verdict::Fail => "each at least size_fail_min",
            _ => "each over a threshold",
        }
    }

    /// The line's message: `812 KiB in all, each at least size_fail_min; largest first: a,
    /// b, c`; of checks moved by other build settings, the caveat once and the largest
    /// changes.
    pub fn message(&self) -> String {
        match self.kind {
            Kind::NewCrates => format!(
                "{} in all, {}; largest first: {}",
                size(self.bytes()),
                self.each(),
                self.names().join(", ")
            ),
            Kind::BuiltOtherwise => {
                let mut named: Vec<String> =
                    self.checks.iter().take(NAMED).map(|c| changed(c)).collect();
                if self.checks.len() > NAMED {
                    named.push(format!("{} more", self.checks.len() - NAMED));
                }
                format!(
                    "over their thresholds, but the baseline was built otherwise (the note \
                     above says how): what each crate and section holds moves with that, so \
                     they warn and the file's size judges the whole; the largest changes: {}",
                    named.join(", ")
                )
            }
        }
    }
}

/// `section .text +2.37 MiB`, `crate std -12.0 KiB`, `crate foo new (25.0 KiB)`.
fn changed(c: &Check) -> String {
    let what = match &c.id {
        CheckId::BaselineSection(n) => format!("section {n}"),
        CheckId::BaselineCrate(n) => format!("crate {n}"),
        other => other.to_string(),
    };
    match (c.new, c.gone, c.delta) {
        (true, _, _) => format!(
            "{what} new ({})",
            size(c.value.unwrap_or(0.0).max(0.0) as u64)
        ),
        (_, true, _) => format!("{what} gone"),
        (_, _, Some(d)) => format!("{what} {}", crate::format::signed_size(d as i128)),
        _ => what,
    }
}

/// A binary with `n` new crates that failed, `dep01` of 1 KiB to `depNN` of n KiB, then its
/// file size that failed (a shape the tests of every format render).
#[cfg(test)]
pub fn test_new_crates(n: u32) -> crate::report::Artifact {
    let mut a = crate::report::test_artifact(1000);
    for i in 1..=n {
        let mut c = Check::worded(
            CheckId::BaselineCrate(format!("dep{i:02}")),
            Verdict::Fail,
            format!("crate dep{i:02} is new: {i} KiB: at least size_fail_min (4.00 KiB)"),
        );
        c.value = Some(f64::from(i) * 1024.0);
        c.new = true;
        a.checks.push(c);
    }
    a.checks.push(Check::worded(
        CheckId::BaselineFileSize,
        Verdict::Fail,
        "file size grew by 2.00 MiB".into(),
    ));
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_check(name: &str, bytes: f64, verdict: Verdict, new: bool) -> Check {
        let mut c = Check::worded(
            CheckId::BaselineCrate(name.into()),
            verdict,
            format!("crate {name} is new"),
        );
        c.value = Some(bytes);
        c.new = new;
        c
    }

    #[test]
    fn the_largest_new_crates_stay_and_the_rest_are_one_line() {
        let mut all: Vec<Check> = (1..=9)
            .map(|i| crate_check(&format!("c{i}"), f64::from(i) * 1000.0, Verdict::Fail, true))
            .collect();
        all.push(crate_check("grown", 50_000.0, Verdict::Fail, false));
        all.push(crate_check("small_new", 10.0, Verdict::Pass, true));
        let refs: Vec<&Check> = all.iter().collect();
        let (kept, folds) = fold(&refs);
        let [folded] = &folds[..] else {
            panic!("one fold");
        };
        assert_eq!(folded.names(), ["c4", "c3", "c2", "c1"]);
        assert_eq!(folded.bytes(), 10_000);
        assert_eq!(folded.verdict, Verdict::Fail);
        assert_eq!(folded.label(), "4 more new crates");
        // The grown crate and the passing new one are not folded.
        assert_eq!(kept.len(), 7);
        assert!(kept.iter().any(|c| c.id.to_string().contains("grown")));
        assert!(kept.iter().any(|c| c.id.to_string().contains("small_new")));
        assert!(
            folded.message().starts_with("9.77 KiB in all"),
            "{}",
            folded.message()
        );
    }

    #[test]
    fn one_crate_past_the_listed_is_not_folded() {
        let all: Vec<Check> = (1..=6)
            .map(|i| crate_check(&format!("c{i}"), 100.0, Verdict::Warn, true))
            .collect();
        let refs: Vec<&Check> = all.iter().collect();
        let (kept, folds) = fold(&refs);
        assert!(folds.is_empty());
        assert_eq!(kept.len(), 6);
    }
}

/// QA ca F2: after an `opt-level` change, 42 crate and section checks warned, each with the
/// same caveat and its entry points. They are one line, the caveat once, the largest changes
/// first; the whole binary's checks and a single such check stay rows of their own.
#[cfg(test)]
mod built_otherwise {
    use super::*;

    fn moved(id: CheckId, delta: f64) -> Check {
        let mut c = Check::worded(id, Verdict::Warn, "grew; but the baseline was built".into());
        c.delta = Some(delta);
        c.value = Some(delta.abs() * 2.0);
        c.built_otherwise = true;
        c
    }

    #[test]
    fn checks_moved_by_other_build_settings_are_one_line() {
        let mut all: Vec<Check> = (1..=8)
            .map(|i| {
                moved(
                    CheckId::BaselineCrate(format!("c{i}")),
                    f64::from(i) * 1024.0,
                )
            })
            .collect();
        all.push(moved(
            CheckId::BaselineSection(".text".into()),
            -64.0 * 1024.0,
        ));
        all.push(Check::worded(
            CheckId::BaselineFileSize,
            Verdict::Fail,
            "grew".into(),
        ));
        let refs: Vec<&Check> = all.iter().collect();
        let (kept, folds) = fold(&refs);
        assert_eq!(kept.len(), 1, "the file's size stays");
        let [f] = &folds[..] else {
            panic!("one fold");
        };
        assert_eq!(f.kind, Kind::BuiltOtherwise);
        assert_eq!(f.label(), "9 crate and section checks");
        let m = f.message();
        assert_eq!(m.matches("built otherwise").count(), 1, "{m}");
        assert!(
            m.ends_with(
                "the largest changes: section .text -64.0 KiB, crate c8 +8.00 KiB, crate c7 \
                 +7.00 KiB, crate c6 +6.00 KiB, crate c5 +5.00 KiB, crate c4 +4.00 KiB, 3 more"
            ),
            "{m}"
        );
        // One alone is its own row.
        let (kept, folds) = fold(&refs[..1]);
        assert!(folds.is_empty() && kept.len() == 1);
    }
}
