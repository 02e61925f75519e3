//! `--format markdown` shows what `--why`, `--symbols N` and `--crates` asked for, as the JSON
//! report of the same command has it: the chains step by step, the symbol rows (their sizes
//! checked against `nm --size-sort -S`), the crate rows; and a `|` in a symbol's name does not
//! break its table row. Read back as GitHub would, with a GFM reader (pulldown-cmark).

use serde_json::Value;

use cargo_aotcheck::format::size;

use crate::util::*;

/// A symbol with what Markdown, HTML and a GFM table would read: `|`, `<`, `>`, `*`, `_`.
const NASTY: &str = "t|<a>*b_c";

/// A dynamic C program whose largest symbol is [`NASTY`], a 20,000-byte table `main` reads.
fn program(dir: &std::path::Path) -> String {
    let src = dir.join("p.c");
    std::fs::write(
        &src,
        format!(
            "#include <stdio.h>\nconst char tbl[20000] __asm__(\"\\\"{NASTY}\\\"\") = {{1}};\n\
             int main(int argc, char **argv) {{ printf(\"%d\\n\", tbl[argc]); return 0; }}\n"
        ),
    )
    .expect("write");
    let bin = dir.join("p").to_str().expect("utf-8").to_string();
    tool("gcc", &["-O1", src.to_str().expect("utf-8"), "-o", &bin]);
    bin
}

/// A piece of a list item: text, or a code span's text.
#[derive(Debug)]
enum Piece {
    Text(String),
    Code(String),
}

/// What the tests read of a Markdown document, as a GFM reader (pulldown-cmark) reads it.
#[derive(Default)]
struct Doc {
    /// Each table's rows, the header first; a cell's text with its code spans' text.
    tables: Vec<Vec<Vec<String>>>,
    /// Each ordered list, with the text of the paragraph just before it.
    lists: Vec<(String, Vec<Vec<Piece>>)>,
}

fn read(md: &str) -> Doc {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_GFM;
    let mut doc = Doc::default();
    let (mut para, mut table, mut row) = (String::new(), Vec::new(), Vec::new());
    let (mut cell, mut list, mut item) = (None::<String>, None, None::<Vec<Piece>>);
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Start(Tag::Paragraph) if item.is_none() => para.clear(),
            Event::Text(t) | Event::Code(t) if cell.is_some() => {
                cell.get_or_insert_default().push_str(&t);
            }
            Event::Text(t) if item.is_some() => {
                let pieces = item.get_or_insert_default();
                match pieces.last_mut() {
                    // A reader may split text at an escape: one piece.
                    Some(Piece::Text(before)) => before.push_str(&t),
                    _ => pieces.push(Piece::Text(t.to_string())),
                }
            }
            Event::Code(t) if item.is_some() => {
                item.get_or_insert_default()
                    .push(Piece::Code(t.to_string()));
            }
            Event::Text(t) | Event::Code(t) => para.push_str(&t),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(cell.take().unwrap_or_default()),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                table.push(std::mem::take(&mut row));
            }
            Event::End(TagEnd::Table) => doc.tables.push(std::mem::take(&mut table)),
            Event::Start(Tag::List(Some(_))) => list = Some((para.clone(), Vec::new())),
            Event::Start(Tag::Item) => item = Some(Vec::new()),
            Event::End(TagEnd::Item) => {
                if let (Some(l), Some(i)) = (list.as_mut(), item.take()) {
                    let l: &mut (String, Vec<Vec<Piece>>) = l;
                    l.1.push(i);
                }
            }
            Event::End(TagEnd::List(true)) => doc.lists.extend(list.take()),
            _ => {}
        }
    }
    doc
}

/// The rows (header left out) of the first table whose first header cell is `first`.
fn table(md: &str, first: &str) -> Vec<Vec<String>> {
    let doc = read(md);
    let t = doc
        .tables
        .iter()
        .find(|t| {
            t.first()
                .and_then(|h| h.first())
                .is_some_and(|h| h == first)
        })
        .unwrap_or_else(|| panic!("no table `{first}` in:\n{md}"));
    t[1..].to_vec()
}

