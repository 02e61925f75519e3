//! The Markdown report's escaping, its verdict rows and its layout.

use super::biggest::{biggest_changes, figure};
use super::*;
use crate::report::CheckId;

/// The biggest changes name what changed in words, not by check id (`baseline.rss` sat
/// beside `.text` and `regex`).
#[test]
fn biggest_changes_name_their_figure_in_words() {
    let mut a = crate::report::test_artifact(1000);
    assert_eq!(
        figure(&CheckId::BaselineSection(".text".into()), &a),
        "section `.text`"
    );
    assert_eq!(
        figure(&CheckId::BaselineCrate("regex".into()), &a),
        "crate `regex`"
    );
    assert_eq!(figure(&CheckId::BaselineRss, &a), "RSS at ready");
    assert_eq!(figure(&CheckId::BaselineBinary, &a), "`baseline.binary`");
    // QA ba F4: with `--ready exit` the memory is read as the program exits.
    a.probe = Some(crate::report::Probe {
        ready: "exit".into(),
        ..crate::report::Probe::default()
    });
    assert_eq!(figure(&CheckId::BaselineRss, &a), "RSS at exit");
}

#[test]
fn escaping_leaves_no_markup_and_plain_text_as_written() {
    let nasty = "<script>alert(1)</script> a|b `x` [l](http://e) **b** _i_ ~s~ $x$\nnext";
    assert_eq!(
        escape(nasty),
        "\\<script>alert(1)\\</script> a\\|b \\`x\\` \\[l](http\\://e) \\*\\*b\\*\\* \\_i\\_ \\~s\\~ \\$x\\$ next"
    );
    // What the issue found unreadable: identifiers and messages full of entities.
    for plain in [
        "git:HEAD (0123abcd)",
        "file_size 1.2 a.b",
        "Vec<T> as Drop>::drop",
        "3 > 2",
    ] {
        assert_eq!(escape(plain), plain.replace('<', "\\<"));
    }
    // A bracket is a link only with `](` or `][` after it, or at the start of a line.
    assert_eq!(escape("x [no symbol] y"), "x [no symbol] y");
    assert_eq!(escape("[no symbol]"), "\\[no symbol]");
    assert_eq!(escape("a [b][c] d"), "a \\[b]\\[c] d");
    assert_eq!(escape("a [b [c] d](e)"), "a \\[b \\[c] d](e)");
    // Blocks that a line could start: a quote, a list, a heading.
    assert_eq!(escape("> q"), "\\> q");
    assert_eq!(escape("- l"), "\\- l");
    assert_eq!(escape("# h"), "\\# h");
    assert_eq!(escape("12. x"), "12\\. x");
    assert_eq!(escape("1.5 MiB"), "1.5 MiB");
    assert_eq!(escape("&amp; & x"), "\\&amp; & x");
    assert_eq!(escape("www.e.com"), "www\\.e.com");
    // GitHub's own: a mention, an issue link, an emoji get a word joiner.
    assert_eq!(
        escape("@you #12 :smile:"),
        "@\u{2060}you #\u{2060}12 :\u{2060}smile:"
    );
}

/// More files not inspected than [`FAILED_SHOWN`] are folded, under the heading.
#[test]
fn many_files_not_inspected_are_folded_under_the_heading() {
    let mut r = Report::new(None);
    r.verdict = Verdict::Inconclusive;
    r.failed = (0..=FAILED_SHOWN)
        .map(|i| crate::report::FailedFile {
            path: format!("/usr/bin/script{i}"),
            error: "not an ELF, PE or Mach-O file".into(),
        })
        .collect();
    let md = render(&r);
    assert!(
        md.contains(
            "## cargo-aotcheck: ❔ inconclusive\n\n<details><summary>6 files not inspected, so \
             the report is inconclusive</summary>\n\n- ❌ `/usr/bin/script0`: not an ELF"
        ),
        "{md}"
    );
    r.failed.truncate(1);
    let md = render(&r);
    assert!(
        md.contains("\n**1 file not inspected, so the report is inconclusive:**\n"),
        "{md}"
    );
}

