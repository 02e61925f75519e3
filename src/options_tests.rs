//! Tests of the command line's own types.

use super::*;

/// QA bu F2: `exit:1` for a diff tool; each form read back as written.
#[test]
fn exit_readiness_names_the_statuses_it_times() {
    for (written, ok, not) in [
        ("exit", &[0][..], &[1, 255, -1][..]),
        ("exit:1", &[1], &[0, 2]),
        ("exit:0,1", &[0, 1], &[2]),
        ("exit:any", &[0, 1, 64, 255], &[-1, 256]),
    ] {
        let r = Ready::parse(written).expect(written);
        let Ready::Exit(codes) = r else {
            panic!("{written}: {r:?}");
        };
        assert!(ok.iter().all(|&c| codes.accepts(c)), "{written}");
        assert!(not.iter().all(|&c| !codes.accepts(c)), "{written}");
        assert_eq!(r.to_string(), written);
    }
    for bad in ["exit:", "exit:256", "exit:-1", "exit:x", "exit:1,"] {
        assert!(Ready::parse(bad).is_err(), "{bad}");
    }
}

/// An `http` readiness.
fn http(port: Option<u16>, path: &str, status: Option<u16>) -> Ready {
    Ready::Http {
        port,
        path: path.into(),
        status,
    }
}

/// The documented grammar `http[:PORT][/PATH][#STATUS]` without a port: `http/health`,
/// `http#204`, `http/x#200` (the parser once split on the first `:` and rejected them).
#[test]
fn ready_http_without_a_port_parses_as_the_grammar_says() {
    for (text, want) in [
        ("http", http(None, "/", None)),
        ("http/health", http(None, "/health", None)),
        ("http#204", http(None, "/", Some(204))),
        ("http/x#200", http(None, "/x", Some(200))),
        ("http:/x#200", http(None, "/x", Some(200))),
        ("http:8080/a/b#301", http(Some(8080), "/a/b", Some(301))),
        ("http:8080", http(Some(8080), "/", None)),
        ("http:", http(None, "/", None)),
    ] {
        assert_eq!(Ready::parse(text), Ok(want.clone()), "{text}");
        // Written as it is read back.
        assert_eq!(Ready::parse(&want.to_string()), Ok(want), "{text}");
    }
    assert_eq!(http(None, "/", None).to_string(), "http");
    assert_eq!(http(None, "/x", Some(200)).to_string(), "http/x#200");
    assert_eq!(http(Some(8080), "/", None).to_string(), "http:8080/");
    for (text, says) in [
        ("http#999", "not an HTTP status (100-599)"),
        ("http:#99", "not an HTTP status (100-599)"),
        ("http:0/x", "not a TCP port"),
        ("https/x", "expected `exit[:STATUS,...]`"),
        ("httpx", "expected `exit[:STATUS,...]`"),
        ("http/a b", "no spaces"),
    ] {
        let e = Ready::parse(text).expect_err(text);
        assert!(e.contains(says), "{text}: {e}");
    }
}

/// QA ca F3: `http://127.0.0.1:18080/` was read as the path `//127.0.0.1:18080/` on the free
/// port, and each run waited out its timeout; `tcp:127.0.0.1:8080` and `http:{port}/` were
/// refused. A URL of this machine, a `tcp` address and `{port}` read as the grammar's forms;
/// another host, a URL without a port and `https` are refused at once, saying how to write it.
#[test]
fn ready_as_a_url_or_an_address_of_this_machine() {
    for (text, want) in [
        ("http://127.0.0.1:18080/", http(Some(18080), "/", None)),
        ("http://localhost:8080", http(Some(8080), "/", None)),
        (
            "http://[::1]:8080/health#204",
            http(Some(8080), "/health", Some(204)),
        ),
        ("http://127.0.0.1:{port}/x", http(None, "/x", None)),
        ("http:{port}/", http(None, "/", None)),
        ("tcp:127.0.0.1:8080", Ready::Tcp(Some(8080))),
        ("tcp:localhost:{port}", Ready::Tcp(None)),
        ("tcp:{port}", Ready::Tcp(None)),
    ] {
        assert_eq!(Ready::parse(text), Ok(want), "{text}");
    }
    for (text, says) in [
        ("http://example.com:80/", "not on `example.com`"),
        ("tcp:10.0.0.1:80", "not on `10.0.0.1`"),
        (
            "http://127.0.0.1/health",
            "names no port: write `http://127.0.0.1:PORT/health`",
        ),
        ("http://[::1]/", "names no port"),
        ("https://127.0.0.1:8443/", "plain HTTP/1.0"),
        ("http://127.0.0.1:0/", "not a TCP port"),
    ] {
        let e = Ready::parse(text).expect_err(text);
        assert!(e.contains(says), "{text}: {e}");
    }
}

/// QA cu F3: `--probe-env X=1` replaced the config's whole `probe_env` table; a name is now
/// the command line's where both set it, and the config's others stay.
#[test]
fn probe_env_is_merged_by_name_the_command_line_winning() {
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    let cli = ProbeOptions {
        env: Some(vec![pair("X", "1"), pair("RUST_LOG", "debug")]),
        args: Some(vec!["query".into()]),
        ..ProbeOptions::default()
    };
    let config = ProbeOptions {
        env: Some(vec![
            pair("_ZO_DATA_DIR", "/tmp/zd"),
            pair("RUST_LOG", "warn"),
        ]),
        args: Some(vec!["add".into(), "x".into()]),
        ..ProbeOptions::default()
    };
    let got = cli.or(config.clone());
    assert_eq!(
        got.env,
        Some(vec![
            pair("_ZO_DATA_DIR", "/tmp/zd"),
            pair("RUST_LOG", "debug"),
            pair("X", "1")
        ])
    );
    // Arguments stay whole: the command line's list, not a mix.
    assert_eq!(got.args, Some(vec!["query".to_string()]));
    assert_eq!(ProbeOptions::default().or(config.clone()).env, config.env);
}