/// The chain listed after the paragraph `target`: each item's (kind, symbol, crate).
fn chain(md: &str, target: &str) -> Vec<(String, String, Option<String>)> {
    let doc = read(md);
    let (_, items) = doc
        .lists
        .iter()
        // After the target, what it retains (`--why`'s chains).
        .find(|(p, _)| {
            p == target
                || p.strip_prefix(target)
                    .is_some_and(|r| r.starts_with(" (retains ") && r.ends_with(')'))
        })
        .unwrap_or_else(|| panic!("no chain for {target} in:\n{md}"));
    items
        .iter()
        .map(|pieces| match pieces.as_slice() {
            [Piece::Text(kind), Piece::Code(symbol), rest @ ..] => {
                // The crate in parentheses, as code (QA z, Z6: it was escaped text).
                let krate = match rest {
                    [] => None,
                    [Piece::Text(open), Piece::Code(k), Piece::Text(close)]
                        if open.trim() == "(" && close.trim() == ")" =>
                    {
                        Some(k.clone())
                    }
                    other => panic!("after the symbol: {other:?}"),
                };
                (kind.trim().to_string(), symbol.clone(), krate)
            }
            other => panic!("a step: {other:?}"),
        })
        .collect()
}

/// The steps of a JSON chain, as (kind, symbol, crate).
fn json_steps(chain: &Value) -> Vec<(String, String, Option<String>)> {
    chain["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                str_of(s, "kind").to_string(),
                str_of(s, "symbol").to_string(),
                // A step without a crate shows the crate table's row for its bytes.
                Some(s["crate"].as_str().map_or_else(
                    || {
                        if str_of(s, "symbol").starts_with("[section ") {
                            "[no symbol]".to_string()
                        } else {
                            "[unknown]".to_string()
                        }
                    },
                    str::to_string,
                )),
            )
        })
        .collect()
}

/// The symbol rows and the crate rows of the Markdown equal the JSON's (`--crates`: all of
/// them), their sizes written as `format::size` writes the JSON's bytes.
fn assert_tables_match(md: &str, b: &Value) {
    let rows = table(md, "Symbol");
    let json_rows = b["symbols"].as_array().expect("symbols");
    assert_eq!(rows.len(), json_rows.len(), "{md}");
    for (r, j) in rows.iter().zip(json_rows) {
        // One of several copies in the binary says which (JSON `copy`: [k, n]).
        let name = match j["copy"].as_array() {
            Some(c) => format!("{} (copy {} of {})", str_of(j, "name"), c[0], c[1]),
            None => str_of(j, "name").to_string(),
        };
        assert_eq!(r[0], name, "{md}");
        let vm = u64_of(j, "vm_size");
        // Without a crate: the crate table's row for its bytes (none when not loaded).
        let row = match j["crate"].as_str() {
            Some(k) => k,
            None if vm == 0 => "–",
            None if str_of(j, "name").starts_with("[section ") => "[no symbol]",
            None if str_of(j, "name").starts_with('[') => "–",
            None => "[unknown]",
        };
        assert_eq!(r[1], row, "{md}");
        assert_eq!(r[3], if vm == 0 { "–".into() } else { size(vm) });
    }
    let crates = table(md, "Crate");
    let json_crates = b["crates"].as_array().expect("crates");
    assert_eq!(crates.len(), json_crates.len().min(100), "{md}");
    for (r, j) in crates.iter().zip(json_crates) {
        assert_eq!(r[0], str_of(j, "name"));
        assert_eq!(r[1], size(u64_of(j, "vm_size")));
        if let Some(ret) = j["retained"].as_u64() {
            assert_eq!(r[3], size(ret), "retained of {}", r[0]);
        }
    }
}

