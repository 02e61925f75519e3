//! `inspect` of files the tool did not build and cannot fully read (QA dn): Mach-O by its load
//! commands (against `llvm-objdump --macho`), ELF libraries, core dumps and damaged headers
//! (against `readelf`, `file` and `strip`), other machines' code, and PE cut short.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{aotcheck, gcc, run, str_of, tool};

/// A committed Mach-O file (`tests/data/macho/NAME.gz`, see its README) unpacked into `dir`.
fn macho(dir: &Path, name: &str) -> String {
    unpacked(dir, "macho", name)
}

/// A committed file `tests/data/KIND/NAME.gz` unpacked into `dir`.
fn unpacked(dir: &Path, kind: &str, name: &str) -> String {
    let gz = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/{kind}/{name}.gz"));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).expect("fixture"))
        .read_to_end(&mut bytes)
        .expect("gunzip");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_str().expect("utf-8").to_string()
}

fn binary(path: &str, extra: &[&str]) -> Value {
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "json"])
        .args(extra)
        .arg(path));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    v["artifacts"][0]["binary"].clone()
}

/// The load commands `llvm-objdump --macho --private-headers` lists: each command's name and
/// its `name`/`uuid` line's value, in order.
fn load_commands(path: &str) -> Vec<(String, String)> {
    let out = tool("llvm-objdump", &["--macho", "--private-headers", path]);
    let mut cmds: Vec<(String, String)> = Vec::new();
    for line in out.lines().map(str::trim) {
        if let Some(cmd) = line.strip_prefix("cmd ") {
            cmds.push((cmd.to_string(), String::new()));
        } else if let Some(last) = cmds.last_mut() {
            let value = line
                .strip_prefix("name ")
                .or_else(|| line.strip_prefix("uuid "));
            if let Some(v) = value.filter(|_| last.1.is_empty()) {
                last.1 = v.split(" (offset").next().unwrap_or(v).to_string();
            }
        }
    }
    cmds
}

fn of_kind(cmds: &[(String, String)], kind: &str) -> Vec<String> {
    cmds.iter()
        .filter(|c| c.0 == kind)
        .map(|c| c.1.clone())
        .collect()
}

/// QA dn F2, F3, F4, F11, F15: a dylib listed its own install name as a library it needs, an
/// object was `static`, an executable that dyld starts was `static`, and dyld and `LC_UUID`
/// were "n/a"; a universal file's `arch` was free text.
#[test]
fn mach_o_files_say_what_their_load_commands_say() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();

    let dylib = macho(d, "libmac2.dylib");
    let cmds = load_commands(&dylib);
    let b = binary(&dylib, &[]);
    assert!(tool("file", &[&dylib]).contains("dynamically linked shared library"));
    assert_eq!(str_of(&b, "linkage"), "shared-library");
    assert_eq!(
        b["needed"],
        serde_json::json!(of_kind(&cmds, "LC_LOAD_DYLIB"))
    );
    assert_eq!(of_kind(&cmds, "LC_LOAD_DYLIB").len(), 1, "{cmds:?}");
    assert_eq!(
        [str_of(&b, "soname").to_string()],
        of_kind(&cmds, "LC_ID_DYLIB")[..]
    );

    let exe = macho(d, "mac-dyn");
    let cmds = load_commands(&exe);
    let b = binary(&exe, &[]);
    assert_eq!(str_of(&b, "linkage"), "dynamic");
    assert_eq!(
        [str_of(&b, "interpreter").to_string()],
        of_kind(&cmds, "LC_LOAD_DYLINKER")[..]
    );
    let uuid = of_kind(&cmds, "LC_UUID");
    assert_eq!(uuid.len(), 1, "{cmds:?}");
    assert_eq!(
        str_of(&b, "build_id"),
        uuid[0].replace('-', "").to_lowercase()
    );
    assert!(b.get("soname").is_none(), "{b}");

    // dyld starts it though it loads no library.
    let lone = macho(d, "mac-static");
    let cmds = load_commands(&lone);
    assert!(of_kind(&cmds, "LC_LOAD_DYLIB").is_empty(), "{cmds:?}");
    assert_eq!(of_kind(&cmds, "LC_LOAD_DYLINKER").len(), 1, "{cmds:?}");
    let b = binary(&lone, &[]);
    assert_eq!(str_of(&b, "linkage"), "dynamic");
    let human = run(aotcheck().args(["aotcheck", "inspect", &lone]));
    assert!(
        human
            .stdout
            .contains("dynamic (started by its interpreter; no shared library needed)"),
        "{}",
        human.stdout
    );

    let object = macho(d, "mac.o");
    assert!(tool("file", &[&object]).contains("Mach-O 64-bit x86_64 object"));
    let b = binary(&object, &[]);
    assert_eq!(str_of(&b, "linkage"), "unknown");
    assert!(b["closure_size"].is_null(), "{b}");

    let fat = macho(d, "mac-universal");
    let says = tool("file", &[&fat]);
    assert!(
        says.contains("universal binary with 2 architectures") && says.contains("arm64"),
        "{says}"
    );
    let b = binary(&fat, &[]);
    assert_eq!(str_of(&b, "arch"), "x86_64");
    assert_eq!(b["slices"], serde_json::json!(["x86_64", "aarch64"]));
    let human = run(aotcheck().args(["aotcheck", "inspect", &fat]));
    assert!(
        human.stdout.contains(
            "Mach-O x86_64 (universal: 2 slices, x86_64, aarch64; the first is reported)"
        ),
        "{}",
        human.stdout
    );
    // JSON and Markdown give no closure where the terminal says none was resolved (F12).
    let md = run(aotcheck().args(["aotcheck", "inspect", "--format", "markdown", &exe]));
    let row = md
        .stdout
        .lines()
        .find(|l| l.contains("mac-dyn"))
        .unwrap_or_default();
    assert!(row.ends_with("| 36.3 KiB | – | – |"), "{row}");
}

