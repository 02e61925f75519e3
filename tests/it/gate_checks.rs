//! Regressions of the release gate found by QA (`/tmp/qa/e`): memory-only growth, `--locked`
//! with a base revision that has no committed `Cargo.lock`, a baseline of another project.
//! Figures are checked against readelf and the report's own crate table.

use serde_json::Value;

use super::gate::{check, checks, gate, gate_at, git, parse, save_baseline};
use crate::util::*;

/// `.bss` size of a binary according to `readelf -SW`.
fn readelf_bss(path: &str) -> u64 {
    readelf_sections(path)
        .into_iter()
        .find(|(n, _)| n == ".bss")
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no .bss in {path}"))
}

/// QA bug 2: a new 4 MiB zeroed static passed as "crate bssapp grew from 413 B to 436 B", and
/// no `.bss` check existed: sections and crates were compared by their bytes in the file.
#[test]
fn memory_only_growth_fails_the_gate_bss_and_its_crate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    let old = save_baseline("gate-rodata-old", &base, &[]);
    let r = run(&mut gate(
        "gate-bss-new",
        &[
            "--format",
            "json",
            "--baseline",
            base.to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(r.code, 1, "memory-only growth must fail: {}", r.stdout);
    let v = parse(&r);
    let all = checks(&v);
    // The independent source: readelf's `.bss` sizes of both binaries.
    let (was, now) = (
        readelf_bss(str_of(&old["artifacts"][0], "path")),
        readelf_bss(str_of(&v["artifacts"][0], "path")),
    );
    assert!(now >= was + (4 << 20), "readelf .bss {was} → {now}");
    let bss = check(&all, "baseline.section:.bss");
    assert_eq!(bss["verdict"], "fail", "{bss}");
    assert_eq!(bss["baseline"].as_u64(), Some(was), "{bss}");
    assert_eq!(bss["value"].as_u64(), Some(now), "{bss}");
    assert!(
        str_of(bss, "message").starts_with("section .bss (in memory) grew"),
        "{bss}"
    );
    // The crate's check and the crate table agree: loaded bytes.
    let krate = check(&all, "baseline.crate:gate_rodata");
    assert_eq!(krate["verdict"], "fail", "{krate}");
    let table = |r: &Value, name: &str| -> u64 {
        r["artifacts"][0]["binary"]["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| u64_of(c, "vm_size"))
            .unwrap_or_else(|| panic!("no crate {name}"))
    };
    assert_eq!(krate["value"].as_u64(), Some(table(&v, "gate_rodata")));
    assert_eq!(krate["baseline"].as_u64(), Some(table(&old, "gate_rodata")));
    assert!(krate["value"].as_u64().unwrap_or(0) >= 4 << 20, "{krate}");
    // Every crate check shows the table's figure (QA: `[libc]` 842 KiB in the table,
    // "unchanged (818 KiB)" in its check).
    for c in all.iter().filter(|c| {
        c["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("baseline.crate:"))
    }) {
        let name = &str_of(c, "id")["baseline.crate:".len()..];
        assert_eq!(c["value"].as_u64(), Some(table(&v, name)), "{c}");
    }
    // A section that is not loaded is still compared by its bytes in the file.
    let symtab = check(&all, "baseline.section:.symtab");
    let file_symtab = readelf_sections(str_of(&v["artifacts"][0], "path"))
        .into_iter()
        .find(|(n, _)| n == ".symtab")
        .map(|(_, s)| s);
    assert_eq!(symtab["value"].as_u64(), file_symtab, "{symtab}");
}

/// QA bug 3: `--locked --baseline-ref REV` (the README's CI recipe) exited 2 when REV has no
/// committed `Cargo.lock` and the branch added a dependency: the current lock, copied into the
/// worktree, had to lose the dependency and `--locked` forbade it.
#[test]
fn locked_baseline_ref_builds_a_revision_without_a_committed_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let write = |path: &str, text: &str| {
        let p = repo.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let manifest = "[package]\nname = \"gate-lock\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                    publish = false\n\n[workspace]\n\n[dependencies]\n";
    write("Cargo.toml", manifest);
    write(".gitignore", "Cargo.lock\ntarget\n");
    write("src/main.rs", "fn main() { println!(\"hi\"); }\n");
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "A: no committed Cargo.lock"]);
    // `cfg-if`, as the `audit-libloading` fixture locks it (so it is in cargo's cache).
    write("Cargo.toml", &format!("{manifest}cfg-if = \"1\"\n"));
    write(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"cfg-if\"\nversion = \"1.0.5\"\n\
         source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
         checksum = \"4e7648175b45a9a48536d676f68d918270699102aa8dab5496df06904c914600\"\n\n\
         [[package]]\nname = \"gate-lock\"\nversion = \"0.1.0\"\ndependencies = [\n \"cfg-if\",\n]\n",
    );
    write(
        "src/main.rs",
        "cfg_if::cfg_if! { if #[cfg(unix)] { const OS: &str = \"unix\"; } else { const OS: &str = \"other\"; } }\n\
         fn main() { println!(\"{OS}\"); }\n",
    );
    write(".gitignore", "target\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "B: a dependency"]);
    let lock = std::fs::read(repo.join("Cargo.lock")).expect("lock");
    // `gate_at` passes `--locked`; `--frozen` is `--locked --offline`.
    for flag in ["--locked", "--frozen"] {
        let extra: &[&str] = if flag == "--frozen" {
            &["--frozen"]
        } else {
            &[]
        };
        let mut args = vec!["--format", "json", "--baseline-ref", "HEAD~1"];
        args.extend_from_slice(extra);
        let r = run(&mut gate_at(&repo, "gate-lock", &args));
        assert!(r.code < 2, "{flag}: exit {}\n{}", r.code, r.stderr);
        let v = parse(&r);
        assert!(
            str_of(&v["baseline"], "source").starts_with("git:HEAD~1 ("),
            "{}",
            v["baseline"]
        );
        assert_eq!(check(&checks(&v), "baseline.file_size")["unit"], "bytes");
        // QA dp F6: the report says the base was built with this run's lock; QA dp F4: and
        // names the dependency the branch added, as `Cargo.lock` has it.
        let b = &v["baseline"];
        assert_eq!(b["provenance"]["cargo_lock_of_run"], true, "{b}");
        let said = b["mismatches"].to_string();
        assert!(
            said.contains("Cargo.lock: the base revision has none committed"),
            "{said}"
        );
        assert_eq!(
            b["dependency_changes"],
            serde_json::json!(["cfg_if 1.0.5 added"]),
            "{b}"
        );
        // The user's lock file is left as it was.
        assert_eq!(std::fs::read(repo.join("Cargo.lock")).expect("lock"), lock);
    }
}

/// Markdown names what a check is about as code spans, exactly as `nm` and the JSON report
/// write them: the crate, and the entry points, which had U+2060 word joiners after some `::`
/// (`core::⁠fmt::Debug`), so a name copied from a pull-request comment matched nothing (QA).
/// The baseline is this run's with `[libc]` made smaller and without entry points, so that its
/// 149 or so entry points (names with `<`, `&`, `[`, `::x::`) are all new.
#[test]
fn markdown_quotes_crates_and_entry_points_as_nm_writes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, mut b) = why_chain_baseline(dir.path());
    let crates = b["artifacts"][0]["binary"]["crates"]
        .as_array_mut()
        .expect("crates");
    let libc = crates
        .iter_mut()
        .find(|c| c["name"] == "[libc]")
        .expect("[libc] in the baseline");
    libc["vm_size"] = 100_000.into();
    libc["file_size"] = 100_000.into();
    libc["entry_points"] = Value::Array(Vec::new());
    libc["entered"] = Value::Array(Vec::new());
    let (v, c) = libc_grown(&base, &b);
    let c = &c;
    let entries: Vec<&str> = c["entry_points"]
        .as_array()
        .expect("entry_points")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(entries.len() > 5, "{c}");
    // The independent source: each name is a symbol as `nm -C` writes it.
    let path = str_of(&v["artifacts"][0], "path");
    let nm = tool("nm", &["-C", path]);
    let symbols: std::collections::HashSet<&str> =
        nm.lines().filter_map(|l| l.splitn(3, ' ').nth(2)).collect();
    for e in &entries {
        assert!(symbols.contains(e), "`{e}` is no symbol of nm -C");
    }
    // Each reference's two ends likewise.
    let new = c["new_entries"].as_array().expect("new_entries");
    let ends: Vec<(&str, &str)> = new
        .iter()
        .map(|e| (str_of(e, "from"), str_of(e, "to")))
        .collect();
    for (from, to) in &ends {
        assert!(
            symbols.contains(from) && symbols.contains(to),
            "{from} → {to}"
        );
    }
    let r = run(human_fixture(
        "why-chain",
        &["--no-probe", "--format", "markdown", "--baseline"],
    )
    .arg(&base));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let md = super::gate_render::parse_markdown(&r.stdout);
    let shown = ends.iter().take(5).flat_map(|(f, t)| [f, t]);
    for name in shown.chain(["[libc]"].iter()) {
        assert!(
            md.code.iter().any(|c| c == name),
            "no code span `{name}` byte for byte in {:?}",
            md.code
        );
    }
    assert!(
        !md.code.iter().any(|c| c.contains('\u{2060}')),
        "a word joiner in a code span: {:?}",
        md.code
    );
    let text = md.text.join("");
    assert!(text.contains("; new entry points: "), "{text}");
    // The cell quotes the first reference; the list under the table the five the message
    // names, the rest counted (QA bo F3).
    assert!(
        text.contains(&format!(
            " (+{} more, listed below the table)",
            ends.len() - 1
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "and {} more (the JSON report lists each)",
            ends.len() - 5
        )),
        "{text}"
    );
}

/// The crate table's row of `name`: (bytes in the file, bytes loaded).
fn crate_row(v: &Value, name: &str) -> (u64, u64) {
    v["artifacts"][0]["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == name)
        .map(|c| (u64_of(c, "file_size"), u64_of(c, "vm_size")))
        .unwrap_or_else(|| panic!("no crate {name}"))
}

/// Reviewer: every crate line of the gate, passes included, said "(in memory)": a crate's
/// file and loaded bytes nearly always differ. Against its own baseline nothing changed, so no
/// check names a measure, though the crate table (the independent figures) shows crates whose
/// two measures differ.
#[test]
fn unchanged_crates_do_not_say_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    save_baseline("gate-rodata-old", &base, &[]);
    let r = run(&mut gate(
        "gate-rodata-old",
        &[
            "--format",
            "json",
            "--baseline",
            base.to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = parse(&r);
    let all = checks(&v);
    let crates: Vec<&Value> = all
        .iter()
        .filter(|c| str_of(c, "id").starts_with("baseline.crate:"))
        .collect();
    let differ: Vec<&str> = crates
        .iter()
        .map(|c| &str_of(c, "id")["baseline.crate:".len()..])
        .filter(|name| {
            let (file, mem) = crate_row(&v, name);
            file != mem
        })
        .collect();
    assert!(
        !differ.is_empty(),
        "no crate whose measures differ: {crates:?}"
    );
    for c in &crates {
        assert_eq!(c["verdict"], "pass", "{c}");
        let m = str_of(c, "message");
        assert!(m.contains(" unchanged ("), "{c}");
        assert!(
            !m.contains("(in memory)") && !m.contains("(in the file)"),
            "{c}"
        );
    }
    // Markdown lists every check (`All N checks`): the same words.
    let r = run(&mut gate(
        "gate-rodata-old",
        &[
            "--format",
            "markdown",
            "--baseline",
            base.to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = super::gate_render::parse_markdown(&r.stdout);
    let text = md.text.join("");
    assert!(md.code.iter().any(|c| c == differ[0]), "{:?}", md.code);
    assert!(text.contains(" unchanged ("), "{text}");
    assert!(!text.contains("(in memory)"), "{text}");
}

/// Reviewer: a baseline saved by an editor that writes a UTF-8 byte order mark (Windows) was
/// refused as "not valid JSON". With one, the gate compares and passes as without it.
#[test]
fn a_baseline_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (plain, bom) = (dir.path().join("base.json"), dir.path().join("bom.json"));
    save_baseline("gate-rodata-old", &plain, &[]);
    let bytes = std::fs::read(&plain).expect("read");
    let mut with = b"\xEF\xBB\xBF".to_vec();
    with.extend_from_slice(&bytes);
    std::fs::write(&bom, &with).expect("write");
    assert_eq!(
        std::fs::metadata(&bom).expect("bom").len(),
        bytes.len() as u64 + 3
    );
    let compare = |file: &std::path::Path| {
        let r = run(&mut gate(
            "gate-rodata-old",
            &[
                "--format",
                "json",
                "--baseline",
                file.to_str().expect("utf-8"),
            ],
        ));
        assert_eq!(r.code, 0, "{}: {}", file.display(), r.stderr);
        let v = parse(&r);
        let said: Vec<(String, String, String)> = checks(&v)
            .iter()
            .map(|c| {
                let f = |k: &str| c[k].to_string();
                (f("id"), f("verdict"), f("message"))
            })
            .collect();
        assert_eq!(v["verdict"], "pass", "{}", v["verdict"]);
        said
    };
    let (a, b) = (compare(&plain), compare(&bom));
    assert!(
        a.iter().any(|c| c.0.contains("baseline.file_size")),
        "{a:?}"
    );
    assert_eq!(a, b);
    // The file is left as it was.
    assert_eq!(std::fs::read(&bom).expect("read"), with);
}

/// QA av F1: a symbol that referred to `[libc]` in the baseline already and now calls one more
/// of its functions. The gate named only new referrers, so the call that pulled the bytes in
/// (`hyperfine::main` → `getaddrinfo`) was not said. The baseline is why-chain's own with one
/// of `[libc]`'s entered functions taken out (one whose only caller calls others of `[libc]`
/// too) and `[libc]` made smaller: that call is the first new entry point, with what its
/// callee retains, and `objdump -d` shows it.
#[test]
fn a_grown_crate_names_the_new_call_of_an_old_referrer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, mut b) = why_chain_baseline(dir.path());
    let libc = libc_of(&mut b);
    let entered = libc["entered"].as_array().expect("entered").clone();
    // `from` holds positions in `entry_points`.
    let points = libc["entry_points"]
        .as_array()
        .expect("entry_points")
        .clone();
    let only_from = |e: &Value| match e["from"].as_array().map(Vec::as_slice) {
        Some([one]) => {
            let at = usize::try_from(one.as_u64()?).ok()?;
            points
                .get(at)?
                .as_str()
                .map(|n| (n.to_string(), one.clone()))
        }
        _ => None,
    };
    let calls = |at: &Value| {
        entered
            .iter()
            .filter(|e| e["from"].as_array().is_some_and(|f| f.contains(at)))
            .count()
    };
    // The largest such callee whose caller calls another of [libc]'s functions too.
    let (to, from, retained) = entered
        .iter()
        .filter_map(|e| {
            let (from, at) = only_from(e)?;
            (calls(&at) > 1).then(|| (str_of(e, "symbol").to_string(), from, u64_of(e, "retained")))
        })
        .max_by_key(|t| t.2)
        .expect("a [libc] function with one caller that calls others");
    libc["entered"] = Value::Array(
        entered
            .iter()
            .filter(|e| e["symbol"] != to.as_str())
            .cloned()
            .collect(),
    );
    let vm = u64_of(libc, "vm_size");
    libc["vm_size"] = (vm - 50_000).into();
    let (v, c) = libc_grown(&base, &b);
    let c = &c;
    let first = &c["new_entries"][0];
    assert_eq!(
        (str_of(first, "from"), str_of(first, "to")),
        (from.as_str(), to.as_str()),
        "{c}"
    );
    assert_eq!(first["retained"], retained, "{c}");
    // The caller was an entry point of the baseline: a new referrer it is not.
    assert!(
        b["artifacts"][0]["binary"]["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .any(|k| k["name"] == "[libc]"
                && k["entry_points"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|x| x == from.as_str()))),
        "{from} not an entry point of the baseline"
    );
    let path = str_of(&v["artifacts"][0], "path");
    assert!(
        super::why::refers_by_name(path, &from, &to),
        "{from} → {to}: objdump shows no reference"
    );
    // It retains at least its own bytes (nm -S).
    let own = super::why::nm(path)
        .get(&to)
        .map(|s| s.1)
        .expect("nm -S of the callee");
    assert!(retained >= own, "{to} retains {retained} < its {own} B");
    let text = run(human_fixture("why-chain", &["--no-probe", "--baseline"]).arg(&base));
    assert!(
        words(&text.stdout).contains(&format!("new entry points: {from} → {to} (retains ")),
        "{}",
        text.stdout
    );
}

/// QA bb F1: a crate that grew within the thresholds, with a new reference into it, is
/// listed in the default terminal report (it was with `-v` alone): the baseline's `[libc]`
/// 64 B smaller and without its most retaining entered function. That function retains more
/// than the 64 B the crates gained, so no retained size is claimed for it (QA dp F2).
#[test]
fn a_passing_crate_with_a_new_reference_is_listed_without_v() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, mut b) = why_chain_baseline(dir.path());
    let libc = libc_of(&mut b);
    let entered = libc["entered"].as_array().expect("entered").clone();
    let to = entered
        .iter()
        .max_by_key(|e| u64_of(e, "retained"))
        .map(|e| str_of(e, "symbol").to_string())
        .expect("an entered [libc] function");
    libc["entered"] = entered
        .into_iter()
        .filter(|e| e["symbol"] != to.as_str())
        .collect();
    libc["vm_size"] = (u64_of(libc, "vm_size") - 64).into();
    std::fs::write(&base, serde_json::to_vec(&b).expect("JSON")).expect("write");
    let v = parse(&run(check_fixture("why-chain", &["--baseline"]).arg(&base)));
    let all = checks(&v);
    let c = check(&all, "baseline.crate:[libc]");
    assert_eq!(c["verdict"], "pass", "{c}");
    assert!(
        c["new_entries"]
            .as_array()
            .is_some_and(|e| e.iter().any(|n| n["to"] == to.as_str())),
        "{c}"
    );
    let text = run(human_fixture("why-chain", &["--no-probe", "--baseline"]).arg(&base));
    let said = words(&text.stdout);
    assert!(
        said.contains("pass baseline.crate:[libc] crate [libc] (in memory) grew by 64 B"),
        "{}",
        text.stdout
    );
    assert!(said.contains(&format!(" → {to}")), "{}", text.stdout);
    assert!(
        !said.contains(&format!(" → {to} (retains ")),
        "{}",
        text.stdout
    );
}

/// The `[libc]` row of baseline `b`'s binary.
fn libc_of(b: &mut Value) -> &mut Value {
    b["artifacts"][0]["binary"]["crates"]
        .as_array_mut()
        .expect("crates")
        .iter_mut()
        .find(|c| c["name"] == "[libc]")
        .expect("[libc] in the baseline")
}

/// why-chain's baseline saved in `dir`: its path and its JSON.
fn why_chain_baseline(dir: &std::path::Path) -> (std::path::PathBuf, Value) {
    let base = dir.join("base.json");
    let saved = run(check_fixture("why-chain", &["--save-baseline"]).arg(&base));
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let b = serde_json::from_slice(&std::fs::read(&base).expect("read")).expect("JSON");
    (base, b)
}

/// why-chain checked against baseline `b`, written to `base`, in which `[libc]` is smaller:
/// the report and its `[libc]` check, which fails.
fn libc_grown(base: &std::path::Path, b: &Value) -> (Value, Value) {
    std::fs::write(base, serde_json::to_vec(b).expect("JSON")).expect("write");
    let r = run(check_fixture("why-chain", &["--baseline"]).arg(base));
    assert_eq!(r.code, 1, "[libc] grew: {}", r.stderr);
    let v = parse(&r);
    let c = check(&checks(&v), "baseline.crate:[libc]").clone();
    (v, c)
}
