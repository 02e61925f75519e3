//! A store of an immediate into a static (QA h, B3): `movl $7, b_value(%rip)` carries a
//! section-relative relocation whose `S + A + 4` is 4 bytes short of `b_value`, on `a_flag`,
//! which nothing refers to. The chain must reach `b_value` and leave `a_flag` unreachable.

use crate::util::*;
use crate::why::{check_pairs, nm, steps};

/// The analysis link the run left beside the binary (its build id in the name).
pub(crate) fn analysis_link(a: &serde_json::Value) -> String {
    let build_id = a["binary"]["build_id"].as_str().expect("build id");
    let release = std::path::Path::new(str_of(a, "path"))
        .ancestors()
        .nth(3)
        .expect("the static build's directory")
        .join("graph");
    std::fs::read_dir(&release)
        .expect("the graph directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(build_id))
        .unwrap_or_else(|| panic!("no analysis link in {}", release.display()))
        .display()
        .to_string()
}

#[test]
fn a_store_of_an_immediate_reaches_its_static_not_the_one_before() {
    let v = json(&mut check_fixture(
        "why-pcrel",
        &["--why", "^(a_flag|b_value)$"],
    ));
    let a = &v["artifacts"][0];
    let bin = str_of(a, "path").to_string();
    assert_eq!(a["binary"]["graph"]["edges_from"], "analysis-link");
    // The trap, by readelf and nm: pcrel_set's relocation is against the section, and its
    // `S + A + 4` is a_flag's address, 4 bytes before b_value.
    let link = analysis_link(a);
    let syms = nm(&link);
    let (flag, value, set) = (syms["a_flag"].0, syms["b_value"].0, syms["pcrel_set"]);
    assert_eq!(value - flag, 4, "a_flag {flag:#x}, b_value {value:#x}");
    let relocs = tool("readelf", &["-rW", &link]);
    let sections = tool("readelf", &["-SW", &link]);
    let data = sections
        .lines()
        .find(|l| l.contains(" .data ") && l.contains("PROGBITS"))
        .and_then(|l| l.split("PROGBITS").nth(1)?.split_whitespace().next())
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .expect(".data's address");
    let addend = relocs
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let at = u64::from_str_radix(w.first()?, 16).ok()?;
            let inside = (set.0..set.0 + set.1).contains(&at);
            (inside && w.get(2) == Some(&"R_X86_64_PC32") && w.get(4) == Some(&".data"))
                .then(|| i64::from_str_radix(w.get(6)?, 16).ok())
                .flatten()
                .map(|x| if w.get(5) == Some(&"-") { -x } else { x })
        })
        .next()
        .unwrap_or_else(|| panic!("no .data PC32 relocation in pcrel_set:\n{relocs}"));
    assert_eq!(data.wrapping_add_signed(addend) + 4, flag, "S + A + 4");
    let why = &a["binary"]["why"]["chains"];
    let chain_of = |t: &str| {
        why.as_array()
            .expect("chains")
            .iter()
            .find(|c| c["target"] == t)
            .unwrap_or_else(|| panic!("no chain for {t}: {why}"))
            .clone()
    };
    let chain = steps(&chain_of("b_value"));
    let names: Vec<&str> = chain.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names[names.len() - 2..],
        ["pcrel_set", "b_value"],
        "{names:?}"
    );
    check_pairs(&bin, &chain);
    assert!(steps(&chain_of("a_flag")).is_empty(), "{why}");
}

/// A jump table (QA o, F7): each entry of a PIC jump table is `case - table`, an
/// `R_X86_64_PC32` whose `S + A` is the case plus the entry's distance from the table. Read as
/// `S + A`, the last entries of `jump_dispatch`'s table point past their cases into
/// `jump_after`, which nothing calls: it must stay unreachable, and the dispatch reachable.
#[test]
fn a_jump_tables_entries_stay_in_their_function() {
    let v = json(&mut check_fixture(
        "why-pcrel",
        &["--why", "^jump_(after|dispatch)$"],
    ));
    let a = &v["artifacts"][0];
    assert_eq!(a["binary"]["graph"]["edges_from"], "analysis-link");
    // The trap, by nm and readelf: a PC32 entry in .rodata whose `S + A` is in jump_after.
    let link = analysis_link(a);
    let syms = nm(&link);
    let (after, dispatch) = (syms["jump_after"], syms["jump_dispatch"]);
    let in_after = |x: u64| (after.0..after.0 + after.1).contains(&x);
    let rodata = tool("readelf", &["-rW", &link]);
    let traps = rodata
        .split("Relocation section")
        .filter(|s| s.starts_with(" '.rela.rodata'"))
        .flat_map(str::lines)
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let value = u64::from_str_radix(w.get(3)?, 16).ok()?;
            let addend = i64::from_str_radix(w.get(6)?, 16).ok()?;
            let addend = if w.get(5) == Some(&"-") {
                -addend
            } else {
                addend
            };
            (w.get(2) == Some(&"R_X86_64_PC32")).then(|| value.wrapping_add_signed(addend))
        })
        .filter(|&sa| in_after(sa))
        .count();
    assert!(
        traps >= 1,
        "no .rodata entry reads as jump_after:\n{rodata}"
    );
    // objdump: no instruction refers to jump_after (nothing calls it).
    let code = tool("objdump", &["-d", "--no-show-raw-insn", &link]);
    assert!(
        !code
            .lines()
            .any(|l| l.contains("<jump_after>") && !l.ends_with(":")),
        "something refers to jump_after"
    );
    assert!(
        dispatch.0 < after.0,
        "jump_dispatch {dispatch:?}, jump_after {after:?}"
    );

    let why = a["binary"]["why"]["chains"].as_array().expect("chains");
    let chain_of = |t: &str| {
        steps(
            why.iter()
                .find(|c| c["target"] == t)
                .unwrap_or_else(|| panic!("no chain for {t}: {why:?}")),
        )
    };
    assert!(chain_of("jump_after").is_empty(), "{why:?}");
    let dispatch_chain = chain_of("jump_dispatch");
    assert_eq!(
        dispatch_chain.last().map(|s| s.0.as_str()),
        Some("jump_dispatch"),
        "{why:?}"
    );
    check_pairs(str_of(a, "path"), &dispatch_chain);
}

