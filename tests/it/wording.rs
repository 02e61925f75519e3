//! What the tool says of its input beyond the figures: the glibc-floor line of a static
//! binary, `inspect --help`'s flags, a manifest path that is a directory.

use crate::util::*;

/// The glibc floor line said "glibc is linked in" for every static ELF. A `-nostdlib` program
/// has no C library (`nm` finds no `__libc_start_main`): it now says "statically linked"; a
/// `-static` glibc build, stripped or not, still says glibc is in it; the page too.
#[test]
fn glibc_floor_claims_glibc_only_when_it_is_linked_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("p.c");
    let cases = [
        (
            "nostdlib",
            "void _start(void) { __asm__ volatile(\"mov $60, %eax\\n xor %edi, %edi\\n syscall\"); }\n",
            &["-nostdlib", "-static"][..],
            "none: statically linked, no run-time version check",
        ),
        (
            "glibc",
            "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
            &["-static"][..],
            "none: glibc is linked in, no run-time version check",
        ),
    ];
    for (name, code, args, line) in cases {
        std::fs::write(&src, code).expect("write");
        let out = dir.path().join(name).display().to_string();
        let mut all = vec!["-O1", "-o", &out, src.to_str().expect("utf-8")];
        all.extend_from_slice(args);
        tool("gcc", &all);
        let stripped = format!("{out}-stripped");
        tool("strip", &["-o", &stripped, &out]);
        let has_libc = tool("nm", &[&out]).contains(" __libc_start_main");
        assert_eq!(has_libc, name == "glibc", "{name}: nm disagrees");
        assert!(
            tool("file", &[&out]).contains("statically linked"),
            "{name}"
        );
        for path in [&out, &stripped] {
            let r = run(aotcheck().args(["aotcheck", "inspect", "-q", path]));
            assert_eq!(r.code, 0, "{path}: {}", r.stderr);
            assert!(
                r.stdout.contains(&format!("glibc floor  {line}\n")),
                "{path}:\n{}",
                r.stdout
            );
            // The page says it in the same words (QA u, F7: "no versioned glibc imports").
            let h = run(aotcheck().args(["aotcheck", "inspect", "-q", "--format", "html", path]));
            assert_eq!(h.code, 0, "{path}: {}", h.stderr);
            assert!(h.stdout.contains(&format!("<dd>{line}</dd>")), "{path}");
        }
    }
}