/// An ELF library of this machine's code, as `gcc -shared` makes one: a name of its own
/// (`DT_SONAME`, QA dn F17), and one without a name or needed library, which has no entry
/// point, is a library, not a static-pie executable (F5).
#[test]
fn elf_libraries_are_libraries_with_their_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = b"int answer(void) { return 42; }\n";
    let bare = gcc(
        dir.path(),
        "libbare.so",
        src,
        &["-shared", "-fPIC", "-nostdlib"],
    );
    assert!(tool("readelf", &["-hW", &bare]).contains("Entry point address:               0x0"));
    assert!(!tool("readelf", &["-dW", &bare]).contains("(NEEDED)"));
    assert!(tool("file", &[&bare]).contains("shared object"));
    let b = binary(&bare, &[]);
    assert_eq!(str_of(&b, "linkage"), "shared-library");
    assert_eq!(b["pie"], false);

    let named = gcc(
        dir.path(),
        "libnamed.so.1.0",
        src,
        &["-shared", "-fPIC", "-Wl,-soname,libnamed.so.1"],
    );
    let dynamic = tool("readelf", &["-dW", &named]);
    let soname = dynamic
        .lines()
        .find(|l| l.contains("(SONAME)"))
        .and_then(|l| l.split('[').nth(1))
        .map(|s| s.trim_end_matches(']'))
        .expect("SONAME");
    assert_eq!(str_of(&binary(&named, &[]), "soname"), soname);
    // QA ds F3: glibc's `libc.so.6` has an interpreter and an entry point (it runs and says
    // its version), and a soname: a library, as `file` says it is a shared object.
    let libc = "/lib/x86_64-linux-gnu/libc.so.6";
    let libc = std::fs::canonicalize(libc).expect("libc.so.6");
    let libc = libc.to_str().expect("utf-8");
    assert!(tool("readelf", &["-lW", libc]).contains("INTERP"));
    assert!(tool("readelf", &["-dW", libc]).contains("(SONAME)"));
    assert!(tool("file", &["-L", libc]).contains("shared object"));
    let b = binary(libc, &[]);
    assert_eq!(str_of(&b, "linkage"), "shared-library");
    assert_eq!(str_of(&b, "soname"), "libc.so.6");
}

/// A copy of `path` with the 16-bit ELF header field at `offset` set to `value`.
fn patched(path: &str, offset: usize, value: u16, to: &Path) -> String {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
    std::fs::write(to, bytes).expect("write");
    to.to_str().expect("utf-8").to_string()
}

fn tiny(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds/inspect")
        .join(name);
    p.to_str().expect("utf-8").to_string()
}

/// `inspect ARGS`, which must exit 2: its stderr.
fn refused(args: &[&str]) -> String {
    let r = run(aotcheck().args(["aotcheck", "inspect"]).args(args));
    assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
    r.stderr
}

