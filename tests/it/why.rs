//! Why is it in my binary (issue 13): retained sizes, `--why` chains, reachability of audit
//! findings. Every step of a chain is checked against the binary itself: `objdump -d` showing
//! the reference, or `readelf -r` showing the stored address (a GOT slot, a vtable).

use std::collections::HashMap;

use serde_json::Value;

use crate::util::*;

/// Symbol → (address, size) according to `nm -S -C` (binutils drops Rust's hashes).
pub(super) fn nm(path: &str) -> HashMap<String, (u64, u64)> {
    tool("nm", &["-S", "-C", path])
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(4, ' ');
            let addr = u64::from_str_radix(parts.next()?, 16).ok()?;
            let size = u64::from_str_radix(parts.next()?, 16).ok()?;
            let _kind = parts.next()?;
            Some((parts.next()?.to_string(), (addr, size)))
        })
        .collect()
}

/// `R_X86_64_RELATIVE` entries of `readelf -r`: (where, the address stored there).
pub(super) fn relative_relocs(path: &str) -> Vec<(u64, u64)> {
    tool("readelf", &["-rW", path])
        .lines()
        .filter(|l| l.contains("R_X86_64_RELATIVE"))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let at = u64::from_str_radix(cols.first()?, 16).ok()?;
            let to = u64::from_str_radix(cols.last()?, 16).ok()?;
            Some((at, to))
        })
        .collect()
}

/// [`refers`] by the symbols' names in `nm -C`: does function `from` refer to `to`?
pub(super) fn refers_by_name(bin: &str, from: &str, to: &str) -> bool {
    let syms = nm(bin);
    let at = |name: &str| {
        *syms
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in nm of {bin}"))
    };
    refers(bin, at(from), at(to).0, &relative_relocs(bin))
}

/// Does the code or data at `[from, from + size)` refer to `to`? By `objdump -d` (a call,
/// jump or RIP-relative operand showing `to`, or a GOT slot whose stored address is `to`), or
/// by a dynamic relocation storing `to` inside the range (data).
pub(super) fn refers(bin: &str, from: (u64, u64), to: u64, relocs: &[(u64, u64)]) -> bool {
    let (lo, hi) = (from.0, from.0 + from.1.max(1));
    if relocs
        .iter()
        .any(|&(at, v)| (lo..hi).contains(&at) && v == to)
    {
        return true;
    }
    let text = tool(
        "objdump",
        &[
            "-d",
            "--no-show-raw-insn",
            &format!("--start-address={lo:#x}"),
            &format!("--stop-address={hi:#x}"),
            bin,
        ],
    );
    let want = format!("{to:x} <");
    text.lines().any(|l| {
        if l.contains(&want) {
            return true;
        }
        // `mov 0x...(%rip),%r12   # 168698 <_DYNAMIC+0x1d8>`: a GOT slot.
        l.split("# ")
            .nth(1)
            .and_then(|c| c.split_whitespace().next())
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .is_some_and(|slot| relocs.iter().any(|&(at, v)| at == slot && v == to))
    })
}

fn artifact(v: &Value) -> &Value {
    &v["artifacts"][0]
}

fn krate<'a>(v: &'a Value, name: &str) -> &'a Value {
    artifact(v)["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no crate {name}"))
}

