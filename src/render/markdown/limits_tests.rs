//! The Markdown report's and the page's limit cells.

use super::*;

/// QA bx F5: a budget of a whole number of a unit reads in the limit cell as the message says
/// it ("8 MiB"), another to two decimals; a figure of another unit as before.
#[test]
fn a_whole_budget_reads_as_the_message_says_it() {
    use crate::report::{Check, CheckId, Unit, Verdict};
    let limit = |l: f64, unit: Unit| {
        let c = Check::new(CheckId::BudgetRss, unit, Verdict::Pass, String::new())
            .against_limit(Some(1.0), l);
        crate::render::cells::reference(&c)
    };
    assert_eq!(limit(8.0 * 1024.0 * 1024.0, Unit::Bytes), "limit 8 MiB");
    // A decimal one as written (QA cq F6), with its binary figure as the message gives it (QA
    // da F4: "6.22 MiB | limit 6.5 MB" read as under the limit); one that is no round figure
    // in any unit, as written, in bytes (QA da F7).
    assert_eq!(limit(8_500_000.0, Unit::Bytes), "limit 8.5 MB = 8.11 MiB");
    assert_eq!(limit(8_500_001.0, Unit::Bytes), "limit 8,500,001 B");
    // QA cc F7: and a whole number of milliseconds (`max_startup = "5ms"`).
    assert_eq!(limit(50.0, Unit::Ms), "limit 50 ms");
    assert_eq!(limit(2.5, Unit::Ms), "limit 2.50 ms");
    let page = |l: f64, unit: Unit| {
        let mut r = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        a.checks.push(
            Check::new(CheckId::BudgetRss, unit, Verdict::Fail, String::new())
                .against_limit(Some(9.0), l),
        );
        r.artifacts.push(a);
        crate::render::html::render(&r)
    };
    assert!(page(5.0, Unit::Ms).contains("limit 5 ms"));
    assert!(page(8.0 * 1024.0 * 1024.0, Unit::Bytes).contains("limit 8 MiB"));
}