/// Whether GNU `strip` refuses the file.
fn strip_refuses(path: &str) -> bool {
    let strip = std::process::Command::new("strip")
        .args(["-o", "/dev/null", path])
        .output()
        .expect("strip");
    !strip.status.success()
}

/// QA dn F13, F14: a core dump got a stripped size, a closure and constructors; a section
/// names' index past the sections and a section count of 0 beside a table's offset read as
/// sound (exit 0, a stripped size over the file's), where `strip` refuses both.
#[test]
fn core_dumps_and_broken_section_tables_are_said_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let core = patched(&tiny("tiny-dynamic"), 16, 4, &d.join("core"));
    assert!(tool("readelf", &["-hW", &core]).contains("CORE (Core file)"));
    let said = refused(&[&core]);
    assert!(
        said.contains("a core dump (ELF type CORE), not a program"),
        "{said}"
    );
    // In a folder it is passed over, as a script is.
    let folder = d.join("folder");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::copy(&core, folder.join("core")).expect("copy");
    std::fs::copy(tiny("tiny-dynamic"), folder.join("prog")).expect("copy");
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "json"])
        .arg(&folder));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    // Said as what it is (QA do F8).
    assert_eq!(v["skipped"][0]["why"], "core dump", "{}", v["skipped"]);

    // e_shstrndx (offset 62 of a 64-bit header) past the 30-odd sections.
    let bad = patched(&tiny("tiny-dynamic"), 62, 999, &d.join("shstrndx"));
    assert!(strip_refuses(&bad));
    let said = refused(&[&bad]);
    assert!(
        said.contains("the section names are said to be in section 999 (`e_shstrndx`)"),
        "{said}"
    );

    // e_shnum (offset 60) 0, e_shoff left as it was: no section headers.
    let none = patched(&tiny("tiny-dynamic"), 60, 0, &d.join("shnum0"));
    assert!(strip_refuses(&none));
    let b = binary(&none, &[]);
    assert!(b["stripped_size"].is_null(), "{b}");
}

/// QA dn F1: an aarch64 file's code was decoded as x86-64: `main` "linked but unreachable",
/// nearly all of it unreachable. No graph of another machine's code, even with `--graph`, and
/// `--why` says why there is nothing to search.
#[test]
fn other_machines_code_gets_no_graph() {
    let dir = tempfile::tempdir().expect("tempdir");
    // e_machine (offset 18) EM_AARCH64.
    let arm = patched(&tiny("tiny-static"), 18, 183, &dir.path().join("arm"));
    assert!(tool("readelf", &["-hW", &arm]).contains("AArch64"));
    let b = binary(&arm, &["--graph"]);
    assert_eq!(str_of(&b, "arch"), "aarch64");
    assert!(b.get("graph").is_none(), "{b}");
    assert!(
        str_of(&b, "graph_skipped").starts_with("the code is not x86-64"),
        "{b}"
    );
    // Nor is `--why` offered where it cannot answer (QA do F11).
    let human = run(aotcheck().args(["aotcheck", "inspect", &arm]));
    assert!(
        human.stdout.contains("findings     not audited"),
        "{}",
        human.stdout
    );
    assert!(
        !human.stdout.contains("--why getpwuid_r"),
        "{}",
        human.stdout
    );
    let r = run(aotcheck().args(["aotcheck", "inspect", "--why", "main", &arm]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.error_lines(),
        [
            "error: --why `main`: no binary here has a reference graph (the code is not x86-64, \
          the only machine code the graph decodes), so nothing could be searched"
        ]
    );
}

/// QA dn F6, F7, F9: a PE cut short was "not a binary" in a folder (exit 0), and one cut after
/// its headers was reported whole; `--filter` of a file without a crate table was ignored.
#[test]
fn a_pe_cut_short_is_an_error_and_filters_say_what_they_cannot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = std::fs::read(tiny("tiny-pe.exe")).expect("read");
    let folder = dir.path().join("dist");
    std::fs::create_dir(&folder).expect("mkdir");
    let cut = folder.join("cut.exe");
    // Its headers whole, its code (16 bytes at 0x200) cut after 8.
    std::fs::write(&cut, &whole[..0x208]).expect("write");
    let cut = cut.to_str().expect("utf-8");
    let objdump = std::process::Command::new("objdump")
        .args(["-s", "-j", ".text", cut])
        .output()
        .expect("objdump");
    let said = String::from_utf8_lossy(&objdump.stderr);
    assert!(said.contains("file truncated"), "objdump read it: {said}");
    for arg in [cut, folder.to_str().expect("utf-8")] {
        let r = run(aotcheck().args(["aotcheck", "inspect", arg]));
        assert_eq!(r.code, 2, "{arg}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(
                "cut.exe`: truncated or malformed binary: section `.text` ends \
                               at byte"
            ),
            "{}",
            r.stderr
        );
    }
    let pe = tiny("tiny-pe.exe");
    // `--graph` of it says why there is none (QA do F4).
    let b = binary(&pe, &["--graph"]);
    assert!(
        str_of(&b, "graph_skipped").starts_with("not an ELF file"),
        "{b}"
    );
    let r = run(aotcheck().args(["aotcheck", "inspect", "--filter", "foo", &pe]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.error_lines(),
        [
            "error: --filter `foo`: no binary here has a crate table (an ELF file with section \
          headers), so nothing could be filtered"
        ]
    );
}

