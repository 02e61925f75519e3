//! `cargo aotcheck inspect` on binaries we did not build, checked against readelf, strip and ldd.

use crate::util::*;

fn inspect_json(path: &str) -> serde_json::Value {
    let r = run(aotcheck().args(["aotcheck", "inspect", "--format", "json", path]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first = r.stdout.lines().nth(1).unwrap_or_default().trim();
    assert_eq!(
        first, "\"schema_version\": 1,",
        "schema_version must come first"
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(
        v.get("failed").is_none(),
        "no `failed` key when all went well"
    );
    v["artifacts"][0].clone()
}

#[test]
fn system_ls_matches_readelf_strip_and_ldd() {
    let ls = std::fs::canonicalize("/bin/ls").expect("/bin/ls exists");
    let ls = ls.to_str().expect("utf-8");
    let a = inspect_json(ls);
    assert!(a["package"].is_null() && a["link_mode"].is_null());
    // No audit ran, and the JSON says so (QA bf F3: `verdict: pass` read as a clean audit).
    assert_eq!(a["audited"], false, "{a}");
    let b = &a["binary"];
    assert_eq!(str_of(b, "format"), "elf");
    assert_eq!(str_of(b, "arch"), "x86_64");
    assert_eq!(str_of(b, "linkage"), "dynamic");
    assert!(tool("file", &["-L", ls]).contains("dynamically linked"));
    assert_eq!(
        u64_of(b, "file_size"),
        std::fs::metadata(ls).expect("meta").len()
    );

    let needed: Vec<String> = serde_json::from_value(b["needed"].clone()).expect("needed");
    assert_eq!(needed, readelf_needed(ls));
    let sections: Vec<(String, u64)> = b["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| {
            (
                str_of(s, "name").to_string(),
                u64_of(s, "mem_size").max(u64_of(s, "file_size")),
            )
        })
        .collect();
    assert_eq!(sections, readelf_sections(ls));

    assert_eq!(
        u64_of(b, "stripped_size"),
        strip_size(ls),
        "stripped vs strip"
    );

    // Every library ldd resolves is in our closure, at the same file.
    let ldd = tool("ldd", &[ls]);
    let closure = b["closure"].as_array().expect("closure");
    for line in ldd.lines() {
        let Some((name, rest)) = line.trim().split_once(" => ") else {
            continue;
        };
        let path = rest.split(" (").next().expect("path");
        let ours = closure
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from closure {closure:?}"));
        let ours = std::fs::canonicalize(str_of(ours, "path")).expect("our path exists");
        assert_eq!(ours, std::fs::canonicalize(path).expect("ldd path exists"));
    }
    let total: u64 = closure
        .iter()
        .filter_map(|e| e["size"].as_u64())
        .sum::<u64>()
        + u64_of(b, "file_size");
    assert_eq!(u64_of(b, "closure_size"), total);

    let floor = &b["glibc_floor"];
    let version = str_of(floor, "version");
    let highest = tool("readelf", &["-VW", ls])
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .max_by_key(|v| {
            v.split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .expect("readelf names a GLIBC version")
        .to_string();
    assert_eq!(version, highest);
    assert!(!floor["symbols"].as_array().expect("symbols").is_empty());
}

#[test]
fn garbage_and_truncated_files_exit_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ls = std::fs::read("/bin/ls").expect("read /bin/ls");
    let third = ls.len() / 3;
    let count = readelf_field("/bin/ls", "Number of section headers");
    let cases: Vec<(&str, Vec<u8>, String)> =
        vec![
        ("empty", Vec::new(), "empty file, not a binary".into()),
        (
            "text",
            b"#!/bin/sh\necho hello\n".to_vec(),
            "not an ELF, PE or Mach-O file".into(),
        ),
        (
            "elf-header-only",
            ls[..20].to_vec(),
            "truncated or malformed binary: the ELF header ends at byte 64, past the end of the \
             file (20 bytes)"
                .into(),
        ),
        (
            "truncated",
            ls[..third].to_vec(),
            format!(
                "truncated or malformed binary: the table of {count} section headers ends at \
                 byte {}, past the end of the file ({third} bytes)",
                readelf_field("/bin/ls", "Start of section headers")
                    + count * readelf_field("/bin/ls", "Size of section headers"),
            ),
        ),
        ("zeros", vec![0u8; 4096], "not an ELF, PE or Mach-O file".into()),
        // Shorter than the 16 bytes goblin peeks at: it said "malformed binary: Object is too
        // small.".
        (
            "six-bytes",
            b"hello\n".to_vec(),
            "not an ELF, PE or Mach-O file (starts with 68 65 6c 6c 6f 0a)".into(),
        ),
        (
            "mz",
            b"MZ".to_vec(),
            "truncated binary: a PE file of 2 bytes, too short for its header".into(),
        ),
        // The first bytes in file order (they were shown as a little-endian number, reversed).
        (
            "markdown",
            b"# cargo-aotcheck\n\nBuild a Rust project as a static binary.\n".to_vec(),
            "not an ELF, PE or Mach-O file (starts with 23 20 63 61 72 67 6f 2d, \"# cargo-\")"
                .into(),
        ),
    ];
    for (name, bytes, reason) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        let r = run(aotcheck().args(["aotcheck", "inspect"]).arg(&path));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{name}: no report: {}", r.stdout);
        let lines = r.error_lines();
        assert_eq!(lines.len(), 1, "{name}: {}", r.stderr);
        let named = format!("error: `{}`: {reason}", path.display());
        assert!(
            lines[0].starts_with(&named),
            "{name}: error names the file and what is wrong: {}",
            lines[0]
        );
    }
    let r = run(aotcheck().args(["aotcheck", "inspect", "/nonexistent/file"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/file"));
}

/// A number of `readelf -h`'s listing, e.g. "Number of section headers".
fn readelf_field(path: &str, label: &str) -> u64 {
    tool("readelf", &["-hW", path])
        .lines()
        .find_map(|l| l.trim().strip_prefix(label)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("readelf -h {path}: no {label}"))
}

#[test]
fn help_documents_exit_codes() {
    let r = run(aotcheck().args(["aotcheck", "--help"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Exit codes:"));
    for flag in [
        "--manifest-path",
        "--package",
        "--workspace",
        "--bin",
        "--features",
        "--profile",
        "--target",
        "--target-dir",
        "--locked",
        "--frozen",
        "--offline",
        "--color",
        "--compare",
        "--link",
    ] {
        assert!(r.stdout.contains(flag), "--help lacks {flag}");
    }
    insta::assert_snapshot!("help", cargo_aotcheck::cli::help());
}

/// The three linkages, on tiny committed binaries (gcc: `-static -nostdlib`, `-static-pie`,
/// default), against `file`'s verdict.
#[test]
fn linkage_agrees_with_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/inspect");
    for (name, ours, theirs) in [
        ("tiny-static", "static", "statically linked"),
        ("tiny-static-pie", "static-pie", "static-pie linked"),
        ("tiny-dynamic", "dynamic", "dynamically linked"),
    ] {
        let path = dir.join(name);
        let path = path.to_str().expect("utf-8");
        let b = &inspect_json(path)["binary"];
        assert_eq!(str_of(b, "linkage"), ours, "{name}");
        assert!(
            tool("file", &[path]).contains(theirs),
            "{name}: file disagrees"
        );
        assert_eq!(
            u64_of(b, "file_size"),
            std::fs::metadata(path).expect("meta").len()
        );
    }
}

/// PE and Mach-O (tiny hand-made files, see fuzz/seeds/inspect): the facts that apply, `null`
/// for the ELF-only ones, and what `file` says about format and architecture.
#[test]
fn pe_and_mach_o_report_what_applies() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/inspect");
    for (name, format, file_says, section, file_size, mem_size) in [
        ("tiny-pe.exe", "pe", "PE32+ executable", ".text", 512, 16),
        (
            "tiny-macho",
            "mach-o",
            "Mach-O 64-bit x86_64 executable",
            "__TEXT,__text",
            3,
            3,
        ),
    ] {
        let path = dir.join(name);
        let path = path.to_str().expect("utf-8");
        assert!(
            tool("file", &[path]).contains(file_says),
            "{name}: file disagrees"
        );
        let b = &inspect_json(path)["binary"];
        assert_eq!(str_of(b, "format"), format);
        assert_eq!(str_of(b, "arch"), "x86_64");
        assert_eq!(str_of(b, "linkage"), "static", "{name} imports nothing");
        for elf_only in [
            "stripped_size",
            "interpreter",
            "glibc_floor",
            "build_id",
            "elf_type",
        ] {
            assert!(b[elf_only].is_null(), "{name}: {elf_only} should be null");
        }
        let s = &b["sections"][0];
        assert_eq!(
            (
                str_of(s, "name"),
                u64_of(s, "file_size"),
                u64_of(s, "mem_size")
            ),
            (section, file_size, mem_size)
        );
        let r = run(aotcheck().args(["aotcheck", "inspect", path]));
        assert!(r.stdout.contains("n/a for this format"), "{}", r.stdout);
    }
}

/// A folder of artifacts as a release engineer has one, given with other files: every binary
/// in it reported with the figures it has alone; scripts, text and empty files in it skipped;
/// symbolic links not followed (one points out of the folder); each failure named on its own
/// error line and in the report; exit 2 after the report.
#[test]
fn many_files_every_binary_reported_each_failure_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let art = tmp.path().join("artifacts");
    std::fs::create_dir_all(art.join("docs")).expect("mkdir");
    std::fs::create_dir_all(art.join("sub")).expect("mkdir");
    let ls = std::fs::read("/bin/ls").expect("read /bin/ls");
    std::fs::write(art.join("ls"), &ls).expect("write");
    std::fs::copy("/bin/true", art.join("true")).expect("copy");
    std::fs::write(art.join("run.sh"), "#!/bin/sh\nexec ./ls\n").expect("write");
    std::fs::write(art.join("docs/README"), "artifacts of the release\n").expect("write");
    std::fs::write(art.join("empty"), "").expect("write");
    std::fs::write(art.join("sub/cut"), &ls[..ls.len() / 2]).expect("write");
    std::os::unix::fs::symlink("/bin/echo", art.join("link-out")).expect("symlink");
    std::os::unix::fs::symlink("ls", art.join("link-in")).expect("symlink");
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "release notes, not a binary\n").expect("write");
    let missing = tmp.path().join("missing");
    let cat = std::fs::canonicalize("/bin/cat").expect("/bin/cat");
    let args = [art.clone(), cat.clone(), notes.clone(), missing.clone()];

    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "json"])
        .args(&args));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("a report despite failures");
    let paths = artifact_paths(&v);
    let expected = [art.join("ls"), art.join("true"), cat.clone()];
    let expected: Vec<String> = expected.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(
        paths, expected,
        "binaries in argument order, the folder's in name order"
    );
    for a in v["artifacts"].as_array().expect("artifacts") {
        let path = str_of(a, "path");
        let len = std::fs::metadata(path).expect("meta").len();
        assert_eq!(u64_of(&a["binary"], "file_size"), len, "{path}");
        assert_eq!(u64_of(&a["binary"]["coverage"], "file_size"), len, "{path}");
        // Inspected among others, on several threads: the figures it has alone.
        assert_eq!(a["binary"], inspect_json(path)["binary"], "{path}");
    }

    let failed: Vec<(&str, &str)> = v["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| (str_of(f, "path"), str_of(f, "error")))
        .collect();
    let cut = art.join("sub/cut");
    let (cut, notes, missing) = (
        cut.display().to_string(),
        notes.display().to_string(),
        missing.display().to_string(),
    );
    let starts = [
        (cut.as_str(), "truncated or malformed binary: the table of"),
        (notes.as_str(), "not an ELF, PE or Mach-O file"),
        (missing.as_str(), "cannot read: No such file or directory"),
    ];
    assert_eq!(failed.len(), starts.len(), "{failed:?}");
    for ((path, error), (want_path, want_error)) in failed.iter().zip(starts) {
        assert_eq!(*path, want_path);
        assert!(error.starts_with(want_error), "{path}: {error}");
    }

    let errors = r.error_lines();
    assert_eq!(
        errors.len(),
        4,
        "one line per failed file and the verdict:\n{}",
        r.stderr
    );
    for (line, path) in errors.iter().zip([&cut, &notes, &missing]) {
        assert!(line.contains(&format!("`{path}`")), "{line} names {path}");
    }
    assert_eq!(
        errors[3],
        "error: 3 paths could not be inspected, 3 binaries were (each failure is named above \
         and in the report)"
    );
    assert!(
        r.stderr
            .contains("Skipped 3 files that are not binaries, 2 symbolic links (not followed)"),
        "{}",
        r.stderr
    );

    // What the walk passed over is in the report too (QA t, D4), by path.
    let skipped: Vec<(String, &str)> = v["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|f| (str_of(f, "path").to_string(), str_of(f, "why")))
        .collect();
    let at = |p: &str| art.join(p).display().to_string();
    assert_eq!(
        skipped,
        [
            (at("docs/README"), "not a binary"),
            (at("empty"), "not a binary"),
            (at("link-in"), "symbolic link (not followed)"),
            (at("link-out"), "symbolic link (not followed)"),
            (at("run.sh"), "not a binary"),
        ]
    );

    // The human and Markdown reports list the failures too.
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q"]).args(&args));
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("3 files not inspected:"), "{}", r.stdout);
    // The table at the top says they are listed at the end (QA ds F2).
    assert!(
        r.stdout
            .lines()
            .any(|l| l.ends_with(" inspected; 5 paths not looked at (listed at the end):")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "5 paths not looked at:\n  {}: not a binary\n",
            at("docs/README")
        )),
        "{}",
        r.stdout
    );
    for path in [&cut, &notes, &missing] {
        assert!(
            r.stdout.contains(&format!("  {path}: ")),
            "{path} in\n{}",
            r.stdout
        );
    }
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "-q", "--format", "markdown"])
        .args(&args));
    assert_eq!(r.code, 2);
    // Under the verdict they make inconclusive, before the binaries' tables (QA ah, F6).
    let md = &r.stdout;
    let at = md
        .find("## cargo-aotcheck: ❔ inconclusive · not audited\n\n**3 files not inspected, so the report is inconclusive:**\n")
        .unwrap_or_else(|| panic!("{md}"));
    assert!(md.find("| Binary |").is_some_and(|t| t > at), "{md}");
}