#[test]
fn inspect_markdown_shows_why_symbols_and_crates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = program(dir.path());
    let args = ["--why", "^main$", "--symbols", "5", "--crates"];
    let inspect = |format: &str| {
        let r = run(aotcheck()
            .args(["aotcheck", "inspect", "-q", &bin, "--format", format])
            .args(args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let md = inspect("markdown");
    let v: Value = serde_json::from_str(&inspect("json")).expect("JSON");
    let b = &v["artifacts"][0]["binary"];
    // The chain to main, step by step.
    let why = &b["why"]["chains"][0];
    assert_eq!(str_of(why, "target"), "main", "{why}");
    let steps = json_steps(why);
    assert!(steps.len() >= 2, "{why}");
    assert_eq!(chain(&md, "main"), steps, "{md}");
    // Five symbol rows, the largest first: NASTY, in one row whatever its `|`.
    assert_eq!(b["symbols"].as_array().map(Vec::len), Some(5), "{b}");
    assert_tables_match(&md, b);
    let rows = table(&md, "Symbol");
    assert_eq!(rows[0][0], NASTY, "{md}");
    // The sizes, from nm.
    let nm = tool("nm", &["--size-sort", "-S", &bin]);
    for r in &rows {
        let Some(line) = nm.lines().find(|l| l.ends_with(&format!(" {}", r[0]))) else {
            continue;
        };
        let bytes = line
            .split_whitespace()
            .nth(1)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .expect("nm's size");
        assert_eq!(r[3], size(bytes), "{} per nm: {line}", r[0]);
    }
    assert!(nm.contains(&format!(" {NASTY}\n")), "{nm}");
}

/// Without `--crates` the 10 largest crates, and the rest said; with it, every one (up to 100).
#[test]
fn inspect_markdown_says_which_crates_it_left_out() {
    let me = assert_cmd::cargo::cargo_bin("cargo-aotcheck");
    let me = me.to_str().expect("utf-8");
    let inspect = |extra: &[&str]| {
        let r = run(aotcheck()
            .args(["aotcheck", "inspect", "-q", me, "--symbols", "3"])
            .args(extra));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let v: Value = serde_json::from_str(&inspect(&["--format", "json"])).expect("JSON");
    let b = &v["artifacts"][0]["binary"];
    let all = b["crates"].as_array().expect("crates").len();
    assert!(all > 10, "{all} crates");
    let md = inspect(&["--format", "markdown"]);
    assert_eq!(table(&md, "Crate").len(), 10, "{md}");
    assert!(
        md.contains(&format!("{} more crates not listed, ", all - 10))
            && md.contains("`--crates` lists them"),
        "{md}"
    );
    assert_tables_match(&inspect(&["--format", "markdown", "--crates"]), b);
}

/// The main command's Markdown has the same sections: the `--why` chains of a built fixture,
/// as its JSON report has them.
#[test]
fn build_markdown_shows_why_chains() {
    let report = |format: &str| {
        let r = run(&mut human_fixture(
            "why-chain",
            &["--no-probe", "--why", "why_b", "--format", format],
        ));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let md = report("markdown");
    let v: Value = serde_json::from_str(&report("json")).expect("JSON");
    let mut compared = 0;
    for a in v["artifacts"].as_array().expect("artifacts") {
        let b = &a["binary"];
        for c in b["why"]["chains"].as_array().expect("chains") {
            let steps = json_steps(c);
            if !steps.is_empty() {
                assert_eq!(chain(&md, str_of(c, "target")), steps, "{md}");
                compared += 1;
            }
        }
        assert_tables_match(&md, b);
    }
    assert!(compared >= 1, "no chain compared: {md}");
}

/// Without a check worth a verdict table, the binaries' table carries what the probe measured:
/// each cell is the report's own figure (median, p90, counted runs; RSS at ready).
#[test]
fn the_binaries_table_has_the_probes_figures() {
    let mut r = crate::html::hand::hand_built();
    r.baseline = None;
    for a in &mut r.artifacts {
        a.checks.clear();
    }
    let md = cargo_aotcheck::render::markdown::render(&r);
    let header = "| Binary | Linkage | File | Stripped | Closure | Startup (median) | RSS |";
    let at = md.find(header).unwrap_or_else(|| panic!("{md}"));
    let rows: Vec<Vec<&str>> = md[at..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), r.artifacts.len(), "{md}");
    for (a, row) in r.artifacts.iter().zip(&rows) {
        let p = a.probe.as_ref().expect("probed");
        let st = p.startup_ms.as_ref().expect("startup");
        let ms = |v: f64| format!("{v:.2} ms");
        assert_eq!(
            row[5],
            format!("{} (p90 {}, {} runs)", ms(st.median), ms(st.p90), st.count),
            "{md}"
        );
        let rss = p.memory_kib.rss.expect("rss");
        assert!(
            row[6].starts_with(&format!("{:.2} MiB at ready", rss as f64 / 1024.0)),
            "{md}"
        );
        // QA cy F5: under `tcp`, the moment is its first accepted connect.
        assert_eq!(
            row[6].ends_with("at ready: its first accepted connect"),
            p.ready.starts_with("tcp"),
            "{} {md}",
            p.ready
        );
    }
}

/// QA dj F5: two files of one name in a folder's `a/` and `b/` are told apart in the
/// Markdown, by their paths, in the table and in the headings (both read `lsd`).
#[test]
fn files_of_one_name_are_told_apart_by_their_paths() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (sub, from) in [("a", "/bin/ls"), ("b", "/bin/true")] {
        std::fs::create_dir(tmp.path().join(sub)).expect("mkdir");
        std::fs::copy(from, tmp.path().join(sub).join("ls")).expect("copy");
    }
    let dir = tmp.path().to_str().expect("utf-8");
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q", "--format", "markdown", dir]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = table(&r.stdout, "Binary");
    let firsts: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let (a, b) = (format!("{dir}/a/ls"), format!("{dir}/b/ls"));
    assert_eq!(firsts, [a.as_str(), b.as_str()], "{}", r.stdout);
    for p in [&a, &b] {
        assert!(r.stdout.contains(&format!("### `{p}`")), "{}", r.stdout);
    }
}