#[test]
fn code_spans_show_identifiers_as_written() {
    assert_eq!(code("baseline.file_size"), "`baseline.file_size`");
    assert_eq!(code("a`b"), "``a`b``");
    assert_eq!(code("`x`"), "`` `x` ``");
    assert_eq!(code("a``b`"), "``` a``b` ```");
    assert_eq!(code(" a "), "`  a  `");
    assert_eq!(code("a|b"), "`a|b`");
    assert_eq!(code("a\nb"), "`a b`");
    assert_eq!(cell("a|b"), "`a\\|b`");
    // No code span can hold a `\|` in a table: escaped text instead.
    assert_eq!(cell("a\\|b"), "a\\\\\\|b");
    assert_eq!(code(""), "");
}

#[test]
fn advice_tables_escape_what_they_quote() {
    let s = render(&Report {
        advice: Some(crate::render::advice::tests::advice()),
        ..Report::new(None)
    });
    assert!(s.starts_with("<!-- cargo-aotcheck advise -->\n"));
    assert!(
        !s.contains(MARKER),
        "advice must not take the check's comment"
    );
    insta::assert_snapshot!(s);
}

/// QA ai: the advice's Markdown carries the run's warnings, a busy machine's above the tables
/// (F1), and heads its lines to paste with what they keep, names as code spans (F2, F3).
#[test]
fn advice_says_its_warnings_and_what_the_paste_keeps() {
    let mut a = crate::render::advice::tests::advice();
    a.profile_in_manifest = true;
    a.replaces = vec!["opt-level = 3".into()];
    let busy = "the machine was busy (load average 4.8 on 2 CPUs): timings are inflated and noisy";
    let other = "`app-server` [panic=abort]: no probe run got ready: killed by SIGABRT";
    let s = render(&Report {
        advice: Some(a),
        warnings: vec![busy.into(), other.into()],
        ..Report::new(None)
    });
    let caveat = s.find("> ⚠️ **The start-up figures may not hold:**\n> - the machine was busy");
    let table = s.find("| variant |");
    assert!(caveat.is_some() && caveat < table, "{s}");
    assert!(
        s.contains("- ⚠️ `app-server` \\[panic=abort\\]: no probe run got ready")
            || s.contains("- ⚠️ `app-server` [panic=abort]: no probe run got ready"),
        "{s}"
    );
    assert!(
        s.contains(
            "To keep the combined variant (-361 KiB -26.0%, start-up -6.6%), paste into the \
             `[profile.release]` table Cargo.toml already has, in place of its `opt-level = 3`:"
        ),
        "{s}"
    );
    assert!(!s.contains("\\`"), "{s}");
}

/// QA w, F13: a comment over GitHub's limit is cut at a line, an open `<details>` closed,
/// and a last line says so; one that fits is left alone.
#[test]
fn a_comment_over_the_limit_is_cut_at_a_line_and_says_so() {
    let short = "## a\n| x |\n".to_string();
    assert_eq!(fit(short.clone(), 1000), short);
    let mut long = "## head\n<details><summary>All</summary>\n\n".to_string();
    for i in 0..200 {
        long.push_str(&format!("| row {i} | é |\n"));
    }
    let cut = fit(long.clone(), 1500);
    assert!(cut.len() <= 1500, "{}", cut.len());
    assert!(cut.starts_with("## head\n"));
    let said = format!(
        "it is {} bytes long",
        crate::format::thousands(long.len() as u64)
    );
    assert!(cut.contains(&said), "{cut}");
    let body = cut.split("\n</details>\n").next().unwrap_or_default();
    assert!(
        body.lines()
            .skip(3)
            .all(|l| l.starts_with("| row ") && l.ends_with(" |"))
    );
    assert_eq!(cut.matches("</details>").count(), 1);
    assert!(cut.ends_with("gives all of it.\n"));
}