pub(super) fn steps(chain: &Value) -> Vec<(String, String)> {
    chain["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["symbol"].as_str().expect("symbol").to_string(),
                s["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect()
}

/// Each step's `address` (a hex string), by the step's index.
fn addresses(chain: &Value) -> Vec<u64> {
    chain["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            let hex = s["address"].as_str().expect("every step has an address");
            u64::from_str_radix(hex.strip_prefix("0x").expect("0x"), 16).expect("hex")
        })
        .collect()
}

/// Each consecutive pair of symbols in the chain is a reference the binary shows.
pub(super) fn check_pairs(bin: &str, chain: &[(String, String)]) {
    let syms = nm(bin);
    let relocs = relative_relocs(bin);
    for pair in chain.windows(2) {
        let (from, to) = (&pair[0].0, &pair[1].0);
        let (Some(&f), Some(&(t, _))) = (syms.get(from), syms.get(to)) else {
            panic!("{from} → {to}: a step is not a symbol of the binary (nm)");
        };
        assert!(
            refers(bin, f, t, &relocs),
            "{from} → {to}: objdump/readelf show no reference"
        );
    }
}

#[test]
fn chain_from_the_entry_through_a_to_b_and_retained_sizes() {
    let v = json(&mut check_fixture("why-chain", &["--why", "why_b"]));
    let bin = artifact(&v)["path"].as_str().expect("path").to_string();
    assert_eq!(
        artifact(&v)["binary"]["graph"]["edges_from"],
        "analysis-link"
    );
    // B's 256 KiB table is in A's retained size; B keeps about its own bytes.
    let (a, b) = (krate(&v, "why_a"), krate(&v, "why_b"));
    let b_own = b["vm_size"].as_u64().expect("vm");
    assert!(b_own >= 256 * 1024, "{b}");
    let a_retained = a["retained"].as_u64().expect("retained");
    assert!(
        a_retained >= b_own,
        "why_a retains {a_retained}, why_b owns {b_own}"
    );
    let b_retained = b["retained"].as_u64().expect("retained");
    assert!(
        b_retained >= b_own * 99 / 100 && b_retained <= b_own + 4096,
        "why_b retains {b_retained}, owns {b_own}"
    );
    assert_eq!(a["entry_points"], serde_json::json!(["why_chain::main"]));
    assert_eq!(b["entry_points"], serde_json::json!(["why_a::run"]));

    let why = &artifact(&v)["binary"]["why"];
    assert_eq!(why["matched"], "crate");
    let chain = steps(&why["chains"][0]);
    assert_eq!(chain[0].1, "root");
    // The root is the ELF entry point (readelf -h).
    let entry = tool("readelf", &["-hW", &bin])
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Entry point address:")
                .map(str::trim)
                .map(str::to_string)
        })
        .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
        .expect("entry point");
    assert_eq!(
        nm(&bin).get(&chain[0].0).map(|s| s.0),
        Some(entry),
        "{chain:?}"
    );
    assert!(chain.iter().any(|s| s.0 == "why_a::run"), "{chain:?}");
    assert_eq!(chain.last().map(|s| s.0.as_str()), Some("why_b::lookup"));
    check_pairs(&bin, &chain);
    // Each step is where `nm` puts its symbol (QA dm F10).
    let syms = nm(&bin);
    for ((name, _), at) in chain.iter().zip(addresses(&why["chains"][0])) {
        assert_eq!(syms.get(name).map(|s| s.0), Some(at), "{name}");
    }
}

#[test]
fn decoded_graph_of_the_same_binary_finds_the_same_chain() {
    let v = json(&mut check_fixture("why-chain", &[]));
    let built = artifact(&v)["path"].as_str().expect("path").to_string();
    // A copy away from the build, which finds no analysis link (the build's own file finds it:
    // QA cj F1), so the graph is decoded from the code.
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("why-chain").to_string_lossy().into_owned();
    std::fs::copy(&built, &bin).expect("copy");
    let inspect = |args: &[&str]| {
        let mut cmd = aotcheck();
        cmd.current_dir(dir.path())
            .env_remove("CARGO_TARGET_DIR")
            .args(["aotcheck", "inspect", &bin])
            .args(args);
        cmd
    };
    let i = json(&mut inspect(&[
        "--format",
        "json",
        "--why",
        "why_b::lookup",
    ]));
    let b = &artifact(&i)["binary"];
    assert_eq!(b["graph"]["edges_from"], "decoded");
    let chain = steps(&b["why"]["chains"][0]);
    assert!(chain.iter().any(|s| s.0 == "why_a::run"), "{chain:?}");
    check_pairs(&bin, &chain);
    // The terminal says the same figures, and in words how far to trust them.
    let human = run(&mut inspect(&[]));
    let line = human
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("graph "))
        .unwrap_or_else(|| panic!("no graph line:\n{}", human.stdout));
    let grouped = |v: &Value| {
        let digits = v.as_u64().expect("a count").to_string();
        let mut out = String::new();
        for (k, ch) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    let (nodes, edges) = (grouped(&b["graph"]["nodes"]), grouped(&b["graph"]["edges"]));
    assert!(
        line.contains(&format!(
            "{nodes} nodes, {edges} edges, decoded from the code (lower confidence"
        )),
        "{line}"
    );
    // Both ways (QA cb F4: a stripped copy read more reachable than the exact graph).
    let flat = human
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("so the reachable bytes may be over or under)"),
        "{}",
        human.stdout
    );
}

