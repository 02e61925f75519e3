//! A release profile with `strip = true`: the shipped binary has no `.symtab`, and its crate
//! table, the audit's symbol evidence and the chains come from its analysis link (the same
//! objects linked again with `--emit-relocs`, symbols kept). Checked against the same code
//! built by a profile that keeps the symbols, and against readelf and nm.

use serde_json::Value;

use crate::util::{artifact, check_fixture, human_fixture, run, str_of, tool, u64_of, words};

/// The fixture built with `profile`; the report's static artifact. Exit 1: the host-name
/// lookup is an AOT004 error.
fn report(profile: &str) -> Value {
    let r = run(&mut check_fixture("stripped", &["--profile", profile]));
    assert_eq!(r.code, 1, "exit code; stderr:\n{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    artifact(&v, "static").clone()
}

fn has_symtab(path: &str) -> bool {
    tool("readelf", &["-SW", path]).contains(" .symtab ")
}

/// Loaded bytes per crate, by name.
fn crates(a: &Value) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = a["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| (str_of(c, "name").to_string(), u64_of(c, "vm_size")))
        .collect();
    v.sort();
    v
}

fn aot004(a: &Value) -> &Value {
    a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004")
        .unwrap_or_else(|| panic!("no AOT004 finding in {a}"))
}

#[test]
fn a_stripped_build_is_named_by_its_analysis_link() {
    let (st, full) = (report("release"), report("unstripped"));
    let (st_path, full_path) = (str_of(&st, "path"), str_of(&full, "path"));
    assert!(!has_symtab(st_path), "{st_path} should be stripped");
    assert!(has_symtab(full_path), "{full_path} should keep its symbols");

    // Where the names came from: a file that has them, among them the lookup's.
    let cov = &st["binary"]["coverage"];
    assert_eq!(cov["symbol_table"], ".symtab");
    let from = str_of(cov, "symbols_from");
    let defined = tool("nm", &["--defined-only", from]);
    assert!(
        defined.lines().any(|l| l.ends_with(" getaddrinfo")),
        "nm finds no getaddrinfo in {from}"
    );
    assert!(full["binary"]["coverage"].get("symbols_from").is_none());

    // The same crates as the build that keeps its symbols, to a few bytes: the .got slots'
    // split between std and libc differed by 16 of 1.4 MB when this was written.
    let (a, b) = (crates(&st), crates(&full));
    let names = |v: &[(String, u64)]| v.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    let apart: u64 = a.iter().zip(&b).map(|(x, y)| x.1.abs_diff(y.1)).sum();
    let loaded = u64_of(cov, "allocated_bytes");
    assert!(apart * 10_000 <= loaded, "{apart} B apart: {a:?} vs {b:?}");
    let table = a.iter().find(|c| c.0 == "table").expect("the table crate");
    assert!(table.1 >= 8192 * 8, "table crate {} B", table.1);
    assert!(cov["share"].as_f64().expect("share") > 0.9, "{cov}");

    // The audit searched the symbols: the same evidence, said to be the analysis link's.
    let (fs, ff) = (aot004(&st), aot004(&full));
    let ev = |f: &Value| -> Vec<String> {
        f["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .map(|e| e.as_str().expect("text").to_string())
            .collect()
    };
    let (es, ef) = (ev(fs), ev(ff));
    let defines = |e: &[String]| {
        e.iter()
            .find(|l| l.contains("defines `getaddrinfo`"))
            .cloned()
    };
    let (ds, df) = (defines(&es), defines(&ef));
    assert_eq!(
        ds,
        df.map(|d| format!("{d} (named by its analysis link: the binary itself is stripped)")),
        "{es:?}"
    );
    assert_eq!(fs["reachable"], true, "{fs}");
    assert_eq!(fs["reachable"], ff["reachable"]);
    assert!(
        !es.iter().any(|l| l.contains("could not be searched")),
        "{es:?}"
    );
}

/// The human report says where the names came from, and Markdown and HTML say it too.
#[test]
fn the_reports_say_the_names_are_the_analysis_links() {
    let said = "of the analysis link: the binary itself is stripped";
    for format in ["human", "markdown", "html"] {
        let r = run(&mut human_fixture(
            "stripped",
            &["--no-probe", "--format", format, "--crates"],
        ));
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(words(&r.stdout).contains(said), "{format}:\n{}", r.stdout);
    }
}

/// QA bm F8: `inspect` of the stripped binary the main command built (the one shipped) named
/// no crate, though the analysis link of the same build id was beside it. It takes the names
/// from that link, as the main command does: the same file (named by the binary's build id,
/// which readelf reads), and the same crates to a percent.
#[test]
fn inspect_of_a_stripped_build_finds_its_analysis_link() {
    let st = report("release");
    let path = str_of(&st, "path");
    assert!(!has_symtab(path), "{path} should be stripped");
    let r = run(crate::util::aotcheck().args(["aotcheck", "inspect", "--format", "json", path]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let ours = &v["artifacts"][0];
    let cov = &ours["binary"]["coverage"];
    let from = str_of(cov, "symbols_from");
    assert_eq!(from, str_of(&st["binary"]["coverage"], "symbols_from"));
    let build_id = |f: &str| {
        tool("readelf", &["-n", f])
            .lines()
            .find_map(|l| l.trim().strip_prefix("Build ID: ").map(str::to_string))
            .unwrap_or_else(|| panic!("no build id in {f}"))
    };
    // Named by the shipped binary's build id (its own differs: it holds the relocations).
    assert!(from.ends_with(&format!(".{}", build_id(path))), "{from}");
    let (a, b) = (crates(ours), crates(&st));
    let named = |v: &[(String, u64)]| {
        v.iter()
            .filter(|c| !c.0.starts_with('['))
            .map(|c| c.0.clone())
            .collect::<Vec<_>>()
    };
    assert!(named(&a).contains(&"table".to_string()), "{a:?}");
    for (name, bytes) in a.iter().filter(|c| c.0 == "table" || c.0 == "std") {
        let theirs = b.iter().find(|c| c.0 == *name).map_or(0, |c| c.1);
        assert!(
            bytes.abs_diff(theirs) * 100 <= theirs,
            "{name}: inspect {bytes} B, the main command {theirs} B"
        );
    }
}

/// QA br F3: a copy of the stripped binary outside the target dir (a release's artifacts)
/// named nothing. Run from the project that built it (here a `target/aotcheck/static` that
/// leads to the build dir), `inspect` finds the analysis link by the build id; run elsewhere, it
/// says where that link would be.
#[test]
fn inspect_of_a_copy_finds_the_analysis_link_from_the_project() {
    let st = report("release");
    let path = str_of(&st, "path");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("shipped");
    std::fs::copy(path, &copy).expect("copy");
    let build_dir = std::path::Path::new(path)
        .ancestors()
        .nth(3)
        .expect("the build dir");
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("target/aotcheck")).expect("mkdir");
    std::os::unix::fs::symlink(build_dir, project.join("target/aotcheck/static")).expect("link");
    let inspect = |cwd: &std::path::Path, format: &str| {
        run(crate::util::aotcheck()
            .current_dir(cwd)
            .args(["aotcheck", "inspect", "--format", format])
            .arg(&copy))
    };
    let r = inspect(&project, "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let cov = &v["artifacts"][0]["binary"]["coverage"];
    let real = |p: &str| std::fs::canonicalize(p).expect("the analysis link");
    let link = real(str_of(&st["binary"]["coverage"], "symbols_from"));
    // The analysis link an `inspect` report read the names from.
    let read_from = |r: &crate::util::Run| {
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        real(str_of(
            &v["artifacts"][0]["binary"]["coverage"],
            "symbols_from",
        ))
    };
    assert_eq!(real(str_of(cov, "symbols_from")), link);
    // Elsewhere, told the build's --target-dir (QA bs F2: its builds are in DIR/static).
    let given = run(crate::util::aotcheck()
        .current_dir(dir.path())
        .args(["aotcheck", "inspect", "--format", "json", "--target-dir"])
        .arg(build_dir.parent().expect("the --target-dir"))
        .arg(&copy));
    assert_eq!(read_from(&given), link);
    // From the project, told a --target-dir that does not hold the link: the project's is
    // still looked in after it, and the link found there.
    let other = tempfile::tempdir().expect("tempdir");
    let told = run(crate::util::aotcheck()
        .current_dir(&project)
        .args(["aotcheck", "inspect", "--format", "json", "--target-dir"])
        .arg(other.path())
        .arg(&copy));
    assert_eq!(read_from(&told), link);
    let elsewhere = inspect(dir.path(), "human");
    let id = str_of(&st["binary"], "build_id");
    assert!(
        words(&elsewhere.stdout).contains(&format!(
            "keeps its symbols in `target/aotcheck/<static|dynamic|advise/cargo>/graph/*.{id}`"
        )),
        "{}",
        elsewhere.stdout
    );
}

/// The fixture's dynamic build with the stripping profile: its artifact.
fn dynamic() -> Value {
    let r = run(&mut check_fixture(
        "stripped",
        &["--profile", "release", "--link", "dynamic"],
    ));
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", r.stderr));
    artifact(&v, "dynamic").clone()
}

/// QA cf F2: `inspect` of a stripped dynamic build named no crate and built no graph: its
/// `.dynsym` names no Rust symbol, so the graph was skipped as for a foreign binary before the
/// analysis link (found by the build id) was read. It takes the link's names, as the main
/// command does.
#[test]
fn inspect_of_a_stripped_dynamic_build_finds_its_analysis_link() {
    let dy = dynamic();
    let path = str_of(&dy, "path");
    assert!(!has_symtab(path), "{path} should be stripped");
    assert!(
        tool("readelf", &["-d", path]).contains("(NEEDED)"),
        "{path}: not dynamic"
    );
    let r = run(crate::util::aotcheck().args(["aotcheck", "inspect", "--format", "json", path]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let i: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let ours = &i["artifacts"][0];
    let from = str_of(&ours["binary"]["coverage"], "symbols_from");
    assert_eq!(from, str_of(&dy["binary"]["coverage"], "symbols_from"));
    assert!(
        ours["binary"].get("graph_skipped").is_none(),
        "{}",
        ours["binary"]
    );
    let (a, b) = (crates(ours), crates(&dy));
    assert!(a.iter().any(|c| c.0 == "table"), "{a:?}");
    assert_eq!(a, b, "inspect against the main command's crate table");
}

/// QA cj F1: `inspect` of an unstripped build (just's, in place) took its graph from the code,
/// "lower confidence", though the build's analysis link was there, found for its stripped
/// copy alone. Both get the link's exact edges, as the main command has them (the same count);
/// the unstripped one keeps its own symbols (`symbols_from` is only for borrowed names).
#[test]
fn inspect_of_an_unstripped_build_takes_its_edges_from_the_analysis_link() {
    let full = report("unstripped");
    let path = str_of(&full, "path");
    assert!(has_symtab(path), "{path} should keep its symbols");
    let r = run(crate::util::aotcheck().args(["aotcheck", "inspect", "--format", "json", path]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let ours = &v["artifacts"][0]["binary"];
    assert_eq!(
        ours["graph"]["edges_from"], "analysis-link",
        "{}",
        ours["graph"]
    );
    assert_eq!(full["binary"]["graph"]["edges_from"], "analysis-link");
    assert_eq!(ours["graph"]["edges"], full["binary"]["graph"]["edges"]);
    assert!(
        ours["coverage"].get("symbols_from").is_none(),
        "{}",
        ours["coverage"]
    );
}

/// QA dj F3, F4: a copy of the stripped dynamic build, away from its project, says where its
/// analysis link would be (the static copy did, the dynamic one did not), as `.comment` says
/// rustc made it (`readelf -p .comment`, whose strings are the report's `comment`); a system
/// binary made by gcc alone does not. `--filter` of a crate says the copy has no symbols, not
/// that the crate is not in it.
#[test]
fn a_stripped_dynamic_copy_says_where_its_symbols_are() {
    let dy = dynamic();
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("shipped");
    std::fs::copy(str_of(&dy, "path"), &copy).expect("copy");
    let copy = copy.to_str().expect("utf-8");
    let inspect = |args: &[&str]| {
        run(crate::util::aotcheck()
            .current_dir(dir.path())
            .args(["aotcheck", "inspect"])
            .args(args))
    };
    let comments: Vec<String> = tool("readelf", &["-p", ".comment", copy])
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, s)| s.trim().to_string()))
        .collect();
    assert!(
        comments.iter().any(|c| c.starts_with("rustc version")),
        "{comments:?}"
    );
    let j = inspect(&["--format", "json", copy]);
    assert_eq!(j.code, 0, "{}", j.stderr);
    let j: Value = serde_json::from_str(&j.stdout).expect("JSON");
    assert_eq!(
        j["artifacts"][0]["binary"]["comment"],
        serde_json::json!(comments)
    );
    let human = inspect(&[copy]);
    let id = str_of(&dy["binary"], "build_id");
    assert!(
        words(&human.stdout).contains(&format!(
            "(symbols from .dynsym only: stripped, it names only imports and exports; a build \
             of `cargo aotcheck` keeps its symbols in \
             `target/aotcheck/<static|dynamic|advise/cargo>/graph/*.{id}`"
        )),
        "{}",
        human.stdout
    );
    // The same hint in the job summary and on the page (QA dk F4: the terminal alone).
    let md = inspect(&["--format", "markdown", copy]);
    assert!(
        words(&md.stdout).contains(&format!(
            "Symbols from `.dynsym` only: stripped, it names only imports and exports (a build \
             of `cargo aotcheck` keeps its symbols in \
             `target/aotcheck/<static|dynamic|advise/cargo>/graph/*.{id}`"
        )),
        "{}",
        md.stdout
    );
    let page = inspect(&["--format", "html", copy]);
    assert!(
        page.stdout.contains(&format!(
            "(a build of <code>cargo aotcheck</code> keeps its symbols in \
             <code>target/aotcheck/&lt;static|dynamic|advise/cargo&gt;/graph/*.{id}</code>"
        )),
        "{}",
        page.stdout
    );
    let ls_md = inspect(&["--format", "markdown", "/bin/ls"]);
    assert!(
        !ls_md.stdout.contains("keeps its symbols"),
        "{}",
        ls_md.stdout
    );
    let ls = inspect(&["/bin/ls"]);
    assert!(!ls.stdout.contains("keeps its symbols"), "{}", ls.stdout);
    let filtered = inspect(&["--filter", "table", copy]);
    assert_eq!(filtered.code, 2, "{}", filtered.stderr);
    assert_eq!(
        filtered.error_lines(),
        [
            "error: --filter `table`: the binary has no symbol table to name crates by (stripped; \
          `.dynsym` names only imports and exports): `inspect --target-dir DIR` of a `cargo \
          aotcheck` build reads its analysis link's symbols"
        ]
    );
    // QA dk F2: `[no symbol]`, a row of its table, is filtered as before.
    let unnamed = inspect(&["--filter", "[no symbol]", copy]);
    assert_eq!(unnamed.code, 0, "{}", unnamed.stderr);
    assert!(
        words(&unnamed.stdout).contains("[no symbol] [section .text]"),
        "{}",
        unnamed.stdout
    );
    // QA ds F6: in a project where `cargo aotcheck` built (a `target/aotcheck` folder), whose
    // link it is not, the copy says that target dir was looked in, not where the link would be.
    let target = dir.path().join("target");
    std::fs::create_dir_all(target.join("aotcheck/static/graph")).expect("mkdir");
    let target = target.to_str().expect("utf-8");
    let human = inspect(&[copy]);
    assert!(
        words(&human.stdout).contains(&format!(
            "(symbols from .dynsym only: stripped, it names only imports and exports; no \
             analysis link of build id {id} is under {target} (looked in {target},"
        )),
        "{}",
        human.stdout
    );
    assert!(
        !human.stdout.contains("keeps its symbols"),
        "{}",
        human.stdout
    );
    let j = inspect(&["--format", "json", copy]);
    let j: Value = serde_json::from_str(&j.stdout).expect("JSON");
    assert_eq!(
        j["artifacts"][0]["binary"]["coverage"]["symbols_looked_in"],
        target
    );
}

/// QA dm F4: an unstripped copy away from its build (a release's artifact) had its
/// references decoded and its C code named by its callers (difft read 93.5% of the file)
/// with no word of it; it says where the analysis link would be. In place, where the link is
/// found, it does not.
#[test]
fn an_unstripped_copy_says_where_its_analysis_link_is() {
    let full = report("unstripped");
    let path = str_of(&full, "path");
    let id = str_of(&full["binary"], "build_id");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("shipped");
    std::fs::copy(path, &copy).expect("copy");
    let inspect = |file: &std::path::Path, format: &str| {
        run(crate::util::aotcheck()
            .current_dir(dir.path())
            .args(["aotcheck", "inspect", "--format", format])
            .arg(file))
    };
    let j: Value = serde_json::from_str(&inspect(&copy, "json").stdout).expect("JSON");
    assert_eq!(
        j["artifacts"][0]["binary"]["graph"]["edges_from"],
        "decoded"
    );
    let hint = format!(
        "C code is named by the crates that call it; a build of `cargo aotcheck` keeps an \
         analysis link in `target/aotcheck/<static|dynamic|advise/cargo>/graph/*.{id}`"
    );
    let human = inspect(&copy, "human");
    assert!(words(&human.stdout).contains(&hint), "{}", human.stdout);
    let md = inspect(&copy, "markdown");
    assert!(words(&md.stdout).contains(&hint), "{}", md.stdout);
    let there = inspect(std::path::Path::new(path), "human");
    assert!(
        !there.stdout.contains("C code is named by the crates"),
        "{}",
        there.stdout
    );
}