/// QA dn F10: musl's loader is its C library: a musl program's `libc.so` was "not found" in
/// its closure though it runs; `ld-musl-x86_64.so.1 --list` maps it to the loader.
#[test]
fn a_musl_program_needs_nothing_beside_its_loader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = dir.path().join("hello.c");
    std::fs::write(
        &c,
        "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n",
    )
    .expect("write");
    let exe = dir.path().join("hello");
    let exe = exe.to_str().expect("utf-8");
    tool("musl-gcc", &["-o", exe, c.to_str().expect("utf-8")]);
    let loader = "/lib/ld-musl-x86_64.so.1";
    let listed = std::process::Command::new(loader)
        .args(["--list", exe])
        .output()
        .expect("ld-musl --list");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains(&format!("libc.so => {loader}")), "{listed}");
    let b = binary(exe, &[]);
    assert_eq!(b["needed"], serde_json::json!(["libc.so"]));
    let closure: Vec<&str> = b["closure"]
        .as_array()
        .expect("closure")
        .iter()
        .map(|e| str_of(e, "name"))
        .collect();
    assert_eq!(closure, [loader]);
    let size = std::fs::metadata(exe).expect("stat").len()
        + std::fs::metadata(loader).expect("stat").len();
    assert_eq!(b["closure_size"], size);
}

/// QA dn F21: a folder of ELF, PE and Mach-O files read alike in the overview; files of more
/// than one format or machine say which each is, as `file` does. One kind alone adds no
/// column.
#[test]
fn a_mixed_folder_says_each_files_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let files = [
        ("elf", tiny("tiny-static"), "ELF 64-bit", "ELF x86_64"),
        ("pe.exe", tiny("tiny-pe.exe"), "PE32+", "PE x86_64"),
        (
            "mach",
            macho(d, "mac-dyn"),
            "Mach-O 64-bit x86_64",
            "Mach-O x86_64",
        ),
    ];
    let folder = d.join("mixed");
    std::fs::create_dir(&folder).expect("mkdir");
    for (name, from, _, _) in &files {
        std::fs::copy(from, folder.join(name)).expect("copy");
    }
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--color", "never"])
        .arg(&folder));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let head = r
        .stdout
        .lines()
        .skip_while(|l| *l != "3 files inspected:")
        .nth(1)
        .unwrap_or_default();
    assert!(head.starts_with("  linkage         kind"), "{}", r.stdout);
    for (name, _, says, kind) in &files {
        let path = folder.join(name);
        let path = path.to_str().expect("utf-8");
        assert!(tool("file", &[path]).contains(says), "{name}");
        let row = r
            .stdout
            .lines()
            .find(|l| l.ends_with(&format!(" {path}")))
            .unwrap_or_else(|| panic!("no row for {path}:\n{}", r.stdout));
        assert!(row.contains(&format!("  {kind}  ")), "{row}");
    }
    // And the Markdown's table (QA do F10).
    let md = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "markdown"])
        .arg(&folder));
    assert!(
        md.stdout.contains("| Binary | Kind | Linkage | File |"),
        "{}",
        md.stdout
    );
    for (name, _, _, kind) in &files {
        let row = md
            .stdout
            .lines()
            .find(|l| l.contains(&format!("{name}`")))
            .unwrap_or_default();
        assert!(row.contains(&format!("| {kind} |")), "{name}: {row}");
    }
    std::fs::remove_file(folder.join("pe.exe")).expect("rm");
    std::fs::remove_file(folder.join("mach")).expect("rm");
    std::fs::copy(tiny("tiny-dynamic"), folder.join("elf2")).expect("copy");
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--color", "never"])
        .arg(&folder));
    assert!(!r.stdout.contains(" kind "), "{}", r.stdout);
    let md = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "markdown"])
        .arg(&folder));
    assert!(!md.stdout.contains("| Kind |"), "{}", md.stdout);
}

