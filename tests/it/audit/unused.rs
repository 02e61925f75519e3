//! A dependency the audit knows for NSS lookups, of which nothing is in the binary (QA bz F2,
//! F3, F7: dua's `home`, through gix-path). The finding says so, not "the code may have been
//! trimmed away"; `reachable` is false, the page says "not in the binary", not "linked but
//! unreachable: the code is in the file"; `--why home` answers, where it was exit 2 saying its
//! code was in the binary under another name. Checked with `nm`: no NSS function and no
//! symbol of `home`.

use super::*;

#[test]
fn a_dependency_of_which_nothing_is_linked_is_said_to_be_so() {
    let v = audit(
        "audit-nss-unused",
        &["--why", "home"],
        0,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "warning",
            krate: "home",
            path: &["audit-nss-unused", "home"],
            evidence: &[
                "no evidence in this binary: none of the functions this rule looks for \
                         is linked, nor any code of home",
            ],
        }],
    );
    let a = artifact(&v, "static");
    let f = &a["findings"][0];
    assert_eq!(f["reachable"], false, "{f}");
    // Code symbols (`T`, `t`, `W`, `w`): glibc's link-warning notes (`n`) name the lookups too.
    let nm = tool("nm", &[str_of(a, "path")]);
    let code: Vec<&str> = nm
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f[..] {
                [_, kind, name] if "TtWw".contains(kind) => Some(name),
                _ => None,
            }
        })
        .collect();
    assert!(code.len() > 100, "{}", code.len());
    let nss = ["getpw", "getgrnam", "getgrgid", "getaddrinfo", "gethostby"];
    for name in &code {
        assert!(
            !nss.iter().any(|n| name.starts_with(n)) && !name.contains("4home"),
            "nm shows {name}"
        );
    }
    let why = &a["binary"]["why"];
    assert_eq!(why["matched"], "none", "{why}");
    assert!(
        str_of(why, "note").starts_with(
            "`home` is a dependency (the AOT004 finding is on it) of which nothing is in the \
             binary"
        ),
        "{why}"
    );
    // The page says it is not in the binary.
    let r = run(&mut fixture_saying_status(
        "audit-nss-unused",
        &["-q", "--no-probe", "--format", "html"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Not in the binary</b>"),
        "no 'Not in the binary'"
    );
    assert!(!r.stdout.contains("Linked but unreachable</b>"));
}