/// QA be F2: `inspect` runs no audit; its comment's "✅ pass" said nothing of that. Said under
/// the heading when no binary of the report was audited; not when one was.
#[test]
fn an_inspect_report_says_it_ran_no_audit() {
    let mut report = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.package = None;
    a.audited = false;
    report.artifacts.push(a);
    let s = render(&report);
    assert!(
        s.starts_with(&format!(
            "{MARKER}\n## cargo-aotcheck: ✅ pass · not audited\n"
        )),
        "{s}"
    );
    assert!(
        s.contains("\n\nNot audited: `inspect` reads the files alone, and the audit needs"),
        "{s}"
    );
    report.artifacts[0].audited = true;
    let s = render(&report);
    assert!(
        !s.contains("Not audited") && !s.contains("not audited"),
        "{s}"
    );
}

/// QA bh F9: 30 new crates of one feature were 30 failing rows of the verdict table; the five
/// largest stay rows and the rest are one, per binary, after the other failures.
#[test]
fn a_dozen_new_crates_are_one_row_per_binary() {
    let mut a = crate::render::fold::test_new_crates(9);
    a.name = "app".into();
    let mut other = a.clone();
    other.name = "tool".into();
    other.checks.truncate(3);
    let mut report = Report::new(None);
    report.artifacts = vec![a, other];
    let md = render(&report);
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| Binary | Check |"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let folded: Vec<&&str> = table
        .iter()
        .filter(|l| l.contains("more new crates"))
        .collect();
    assert_eq!(folded.len(), 1, "{md}");
    assert!(
        folded[0].contains("| 4 more new crates | ❌ fail | 10.0 KiB |")
            && folded[0].contains("largest first: `dep04`, `dep03`, `dep02`, `dep01`"),
        "{md}"
    );
    // app's five largest, its file size, then the fold; tool's three are not folded.
    assert_eq!(table.len(), 2 + 5 + 1 + 1 + 3, "{md}");
    let pos = |t: &str| table.iter().position(|l| l.contains(t)).expect(t);
    assert!(pos("file size grew") < pos("more new crates"), "{md}");
    // dep01, folded, has no row of app's own; tool's row of it stays.
    let rows_of = |binary: &str| {
        table
            .iter()
            .filter(|l| {
                l.split('|')
                    .nth(1)
                    .is_some_and(|b| b.trim().starts_with(binary))
            })
            .filter(|l| !l.contains("more new crates") && l.contains("`dep01`"))
            .count()
    };
    assert_eq!((rows_of("`app`"), rows_of("`tool`")), (0, 1), "{md}");
}

/// `c` with `n` new references `{from}{k} → {to}{k}`, named at the end of its message as the
/// gate names them.
fn entered(c: &mut Check, (from, to): (&str, &str), n: u32, retained: Option<u64>) {
    c.new_entries = (1..=n)
        .map(|k| crate::report::NewEntry {
            from: format!("{from}{k}"),
            to: format!("{to}{k}"),
            retained,
        })
        .collect();
    c.entry_points = c.new_entries.iter().map(|e| e.from.clone()).collect();
    crate::gate::entry_points::end_message_with_entry_points(c);
}