/// QA do F1: a PE cut inside the COFF string table that follows its symbols (where the long
/// section names are: `/19` is `.debug_info`) was reported whole, exit 0, though `objdump`
/// does not recognise it.
#[test]
fn a_pe_cut_in_its_string_table_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = std::fs::read(unpacked(dir.path(), "pe", "pe-syms.exe")).expect("read");
    let word =
        |at: usize| u32::from_le_bytes([whole[at], whole[at + 1], whole[at + 2], whole[at + 3]]);
    let coff = word(0x3c) as usize + 4;
    let symbols_end = word(coff + 8) as usize + word(coff + 12) as usize * 18;
    let strings_end = symbols_end + word(symbols_end) as usize;
    assert_eq!(strings_end, whole.len(), "the string table ends the file");
    for cut in [symbols_end, whole.len() - 50] {
        let path = dir.path().join(format!("cut-{cut}.exe"));
        std::fs::write(&path, &whole[..cut]).expect("write");
        let path = path.to_str().expect("utf-8");
        let objdump = std::process::Command::new("objdump")
            .args(["-h", path])
            .output()
            .expect("objdump");
        assert!(!objdump.status.success(), "objdump read {path}");
        let r = run(aotcheck().args(["aotcheck", "inspect", path]));
        assert_eq!(r.code, 2, "{}", r.stdout);
        let end = if cut == symbols_end {
            symbols_end + 4
        } else {
            strings_end
        };
        assert!(
            r.stderr.contains(&format!(
                "the COFF string table ends at byte {end}, past the end of the file ({cut} bytes)"
            )),
            "{}",
            r.stderr
        );
    }
    let r = run(aotcheck().args([
        "aotcheck",
        "inspect",
        &unpacked(dir.path(), "pe", "pe-syms.exe"),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// QA do F2: a musl program's other libraries were looked for where glibc's loader looks (its
/// `libz.so.1` read as glibc's, which musl cannot load). musl's loader looks in the rpath and
/// its own path alone: without an rpath the library is not found, as `ld-musl --list` says;
/// with one, it is the file `--list` loads.
#[test]
fn a_musl_programs_libraries_are_found_where_musl_looks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8");
    let src = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    };
    let lib_c = src("z.c", "int zfun(int x) { return x + 1; }\n");
    let main_c = src(
        "m.c",
        "int zfun(int);\nint main(void) { return zfun(-1); }\n",
    );
    let lib = format!("{d}/libz.so.1");
    tool(
        "musl-gcc",
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libz.so.1",
            "-o",
            &lib,
            &lib_c,
        ],
    );
    let loader = "/lib/ld-musl-x86_64.so.1";
    let closure = |exe: &str| -> Vec<(String, Option<String>)> {
        binary(exe, &[])["closure"]
            .as_array()
            .expect("closure")
            .iter()
            .map(|e| {
                (
                    str_of(e, "name").to_string(),
                    e["path"].as_str().map(String::from),
                )
            })
            .collect()
    };
    let listed = |exe: &str| {
        let out = std::process::Command::new(loader)
            .args(["--list", exe])
            .output()
            .expect("ld-musl --list");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    let bare = format!("{d}/bare");
    tool("musl-gcc", &["-o", &bare, &main_c, "-L", d, "-l:libz.so.1"]);
    assert!(
        listed(&bare).contains("Error loading shared library libz.so.1"),
        "{}",
        listed(&bare)
    );
    assert_eq!(closure(&bare)[1], ("libz.so.1".to_string(), None));
    let found = format!("{d}/found");
    let rpath = format!("-Wl,-rpath,{d}");
    tool(
        "musl-gcc",
        &["-o", &found, &main_c, "-L", d, "-l:libz.so.1", &rpath],
    );
    assert!(
        listed(&found).contains(&format!("libz.so.1 => {lib}")),
        "{}",
        listed(&found)
    );
    assert_eq!(closure(&found)[1], ("libz.so.1".to_string(), Some(lib)));
}