#[test]
fn function_reached_only_through_a_vtable_has_a_data_step() {
    let v = json(&mut check_fixture(
        "why-vtable",
        &["--why", "Square as why_vtable::Shape>::area"],
    ));
    let why = &artifact(&v)["binary"]["why"];
    assert_eq!(why["matched"], "symbol", "{why}");
    let chain = steps(&why["chains"][0]);
    assert_eq!(chain[0].1, "root");
    assert!(
        chain.last().is_some_and(|s| s.0.contains("Square as")),
        "{chain:?}"
    );
    assert_eq!(
        chain.last().map(|s| s.1.as_str()),
        Some("data"),
        "{chain:?}"
    );
    // The vtable holds the function's address: a dynamic relocation stores it (readelf -r).
    let bin = artifact(&v)["path"].as_str().expect("path").to_string();
    let area = nm(&bin)
        .into_iter()
        .find(|(n, _)| n.contains("Square as") && n.ends_with("::area"))
        .map(|(_, (a, _))| a)
        .expect("nm names the function");
    assert!(relative_relocs(&bin).iter().any(|&(_, to)| to == area));
    // The step before, the vtable's bytes (no symbol: a section's label), is where one of
    // those relocations stores the address, a few slots in (QA dm F10).
    let at = addresses(&why["chains"][0]);
    let before = chain.len() - 2;
    assert!(chain[before].0.starts_with("[section "), "{chain:?}");
    let vtable = at[before];
    assert!(
        relative_relocs(&bin)
            .iter()
            .any(|&(off, to)| to == area && off >= vtable && off < vtable + 64),
        "no relocation storing {area:#x} at {vtable:#x}..+64"
    );
    assert_eq!(at.last(), Some(&area));
}