/// QA bo F3: a verdict table's cell held every entry point a crate check names (up to 1,238
/// characters); the cell quotes the first, and a list under the table has the five the message
/// names with the rest counted.
#[test]
fn a_crates_entry_points_are_listed_under_the_table_and_one_is_in_its_cell() {
    use crate::report::CheckId;
    let mut a = crate::report::test_artifact(1000);
    a.name = "tokei".into();
    let mut c = Check::worded(
        CheckId::BaselineCrate("serde".into()),
        Verdict::Fail,
        "crate serde grew by 14.5 KiB (+138.7%) to 25.0 KiB: over 5% and 4.00 KiB".into(),
    );
    c.value = Some(25.0 * 1024.0);
    c.delta = Some(14.5 * 1024.0);
    entered(&mut c, ("tokei::caller", "serde::callee"), 7, Some(1024));
    a.checks.push(c);
    let mut report = Report::new(None);
    report.artifacts = vec![a];
    let md = render(&report);
    let row = md
        .lines()
        .find(|l| l.starts_with('|') && l.contains("baseline.crate:serde"))
        .unwrap_or_else(|| panic!("{md}"));
    assert_eq!(row.matches(" → ").count(), 1, "{row}");
    assert!(
        row.contains("`tokei::caller1` → `serde::callee1` (retains 1.00 KiB) (+6 more, listed below the table)"),
        "{row}"
    );
    let list: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("<details><summary>New entry points of 1 crate</summary>"))
        .take_while(|l| !l.starts_with("</details>"))
        .collect();
    assert!(
        list.iter()
            .any(|l| l.starts_with("- `tokei` (package `app`), crate `serde`:")),
        "{md}"
    );
    let items: Vec<&&str> = list
        .iter()
        .filter(|l| l.starts_with("  - `tokei::caller"))
        .collect();
    assert_eq!(items.len(), 5, "{md}");
    assert!(
        list.contains(&"  - and 2 more (the JSON report lists each)"),
        "{md}"
    );
}

/// QA bo F5: an RSS growth of 256 KiB (file-backed pages following the binary) led the
/// biggest changes above the `.text` section that grew by 254 KiB; the binary's bytes come
/// first, memory after them.
#[test]
fn biggest_changes_list_the_binary_s_bytes_before_memory() {
    let a = crate::report::test_artifact(1000);
    let grown = |id: CheckId, was: f64, now: f64| {
        let mut c = Check::new(id, Unit::Bytes, Verdict::Pass, String::new());
        (c.baseline, c.value, c.delta) = (Some(was), Some(now), Some(now - was));
        c
    };
    let rss = grown(CheckId::BaselineRss, 5_300_000.0, 5_562_000.0);
    let text = grown(
        CheckId::BaselineSection(".text".into()),
        1_000_000.0,
        1_260_000.0,
    );
    let rows: Vec<Row> = vec![("`app`".into(), &a, &rss), ("`app`".into(), &a, &text)];
    let mut s = String::new();
    biggest_changes(&mut s, &rows);
    let at = |what: &str| s.find(what).unwrap_or_else(|| panic!("{what} in {s}"));
    assert!(at("section `.text`") < at("RSS at ready"), "{s}");
    // QA bs F4: after as many rows of bytes as the table holds, memory still has its row.
    let sections: Vec<Check> = (0..12)
        .map(|i| {
            grown(
                CheckId::BaselineSection(format!(".s{i}")),
                1_000.0,
                2_000_000.0,
            )
        })
        .collect();
    let mut many: Vec<Row> = sections.iter().map(|c| ("`app`".into(), &a, c)).collect();
    many.push(("`app`".into(), &a, &rss));
    let mut s = String::new();
    biggest_changes(&mut s, &many);
    assert!(s.contains("RSS at ready"), "{s}");
    assert_eq!(s.matches("| section ").count(), 10, "{s}");
    assert!(
        s.contains("whole binary's sizes are in the table of verdicts"),
        "{s}"
    );
    // QA di F3: the baseline's own binary's memory moved with the machine: no change listed.
    let mut same = rss.clone();
    same.same_binary = true;
    let mut s = String::new();
    biggest_changes(&mut s, &[("`app`".into(), &a, &same)]);
    assert!(s.is_empty(), "{s}");
}