/// A folder with no binary in it is a failure of its own, said in one line.
#[test]
fn a_folder_without_binaries_exits_2_naming_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("build.sh"), "#!/bin/sh\n").expect("write");
    std::os::unix::fs::symlink("/bin/ls", tmp.path().join("ls")).expect("symlink");
    let r = run(aotcheck().args(["aotcheck", "inspect"]).arg(tmp.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let errors = r.error_lines();
    assert_eq!(
        errors,
        // QA dj F6: the link the walk passed over is said, with what to do.
        [format!(
            "error: `{}`: no binary found in this directory or below it; 1 symbolic link not \
             followed (name the link itself to inspect what it points to)",
            tmp.path().display()
        )]
    );
}

/// A FIFO, a character device and a /proc file named on the command line each get their own
/// error line, saying what they are, and the binary beside them is reported. Opening the FIFO
/// used to wait for a writer without end (and SIGTERM only asked it to stop).
#[test]
fn special_files_named_on_the_command_line_fail_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let mut child = aotcheck()
        .args(["aotcheck", "inspect", "--format", "json", "/bin/ls"])
        .arg(&fifo)
        .args(["/dev/null", "/proc/self/status"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // A guard against the old hang, not a measure: generous on a loaded machine.
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > give_up {
            let _ = child.kill();
            panic!("inspect did not end: it waits on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["artifacts"].as_array().expect("artifacts").len(), 1);
    let errors: Vec<(String, String)> = v["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| {
            (
                str_of(f, "path").to_string(),
                str_of(f, "error").to_string(),
            )
        })
        .collect();
    let fifo = fifo.display().to_string();
    assert_eq!(
        errors,
        [
            (fifo.clone(), "not a regular file (a FIFO)".to_string()),
            (
                "/dev/null".into(),
                "not a regular file (a character device)".into()
            ),
            (
                "/proc/self/status".into(),
                "a pseudo-file (its size reads 0, as in /proc and /sys), not a binary".into()
            ),
        ]
    );
    // The kinds as `stat` names them, independently.
    let kinds = tool("stat", &["-c", "%F", &fifo, "/dev/null"]);
    assert_eq!(kinds, "fifo\ncharacter special file\n");
    assert!(
        stderr.contains("3 paths could not be inspected, 1 binary was"),
        "{stderr}"
    );
}

/// A stripped dynamic binary is named by `.dynsym` alone: the crate line says why so little
/// is named (`readelf -S` of the copy confirms it has no `.symtab`).
#[test]
fn a_stripped_dynamic_binary_says_why_little_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("ls").to_string_lossy().into_owned();
    tool("strip", &["-o", &copy, "/bin/ls"]);
    let sections = tool("readelf", &["-SW", &copy]);
    assert!(!sections.contains(".symtab") && sections.contains(".dynsym"));
    let r = run(aotcheck().args(["aotcheck", "inspect"]).arg(&copy));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let why = "(symbols from .dynsym only: stripped, it names only imports and exports)";
    assert!(words(&r.stdout).contains(why), "{}", r.stdout);
    // QA az F5: no audit ran, and the report says so rather than nothing.
    assert!(
        words(&r.stdout).contains("findings not audited: `inspect` reads the file alone"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().all(|l| l.chars().count() <= 100),
        "{}",
        r.stdout
    );
}