#[test]
fn crate_kept_only_by_a_used_static_is_linked_but_unreachable() {
    let v = json(&mut check_fixture("why-chain", &["--why", "why_dead"]));
    let dead = krate(&v, "why_dead");
    assert!(dead["vm_size"].as_u64().expect("vm") > 0, "{dead}");
    assert_eq!(dead["retained"], 0, "{dead}");
    let chains = artifact(&v)["binary"]["why"]["chains"]
        .as_array()
        .expect("chains")
        .clone();
    assert!(!chains.is_empty());
    assert!(chains.iter().all(|c| steps(c).is_empty()), "{chains:?}");
    let r = run(&mut human_fixture(
        "why-chain",
        &["--no-probe", "--why", "why_dead"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("linked but unreachable from every root"),
        "{}",
        r.stdout
    );
}

#[test]
fn why_that_matches_nothing_is_exit_2_with_one_line() {
    let r = run(&mut check_fixture(
        "why-chain",
        &["--why", "no_such_symbol_anywhere"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{}", r.stderr);
    assert!(
        errors[0].contains("no_such_symbol_anywhere"),
        "{}",
        errors[0]
    );
    assert!(r.stdout.is_empty(), "no report: {}", r.stdout);
}

/// QA v: an invalid regular expression that matches as plain text (`{closure#0}`, in std's
/// demangled names) gave its matches and no word that it was not taken as an expression; the
/// error said so only when nothing matched. Each target holds the text.
#[test]
fn an_invalid_expression_taken_literally_says_so_when_it_matches() {
    let pattern = "{closure#0}";
    assert!(regex::Regex::new(pattern).is_err());
    let v = json(&mut check_fixture("why-chain", &["--why", pattern]));
    let why = &artifact(&v)["binary"]["why"];
    assert_eq!(why["matched"], "symbol", "{why}");
    let note = str_of(why, "note");
    assert!(
        note.starts_with("as a regular expression `{closure#0}` is invalid (")
            && note.ends_with("so it was taken literally"),
        "{note}"
    );
    let chains = why["chains"].as_array().expect("chains");
    assert!(!chains.is_empty(), "{why}");
    for c in chains {
        assert!(str_of(c, "target").contains(pattern), "{c}");
    }
}

#[test]
fn stripped_binary_says_chains_need_symbols_and_still_shows_sizes() {
    let v = json(&mut check_fixture("why-chain", &[]));
    let bin = artifact(&v)["path"].as_str().expect("path").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("stripped");
    tool("strip", &["-o", copy.to_str().expect("utf-8"), &bin]);
    // Away from any project (the repository's own `target/aotcheck` would be looked in).
    let r = run(aotcheck()
        .current_dir(dir.path())
        .args(["aotcheck", "inspect"])
        .arg(&copy)
        .args(["--why", "why_b"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("chains need symbols"), "{}", r.stdout);
    assert!(
        r.stdout.contains("no symbol table (stripped)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(".text"), "the section view: {}", r.stdout);
    // QA z, Z4: not "nothing in this binary matches": why_b is there, unnamed.
    assert!(
        r.stdout
            .contains("`why_b`: cannot be matched, the binary has no symbol names"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("nothing in this binary matches"),
        "{}",
        r.stdout
    );
    // Not audited, and no `--why` offered where it cannot match (QA be F5); the file with its
    // symbols is offered it.
    let said = words(&r.stdout);
    assert!(
        said.contains("findings not audited: `inspect` reads the file alone"),
        "{said}"
    );
    assert!(!said.contains("`--why getpwuid_r` and the like"), "{said}");
    let whole = words(&run(aotcheck().args(["aotcheck", "inspect", &bin])).stdout);
    assert!(whole.contains("`--why getpwuid_r` and the like"), "{whole}");
    // A static-pie's `.dynsym` holds only its null entry (readelf): no symbol table, not
    // "symbols from .dynsym only" (QA z, Z4).
    let copy = copy.to_str().expect("utf-8");
    assert!(tool("readelf", &["--dyn-syms", "-W", copy]).contains("contains 1 entry"));
    assert!(
        r.stdout
            .contains("no symbol table (stripped), so no crate can be named"),
        "{}",
        r.stdout
    );
    // QA ct F3: the note says where the names would come from.
    assert!(said.contains("or with the build's --target-dir"), "{said}");
    // QA ct F4: a --target-dir that is not there is said to be so, and the build dir itself
    // (`DIR/static`, one level below the main command's --target-dir) is looked in.
    let why_b = |dir: &std::path::Path| {
        run(aotcheck()
            .args(["aotcheck", "inspect", "--target-dir"])
            .arg(dir)
            .arg(copy)
            .args(["--why", "why_b"]))
    };
    let r = why_b(&dir.path().join("not-there"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not-there` is not a directory"),
        "{}",
        r.stderr
    );
    let build_dir = std::path::Path::new(&bin)
        .ancestors()
        .nth(3)
        .expect("the build dir");
    assert!(build_dir.join("graph").is_dir(), "{}", build_dir.display());
    let r = why_b(build_dir);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("chains need symbols"), "{}", r.stdout);
    assert!(r.stdout.contains("why_b::"), "{}", r.stdout);
    // QA cv F2: the `graph` folder itself is taken; a folder without the link is named as
    // searched, with the build id (the note and JSON say so, not "give --target-dir").
    let r = why_b(&build_dir.join("graph"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("why_b::"), "{}", r.stdout);
    let id = tool("readelf", &["-n", copy])
        .split("Build ID:")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("readelf: a build id")
        .to_string();
    let r = why_b(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let said = words(&r.stdout);
    let here = format!(
        "no analysis link of build id {id} is under {}",
        dir.path().display()
    );
    assert_eq!(
        said.matches(&here).count(),
        2,
        "the crate line and the note: {said}"
    );
    assert!(!said.contains("or with the build's --target-dir"), "{said}");
    assert!(said.contains("chains need symbols"), "{said}");
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "json", "--target-dir"])
        .arg(dir.path())
        .arg(copy));
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        artifact(&v)["binary"]["coverage"]["symbols_looked_in"],
        dir.path().display().to_string(),
        "{v}"
    );
}

#[test]
fn nss_lookup_finding_says_it_is_reachable_with_its_chain() {
    let r = run(&mut check_fixture("audit-lookup", &[]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let f = artifact(&v)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004")
        .expect("AOT004")
        .clone();
    assert_eq!(f["reachable"], true, "{f}");
    let chain = steps(&serde_json::json!({ "steps": f["chain"] }));
    assert_eq!(chain[0].1, "root");
    assert!(
        chain.iter().any(|s| s.0 == "audit_lookup::main"),
        "{chain:?}"
    );
    let last = chain.last().map(|s| s.0.clone()).unwrap_or_default();
    assert!(
        ["getaddrinfo", "gethostbyname2_r", "getservbyname_r"].contains(&last.as_str()),
        "{chain:?}"
    );
    assert!(
        f["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .any(|e| e.as_str().is_some_and(|e| e.contains("is reachable:"))),
        "{f}"
    );
}

/// lld sizes the empty `.relro_padding` after the layout, which `--emit-relocs` changes: the
/// analysis link still gives the exact graph when only that section's size differs (it did
/// not for `beta`, whose padding is 0x700 bytes in the binary and 0x6c0 in its analysis link).
#[test]
fn analysis_link_is_used_when_only_the_relro_padding_differs() {
    let r = run(&mut check_fixture("twin-names", &["--workspace"]));
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let mut seen = 0;
    for a in v["artifacts"].as_array().expect("artifacts") {
        if a["link_mode"] != "static" {
            continue;
        }
        seen += 1;
        assert_eq!(
            a["binary"]["graph"]["edges_from"], "analysis-link",
            "{}: {}",
            a["package"], v["warnings"]
        );
    }
    assert_eq!(seen, 2, "{v}");
    let warnings = v["warnings"].to_string();
    assert!(!warnings.contains("analysis link"), "{warnings}");
}

/// The assembler keeps no relocation for a call to a local function of the same section, so
/// `--emit-relocs` shows none (C without `-ffunction-sections`, glibc's `libc.a`): the graph
/// still has the call, from the code.
#[test]
fn a_call_the_relocations_do_not_show_is_an_edge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("intra.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n\
         static __attribute__((noinline)) int helper(int x) {\n\
           volatile int a[64]; for (int i = 0; i < 64; i++) a[i] = x * i; return a[x & 63];\n\
         }\n\
         int main(int argc, char **argv) { (void)argv; printf(\"%d\\n\", helper(argc)); return 0; }\n",
    )
    .expect("write");
    let bin = dir.path().join("intra");
    let bin_s = bin.to_str().expect("utf-8");
    tool(
        "gcc",
        &[
            "-O1",
            "-Wl,--emit-relocs",
            src.to_str().expect("utf-8"),
            "-o",
            bin_s,
        ],
    );
    // The case is there: objdump shows the call with no relocation under it.
    let listing = tool("objdump", &["-dr", "--no-show-raw-insn", bin_s]);
    let lines: Vec<&str> = listing.lines().collect();
    let call = lines
        .iter()
        .position(|l| l.contains("call") && l.contains("<helper>"))
        .expect("main calls helper (objdump)");
    assert!(!lines[call + 1].contains("R_X86_64"), "{}", lines[call + 1]);
    let v = json(aotcheck().args([
        "aotcheck", "inspect", bin_s, "--format", "json", "--why", "^helper$",
    ]));
    let b = &artifact(&v)["binary"];
    assert_eq!(b["graph"]["edges_from"], "relocations");
    let chain = steps(&b["why"]["chains"][0]);
    assert_eq!(
        chain.last().map(|s| s.0.as_str()),
        Some("helper"),
        "{chain:?}"
    );
    assert_eq!(chain[0].1, "root");
    check_pairs(bin_s, &chain);
}

/// Static glibc's allocator is reached from `malloc` by calls without relocations: through
/// the analysis link it is reachable, each step shown by objdump.
#[test]
fn glibc_internal_calls_are_reachable_through_the_analysis_link() {
    let v = json(&mut check_fixture("why-chain", &["--why", "^_int_malloc$"]));
    let a = artifact(&v);
    assert_eq!(a["binary"]["graph"]["edges_from"], "analysis-link");
    let chain = steps(&a["binary"]["why"]["chains"][0]);
    assert_eq!(
        chain.last().map(|s| s.0.as_str()),
        Some("_int_malloc"),
        "{chain:?}"
    );
    check_pairs(a["path"].as_str().expect("path"), &chain);
}

/// A finding's chain goes through the crate it blames: std's `home_dir` reaches `getpwuid_r`
/// in fewer steps than nix's `User::from_uid`, and the nix finding showed std's chain (which
/// says nothing of nix). Every step is checked with objdump/readelf.
#[test]
fn a_finding_chain_goes_through_the_crate_it_blames() {
    let r = run(&mut check_fixture("audit-nix-far", &[]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let bin = artifact(&v)["path"].as_str().expect("path").to_string();
    let f = artifact(&v)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004" && f["crate"] == "nix")
        .expect("AOT004 on nix")
        .clone();
    assert_eq!(f["reachable"], true, "{f}");
    let chain = steps(&serde_json::json!({ "steps": f["chain"] }));
    let through: Vec<&str> = f["chain"]
        .as_array()
        .expect("chain")
        .iter()
        .filter_map(|s| s["crate"].as_str())
        .collect();
    assert!(through.contains(&"nix"), "{chain:?}");
    let names: Vec<&str> = chain.iter().map(|s| s.0.as_str()).collect();
    assert!(names.contains(&"audit_nix_far::three"), "{names:?}");
    assert!(
        names.last().is_some_and(|n| n.contains("getpwuid_r")),
        "{names:?}"
    );
    check_pairs(&bin, &chain);
    // The shorter way in is there too: std's home_dir refers to the same lookup.
    let syms = nm(&bin);
    let lookup = names.last().and_then(|n| syms.get(*n)).expect("the lookup");
    let home = syms
        .get("std::env::home_dir")
        .expect("std::env::home_dir (nm)");
    assert!(refers(&bin, *home, lookup.0, &relative_relocs(&bin)));
    let evidence = f["evidence"].to_string();
    assert!(evidence.contains("is reachable through nix:"), "{evidence}");
    // std's own lookups are std's finding, with a chain through std (checked step by step);
    // the nix finding keeps `getpwuid_r` (nix calls it too) and gives up `getaddrinfo`.
    assert!(syms.contains_key("getaddrinfo"), "nm: getaddrinfo");
    let defines = |f: &Value| -> String {
        let e = f["evidence"].as_array().expect("evidence");
        let line = e
            .iter()
            .filter_map(Value::as_str)
            .find(|l| l.starts_with("static binary defines"));
        line.expect("a `defines` line").to_string()
    };
    assert!(defines(&f).contains("`getpwuid_r`"), "{f}");
    assert!(!defines(&f).contains("getaddrinfo"), "{f}");
    assert!(evidence.contains("`getaddrinfo`"), "{evidence}");
    let std = artifact(&v)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004" && f["crate"] == "std")
        .expect("AOT004 on std")
        .clone();
    assert_eq!(
        std["path"],
        serde_json::json!(["audit-nix-far", "std"]),
        "{std}"
    );
    for n in ["getaddrinfo", "getpwuid_r"] {
        assert!(defines(&std).contains(&format!("`{n}`")), "{std}");
    }
    let chain = steps(&serde_json::json!({ "steps": std["chain"] }));
    let crates: Vec<&str> = std["chain"]
        .as_array()
        .expect("chain")
        .iter()
        .filter_map(|s| s["crate"].as_str())
        .collect();
    assert!(
        crates.contains(&"std") && !crates.contains(&"nix"),
        "{chain:?}"
    );
    check_pairs(&bin, &chain);
    // QA bj F1: each lookup std's own code calls itself is said with its caller, which objdump
    // shows calling it; one that only the C library's `getaddrinfo` calls is "reachable too".
    let target = chain.last().map(|s| s.0.clone()).expect("a chain");
    let lines: Vec<&str> = std["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut called = 0;
    for l in &lines {
        let Some((name, rest)) = l
            .strip_prefix('`')
            .and_then(|l| l.split_once("` too is called by std's code (`"))
        else {
            continue;
        };
        let caller = rest.split_once('`').map(|c| c.0).expect("the caller");
        assert!(!target.contains(name), "{l}");
        assert!(
            refers_by_name(&bin, caller, name),
            "objdump: {caller} → {name}"
        );
        called += 1;
    }
    assert!(called > 0, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("`gethostbyname2_r`") && l.contains("reachable too")),
        "{lines:?}"
    );
    assert!(!refers_by_name(
        &bin,
        "std::sys::net::connection::socket::lookup_host::{closure#0}",
        "gethostbyname2_r"
    ));
    // QA bk F6: `getservbyname_r`, which only `getaddrinfo` calls (std passes it no service
    // name), draws no advice about service names; the host lookup's stays.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("`getservbyname_r`") && l.contains("reachable too")),
        "{lines:?}"
    );
    assert!(!refers_by_name(
        &bin,
        "std::sys::net::connection::socket::lookup_host::{closure#0}",
        "getservbyname_r"
    ));
    let advice = str_of(&std, "advice");
    assert!(advice.contains("numeric addresses"), "{advice}");
    assert!(!advice.contains("service and protocol names"), "{advice}");
}

/// LLVM's anonymous constants that got a symbol (`anon.<hash>.<n>.llvm.<n>`, ThinLTO) name no
/// crate; they get the crate of the code that refers to them, as bytes without a symbol do.
/// Each one the package's code is said to refer to (`referenced`) is checked with `objdump -d`
/// or `readelf -r`: one of the package's functions refers to its address.
#[test]
fn anonymous_constants_with_a_symbol_go_to_the_code_that_refers_to_them() {
    let v = json(&mut check_fixture("hello-server", &["--symbols", "all"]));
    let a = artifact(&v);
    let bin = str_of(a, "path");
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    let addresses = nm(bin);
    let in_nm = addresses.keys().filter(|n| n.starts_with("anon.")).count();
    let anon: Vec<&Value> = rows
        .iter()
        .filter(|r| str_of(r, "name").starts_with("anon."))
        .collect();
    assert!(in_nm > 0 && !anon.is_empty(), "nm: {in_nm}, rows: {anon:?}");
    let relocs = relative_relocs(bin);
    let package: Vec<(u64, u64)> = rows
        .iter()
        .filter(|r| r["crate"] == "hello_server" && !str_of(r, "name").starts_with("anon."))
        .filter_map(|r| addresses.get(str_of(r, "name")).copied())
        .collect();
    let mut checked = 0;
    for r in anon
        .iter()
        .filter(|r| r["crate"] == "hello_server" && r["confidence"] == "referenced")
    {
        let (to, _) = addresses[str_of(r, "name")];
        assert!(
            package.iter().any(|&f| refers(bin, f, to, &relocs)),
            "no function of hello_server refers to {r}"
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "no anonymous constant is the package's: {anon:?}"
    );
    // Nor is one an entry point into a crate: its name's hash is its codegen unit's, new
    // whenever that unit's code changes, so the gate took them for new entry points (QA m).
    // The symbols that refer to it are the entry points.
    let crates = a["binary"]["crates"].as_array().expect("crates");
    let named: Vec<&str> = crates
        .iter()
        .flat_map(|c| c["entry_points"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .filter(|e| e.starts_with("anon."))
        .collect();
    assert!(named.is_empty(), "anonymous entry points: {named:?}");
}

/// QA t, W1: two instantiations of one generic function read the same (`nm -C` prints them
/// alike); as targets of `--why` they are numbered and told apart by their symbols' hashes, the
/// ones `nm` shows in the raw names; the name itself is the one the chain's last step shows
/// (QA ag, F2).
#[test]
fn instantiations_of_one_function_are_told_apart() {
    let v = json(&mut check_fixture(
        "where-bytes",
        &[
            "--why",
            "^where_bytes::sum_all$",
            "--filter",
            "where_bytes",
            "-n",
            "3",
        ],
    ));
    let a = &v["artifacts"][0];
    let chains = a["binary"]["why"]["chains"].as_array().expect("chains");
    let mut targets: Vec<&str> = chains.iter().map(|c| str_of(c, "target")).collect();
    targets.sort_unstable();
    // Independent: the raw names `nm` lists, each with its hash.
    let link = crate::why_pcrel::analysis_link(a);
    let mut hashes: Vec<String> = tool("nm", &[link.as_str()])
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .filter_map(|raw| raw.strip_prefix("_ZN11where_bytes7sum_all17"))
        .filter_map(|rest| rest.strip_suffix('E'))
        .map(|h| h.to_string())
        .collect();
    hashes.sort_unstable();
    assert_eq!(hashes.len(), 2, "{hashes:?}");
    // Each hash in one target, numbered 1 or 2, the two numbers both taken.
    let mut numbers: Vec<usize> = hashes
        .iter()
        .map(|h| {
            let n: Vec<usize> = (1..=2)
                .filter(|n| {
                    targets.contains(
                        &format!("where_bytes::sum_all (copy {n} of 2, hash {h})").as_str(),
                    )
                })
                .collect();
            assert_eq!(n.len(), 1, "{h}: {targets:?}");
            n[0]
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2], "{targets:?}");
    for c in chains {
        let last = c["steps"].as_array().and_then(|s| s.last()).expect("steps");
        assert_eq!(str_of(last, "symbol"), "where_bytes::sum_all", "{c}");
        // QA ar F5: the step says which copy it is, as its target does.
        let (k, n) = (&last["copy"][0], &last["copy"][1]);
        let said = format!(
            "where_bytes::sum_all (copy {k} of {n}, hash {})",
            str_of(last, "hash")
        );
        assert_eq!(said, str_of(c, "target"), "{c}");
    }
    // QA ao F1: with one copy among the rows shown (`-n 3`: the table, `main`, the larger
    // copy), the row says which of the binary's two it is, the number `--why` gives the same
    // hash (the row's raw name carries it).
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    let copies: Vec<&Value> = rows
        .iter()
        .filter(|r| r["name"] == "where_bytes::sum_all")
        .collect();
    assert_eq!(copies.len(), 1, "{rows:?}");
    let row = copies[0];
    assert_eq!(row["copy"][1], 2, "{row}");
    let n = row["copy"][0].as_u64().expect("copy number");
    let raw = str_of(row, "mangled");
    let h = raw
        .strip_prefix("_ZN11where_bytes7sum_all17")
        .and_then(|r| r.strip_suffix('E'))
        .unwrap_or_else(|| panic!("{raw}"));
    let said = format!("where_bytes::sum_all (copy {n} of 2, hash {h})");
    assert!(targets.contains(&said.as_str()), "{said}: {targets:?}");
}

/// QA ct F1: `rust_eh_personality` was "linked but unreachable": the unwinder calls it for
/// every frame it unwinds, through the personality pointer of the CIE (`zPLR`, readelf) of the
/// FDE of each function, which refers to the cell `DW.ref.rust_eh_personality` holding its
/// address (a relocation, readelf). The chain goes so: a function, its FDE, the cell, the
/// routine.
#[test]
fn the_personality_routine_is_reached_through_the_unwind_tables() {
    let v = json(&mut check_fixture(
        "why-chain",
        &["--why", "^rust_eh_personality$"],
    ));
    let bin = artifact(&v)["path"].as_str().expect("path").to_string();
    let why = &artifact(&v)["binary"]["why"];
    let chain = steps(&why["chains"][0]);
    let kinds: Vec<&str> = chain.iter().map(|(_, k)| k.as_str()).collect();
    let n = kinds.len();
    assert!(n >= 4, "{chain:?}");
    assert_eq!(kinds[n - 3..], ["describes", "data", "data"], "{chain:?}");
    assert_eq!(chain[n - 2].0, "DW.ref.rust_eh_personality", "{chain:?}");
    assert_eq!(chain[n - 1].0, "rust_eh_personality", "{chain:?}");
    let frames = tool("readelf", &["--debug-dump=frames", &bin]);
    let zplr = frames
        .lines()
        .any(|l| l.trim().strip_prefix("Augmentation:").map(str::trim) == Some("\"zPLR\""));
    assert!(zplr, "no zPLR CIE");
    let syms = nm(&bin);
    let (cell, _) = syms["DW.ref.rust_eh_personality"];
    let (routine, _) = syms["rust_eh_personality"];
    assert!(
        relative_relocs(&bin).contains(&(cell, routine)),
        "readelf -r shows no relocation storing rust_eh_personality in its cell"
    );
}