/// QA bq F6: a crate the run no longer has reads `gone` in the biggest changes, as its check
/// says, not `0 B` and `-100.0%`.
#[test]
fn a_gone_crate_reads_gone_in_the_biggest_changes() {
    let a = crate::report::test_artifact(1000);
    let mut c = Check::new(
        CheckId::BaselineCrate("aws_lc_sys".into()),
        Unit::Bytes,
        Verdict::Pass,
        "crate aws_lc_sys is gone (was 2.48 MiB)".into(),
    );
    (c.baseline, c.value, c.delta, c.change) =
        (Some(2_600_000.0), Some(0.0), Some(-2_600_000.0), Some(-1.0));
    c.gone = true;
    let rows: Vec<Row> = vec![("`app`".into(), &a, &c)];
    let mut s = String::new();
    biggest_changes(&mut s, &rows);
    let row = s
        .lines()
        .find(|l| l.contains("aws_lc_sys"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.ends_with("| gone | -2.48 MiB | gone |"), "{row}");
    assert!(!row.contains("-100.0%"), "{row}");
}

/// QA ca F1: a new entry point of 19,163 characters (actix's `drop_in_place<…>`) was printed
/// whole in the Markdown, which went over a comment's size, and in the page's cells. Both cut
/// each end of a reference to the tables' name length, as the terminal cuts it to its width.
#[test]
fn long_entry_points_are_cut_in_markdown_and_in_the_page() {
    use crate::report::{CheckId, NewEntry};
    let long = |end: &str| format!("core::ptr::drop_in_place<{}{end}>", "Service<".repeat(2000));
    let (from, to) = (long("caller"), long("callee"));
    let mut a = crate::report::test_artifact(1000);
    let mut c = Check::worded(
        CheckId::BaselineCrate("actix_server".into()),
        Verdict::Fail,
        "crate actix_server grew by 14.5 KiB (+138.7%) to 25.0 KiB: over 5% and 4.00 KiB".into(),
    );
    c.new_entries = vec![NewEntry {
        from: from.clone(),
        to: to.clone(),
        retained: None,
    }];
    c.entry_points = vec![from.clone()];
    crate::gate::entry_points::end_message_with_entry_points(&mut c);
    a.checks.push(c);
    let mut report = Report::new(None);
    report.artifacts = vec![a];
    let cut = |name: &str| crate::format::clip(name, crate::format::NAME_MAX);
    let md = render(&report);
    assert!(
        md.contains(&format!("`{}` → `{}`", cut(&from), cut(&to))),
        "{md}"
    );
    assert!(!md.contains(&format!("`{from}`")), "{md}");
    assert!(
        md.lines()
            .all(|l| l.len() < 2 * crate::format::NAME_MAX + 200),
        "{md}"
    );
    let page = crate::render::html::render(&report);
    let code = |name: &str| {
        format!(
            "<code>{}</code>",
            name.replace('<', "&lt;").replace('>', "&gt;")
        )
    };
    assert!(
        page.contains(&code(&cut(&from))),
        "the page has no cut name"
    );
    assert!(page.contains(&code(&cut(&to))), "the page has no cut name");
    assert!(!page.contains(&code(&from)), "the page has the whole name");
}

/// QA ca F2: crate and section checks that warn because the baseline was built otherwise are
/// one row, the caveat once, and their entry points are not listed under the table.
#[test]
fn checks_moved_by_other_build_settings_are_one_row() {
    use crate::report::CheckId;
    let mut a = crate::report::test_artifact(1000);
    for i in 1..=4 {
        let mut c = Check::worded(
            CheckId::BaselineCrate(format!("dep{i}")),
            Verdict::Warn,
            format!(
                "crate dep{i} grew by {i} KiB; but the baseline was built otherwise (profile \
                 setting opt-level): what each crate and section holds moves with that"
            ),
        );
        c.delta = Some(f64::from(i) * 1024.0);
        c.built_otherwise = true;
        entered(&mut c, ("app::f", &format!("dep{i}::g")), 3, None);
        a.checks.push(c);
    }
    let mut report = Report::new(None);
    report.artifacts = vec![a];
    let md = render(&report);
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with('|') && l.contains("dep"))
        .collect();
    assert_eq!(rows.len(), 1, "{md}");
    assert!(rows[0].contains("| 4 crate checks | ⚠️ warn |"), "{md}");
    assert!(
        rows[0].contains("the largest changes: crate dep4 +4.00 KiB, crate dep3 +3.00 KiB"),
        "{md}"
    );
    assert!(!md.contains("New entry points"), "{md}");
}
