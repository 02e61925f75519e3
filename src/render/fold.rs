//! Crates that one change brought in by the dozen, as one line: a feature that pulls in a web
//! stack adds thirty crates, each a failing check of its own, and a list of thirty rows hides
//! the other checks (QA bh F9: 36 failing rows, one per new crate). The largest are listed,
//! the rest summed on one line with their names; JSON and `-v` keep every check.

use crate::format::size;
use crate::report::{Check, CheckId, Verdict};

/// New crates listed one by one before the rest are folded.
pub const LISTED: usize = 5;

/// The new crates that did not pass, folded into one line.
pub struct Folded<'a> {
    /// The worst verdict among them.
    pub verdict: Verdict,
    /// Largest first.
    pub checks: Vec<&'a Check>,
}

fn new_crate(c: &Check) -> bool {
    c.new && c.verdict != Verdict::Pass && matches!(c.id, CheckId::BaselineCrate(_))
}

/// `checks` without the new crates past the [`LISTED`] largest, and those folded; no fold when
/// it would hold fewer than two (a line of one crate says no less than its own row).
pub fn fold<'a>(checks: &[&'a Check]) -> (Vec<&'a Check>, Option<Folded<'a>>) {
    let mut new: Vec<&Check> = checks.iter().copied().filter(|c| new_crate(c)).collect();
    if new.len() < LISTED + 2 {
        return (checks.to_vec(), None);
    }
    new.sort_by(|x, y| {
        let v = |c: &Check| c.value.unwrap_or(0.0);
        v(y).total_cmp(&v(x)).then_with(|| x.id.cmp(&y.id))
    });
    let folded = new.split_off(LISTED);
    let kept = checks
        .iter()
        .copied()
        .filter(|c| !folded.iter().any(|f| std::ptr::eq(*f, *c)))
        .collect();
    let verdict = folded
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Warn);
    (
        kept,
        Some(Folded {
            verdict,
            checks: folded,
        }),
    )
}

impl Folded<'_> {
    /// The id column's words: `31 more new crates`.
    pub fn label(&self) -> String {
        // Never fewer than two: see [`fold`].
        format!("{} more new crates", self.checks.len())
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
    /// b, c`.
    pub fn message(&self) -> String {
        format!(
            "{} in all, {}; largest first: {}",
            size(self.bytes()),
            self.each(),
            self.names().join(", ")
        )
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
        let (kept, folded) = fold(&refs);
        let folded = folded.expect("folded");
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
        let (kept, folded) = fold(&refs);
        assert!(folded.is_none());
        assert_eq!(kept.len(), 6);
    }
}