/// QA al F1: glibc's `__evoke_link_warning_*` symbols sit at address 0 in `.gnu.warning.*`
/// sections that are never loaded, and a call to an undefined weak symbol (`call 0` in
/// `__libc_start_main`) was read as a call to one of them: `--why 'getpwuid_r$'` showed
/// `__libc_start_main → __evoke_link_warning_getpwuid_r`. No such symbol is a node: nm lists
/// them, readelf shows their sections without the ALLOC flag, and `--why` matches none.
#[test]
fn symbols_of_sections_never_loaded_are_no_nodes() {
    // The lookup has its chain, with no step into such a symbol.
    let v = json(&mut check_fixture(
        "audit-lookup",
        &["--warn-only", "--why", "^getaddrinfo$"],
    ));
    let path = str_of(&v["artifacts"][0], "path").to_string();
    let text = v["artifacts"][0]["binary"]["why"].to_string();
    assert!(text.contains("getaddrinfo"), "{text}");
    assert!(!text.contains("__evoke_link_warning"), "{text}");
    let warned: Vec<String> = tool("nm", &[&path])
        .lines()
        .filter(|l| l.ends_with("__evoke_link_warning_getaddrinfo"))
        .map(String::from)
        .collect();
    assert_eq!(warned.len(), 1, "nm: {warned:?}");
    let sections = tool("readelf", &["-SW", &path]);
    let line = sections
        .lines()
        .find(|l| l.contains(".gnu.warning.getaddrinfo"))
        .expect("readelf: .gnu.warning.getaddrinfo");
    // `[Nr] Name Type Address Off Size ES Flg Lk Inf Al`: no `A` among the flags.
    let flags = line.split_whitespace().rev().nth(3).unwrap_or_default();
    assert!(!flags.contains('A'), "{line}");
    let r = run(&mut check_fixture(
        "audit-lookup",
        &["--warn-only", "--why", "__evoke_link_warning"],
    ));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("no crate or symbol of the binary matches"),
        "{}",
        r.stderr
    );
}

/// QA bn F5: glibc's static `_IO_vtable_check` tests whether the weak `__dlopen` is linked,
/// `cmpq $0, __dlopen@GOTPCREL(%rip)`, and calls nothing through it: that compare keeps nothing
/// alive, so no chain may go from it to `__dlopen` (it made 50 KiB of `_dl_open` reachable from
/// `main`). readelf and objdump show the compare in the analysis link.
#[test]
fn a_weak_symbol_s_null_test_is_no_step_of_a_chain() {
    let v = json(&mut check_fixture("why-chain", &["--why", "^__dlopen$"]));
    let a = &v["artifacts"][0];
    let link = analysis_link(a);
    let check = nm(&link)["_IO_vtable_check"];
    let relocs = tool("readelf", &["-rW", &link]);
    let site = relocs
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let at = u64::from_str_radix(w.first()?, 16).ok()?;
            ((check.0..check.0 + check.1).contains(&at)
                && w.get(2) == Some(&"R_X86_64_GOTPCREL")
                && w.get(4) == Some(&"__dlopen"))
            .then_some(at)
        })
        .next()
        .unwrap_or_else(|| panic!("no GOT load of __dlopen in _IO_vtable_check"));
    let code = tool(
        "objdump",
        &[
            "-d",
            &format!("--start-address={:#x}", site - 3),
            &format!("--stop-address={:#x}", site + 5),
            &link,
        ],
    );
    assert!(code.contains("cmpq   $0x0,"), "{code}");
    let chains = a["binary"]["why"]["chains"].as_array().expect("chains");
    for c in chains {
        let names: Vec<String> = steps(c).into_iter().map(|s| s.0).collect();
        assert!(
            !names
                .windows(2)
                .any(|w| w[0] == "_IO_vtable_check" && w[1] == "__dlopen"),
            "{names:?}"
        );
    }
    assert!(!chains.is_empty(), "no chain: {}", a["binary"]["why"]);
}