/// QA ac, W8: the glibc floor was "2.34" in one format and "GLIBC_2.34" in another. A dynamic
/// program's floor is the newest `GLIBC_` version of its imports in `objdump -T`, written so in
/// the terminal and on the page.
#[test]
fn a_glibc_floor_is_written_as_its_symbol_version_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (src, out) = (dir.path().join("p.c"), dir.path().join("p"));
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <sys/random.h>\nint main(void) { char b[4]; \
         getrandom(b, 4, 0); puts(\"hi\"); return 0; }\n",
    )
    .expect("write");
    let out = out.to_str().expect("utf-8");
    tool("gcc", &["-O1", "-o", out, src.to_str().expect("utf-8")]);
    let newest = tool("objdump", &["-T", out])
        .split_whitespace()
        .filter_map(|w| {
            w.strip_prefix("(GLIBC_")
                .or_else(|| w.strip_prefix("GLIBC_"))
        })
        .map(|v| v.trim_end_matches(')').to_string())
        .max_by_key(|v| {
            v.split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .expect("a GLIBC_ version in objdump -T");
    let floor = format!("GLIBC_{newest}");
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q", out]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("glibc floor  {floor}, needed by ")),
        "{}",
        r.stdout
    );
    let h = run(aotcheck().args(["aotcheck", "inspect", "-q", "--format", "html", out]));
    assert!(
        h.stdout.contains(&format!("<dd>{floor}, needed by ")),
        "{floor}"
    );
}

/// `inspect --help` offered `--image`, which `inspect` refuses, and listed the output flags
/// under "Startup probe:", which `inspect` has none of.
#[test]
fn inspect_help_offers_only_what_inspect_takes() {
    let r = run(aotcheck().args(["aotcheck", "inspect", "--help"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("--image"), "{}", r.stdout);
    assert!(!r.stdout.contains("Container image"), "{}", r.stdout);
    assert!(!r.stdout.contains("Startup probe"), "{}", r.stdout);
    let headings: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
        .collect();
    assert_eq!(
        headings,
        [
            "Arguments:",
            "Options:",
            "Where the bytes go:",
            "Output:",
            "Exit codes:"
        ]
    );
    let output = r.stdout.split("Output:").nth(1).expect("Output section");
    for flag in ["--format", "--output", "--color", "--verbose", "--quiet"] {
        assert!(output.contains(flag), "{flag} under Output:\n{}", r.stdout);
    }
    // QA al F6: `inspect` runs no check; its exit codes are 0 and 2, without the budgets,
    // baseline and `--hostile` of the main command's exit 1.
    let codes = r.stdout.split("Exit codes:").nth(1).expect("exit codes");
    let listed: Vec<&str> = codes
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .filter(|w| w.parse::<u8>().is_ok())
        .collect();
    assert_eq!(listed, ["0", "2"], "{codes}");
    for word in ["budget", "baseline", "--hostile"] {
        assert!(!codes.contains(word), "{word}: {codes}");
    }
    // Still refused with its reason when given.
    let r = run(aotcheck().args(["aotcheck", "inspect", "/bin/ls", "--image"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--image writes images"), "{}", r.stderr);
}

/// `--manifest-path DIR` said the directory "does not exist". It says it is a directory and,
/// as cargo does, points at the manifest inside when there is one.
#[test]
fn manifest_path_to_a_directory_says_so_and_names_the_manifest_in_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let hello = fixture("marker");
    let missing = dir.path().join("missing");
    for (path, says) in [
        (
            &hello,
            format!(
                "is a directory but expected a file (`{}` exists)",
                hello.join("Cargo.toml").display()
            ),
        ),
        (
            &empty,
            "is a directory but expected a file (with no Cargo.toml in it)".to_string(),
        ),
        (&missing, "does not exist".to_string()),
    ] {
        let r = run(aotcheck()
            .args(["aotcheck", "--no-probe", "--manifest-path"])
            .arg(path));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            r.error_lines(),
            [format!("error: manifest path `{}` {says}", path.display())],
            "{}",
            r.stderr
        );
    }
}

/// File names are the user's or a stranger's: an escape sequence or a newline in one reaches
/// the terminal escaped, in the report and in the error lines alike.
#[test]
fn control_characters_in_file_names_are_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = dir.path().join("bad\u{1b}[31mname");
    std::fs::copy("/bin/true", &binary).expect("copy");
    let text = dir.path().join("two\nlines");
    std::fs::write(&text, "not a binary").expect("write");
    let r = run(aotcheck()
        .args(["aotcheck", "inspect"])
        .arg(&binary)
        .arg(&text));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains('\u{1b}'), "{out:?}");
    }
    assert!(r.stdout.contains("bad\\u{1b}[31mname"), "{}", r.stdout);
    // The file's own error line, then the count of failed files.
    let errors = r.error_lines();
    assert_eq!(errors.len(), 2, "{}", r.stderr);
    assert!(errors[0].contains("two\\nlines"), "{}", errors[0]);
}

/// QA aj, F8: a negative count of symbol rows is a value said to be negative (exit 2), not
/// "unexpected argument '-3' found".
#[test]
fn a_negative_count_of_rows_is_said_to_be_negative() {
    for args in [
        &["--symbols", "-3"][..],
        &["inspect", "/bin/true", "-n", "-3"],
    ] {
        let r = run(aotcheck().arg("aotcheck").args(args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("`-3` is negative"), "{}", r.stderr);
        assert!(!r.stderr.contains("unexpected argument"), "{}", r.stderr);
    }
}
