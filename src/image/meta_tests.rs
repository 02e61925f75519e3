use super::*;

#[test]
fn a_read_of_sys_is_said_with_the_start_that_had_none() {
    // QA cl F6: jemalloc's read of the huge-page setting sizes no CPUs.
    let thp = ["/sys/kernel/mm/transparent_hugepage/enabled"];
    let w = started_without_sys(thp.into_iter()).expect("a warning");
    assert!(
        w.contains("the kernel's huge-page setting") && !w.contains("CPUs"),
        "{w}"
    );
    let none = ["/proc/self/cgroup", "/etc/passwd", "/system/x"];
    assert_eq!(started_without_sys(none.into_iter()), None);
    let w = started_without_sys(
        [
            "/proc/self/cgroup",
            "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
            "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
        ]
        .into_iter(),
    )
    .expect("a warning");
    assert!(
        w.contains("the program read /sys/fs/cgroup/cpu/cpu.cfs_quota_us and 1 more:"),
        "{w}"
    );
    assert!(
        w.starts_with("started inside the image with no `/sys`"),
        "{w}"
    );
}

#[test]
fn times_are_rfc3339_utc() {
    let at = |s| {
        Epoch {
            seconds: s,
            from: "zero",
        }
        .rfc3339()
    };
    assert_eq!(at(0), "1970-01-01T00:00:00Z");
    // `date -u -d @1700000000 +%FT%TZ`
    assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
}

#[test]
fn source_date_epoch_beyond_year_9999_is_refused() {
    let e = |t: &str| Epoch::from_source_date_epoch(t).map(|e| e.rfc3339());
    // `date -u -d @253402300799 +%FT%TZ`
    assert_eq!(
        e("253402300799").ok().as_deref(),
        Some("9999-12-31T23:59:59Z")
    );
    assert_eq!(e(" 0 ").ok().as_deref(), Some("1970-01-01T00:00:00Z"));
    for bad in ["253402300800", "99999999999999", "-1", "1.5", "abc", ""] {
        let msg = e(bad).expect_err(bad).to_string();
        assert!(
            msg.contains("is not a number of seconds since 1970") && msg.contains(bad),
            "{msg}"
        );
    }
}

#[test]
fn names_and_tags_are_what_docker_accepts() {
    assert_eq!(repository("Hello_Server"), "hello_server");
    assert_eq!(repository("--x"), "x");
    assert_eq!(repository("ü"), "app");
    assert_eq!(tag("1.0.0+build.5"), "1.0.0-build.5");
    assert_eq!(tag("-rc"), "_-rc");
    assert_eq!(oci_arch("x86_64"), "amd64");
    assert_eq!(quote("/app/x"), "/app/x");
    assert_eq!(quote("it's"), r"'it'\''s'");
}

#[test]
fn an_image_exposes_the_port_its_start_inside_waits_on() {
    assert_eq!(exposed(Some(3000), false, 8080), ["3000/tcp"]);
    assert_eq!(exposed(None, true, 8080), ["8080/tcp"]);
    assert!(exposed(None, false, 8080).is_empty());
}

#[test]
fn loopback_arguments_are_named_and_others_are_not() {
    let args: Vec<String> = [
        "-i",
        "127.0.0.1",
        "--port",
        "8080",
        "--upstream",
        "http://db:5432",
    ]
    .map(String::from)
    .to_vec();
    let w = loopback_warnings(&args, true, true);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("`127.0.0.1` (taken from the probe's arguments)"),
        "{w:?}"
    );
    assert!(
        w[0].ends_with("set `image.args`, with `0.0.0.0` in its place"),
        "{w:?}"
    );
    for (a, instead) in [
        ("localhost:3000", "0.0.0.0:3000"),
        ("[::1]:80", "[::]:80"),
        ("--listen=127.0.0.1:9", "--listen=0.0.0.0:9"),
        ("::1", "::"),
        ("--interfaces=::1", "--interfaces=::"),
        ("--host=localhost", "--host=0.0.0.0"),
    ] {
        let w = loopback_warnings(&[a.into()], false, true);
        assert_eq!(w.len(), 1, "{a}");
        // Its own `image.args` are changed, not set (QA bp F4).
        assert!(w[0].contains("; change `image.args`, with"), "{w:?}");
        assert!(
            w[0].ends_with(&format!("with `{instead}` in its place")),
            "{w:?}"
        );
    }
    assert!(
        loopback_warnings(
            &[
                "0.0.0.0:8080".into(),
                "mylocalhost".into(),
                "--x=a::1".into()
            ],
            false,
            true
        )
        .is_empty()
    );
    // QA ay F3: a URL is a client's target, not given a server's `0.0.0.0`.
    let w = loopback_warnings(&["http://127.0.0.1:18765/".into()], true, true);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("a program that connects there"), "{w:?}");
    assert!(!w[0].contains("0.0.0.0"), "{w:?}");
    // QA ce F3: a program that exits (rustscan `-a 127.0.0.1`) is a client of the address:
    // `0.0.0.0` in its place would change what it does.
    let w = loopback_warnings(&["-a".into(), "127.0.0.1".into()], true, false);
    // QA ci F8: a version flag taken from the probe is said; set by `image.args`, or with
    // another argument, it is not.
    let ep = |args: &[&str]| -> Vec<String> {
        std::iter::once("/app/tldr")
            .chain(args.iter().copied())
            .map(String::from)
            .collect()
    };
    let said = probe_flag_warning(&ep(&["--version"]), true).expect("a warning");
    assert!(
        said.starts_with("the image's entrypoint is `/app/tldr --version`, the probe's"),
        "{said}"
    );
    assert!(said.contains("runs `/app/tldr --version ARGS`"), "{said}");
    assert_eq!(probe_flag_warning(&ep(&["--version"]), false), None);
    assert_eq!(probe_flag_warning(&ep(&["--list"]), true), None);
    assert_eq!(probe_flag_warning(&ep(&[]), true), None);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("a program that connects there"), "{w:?}");
    assert!(!w[0].contains("0.0.0.0"), "{w:?}");
}
