//! Unit tests of the hostile conditions' command lines.

use super::*;
use std::process::Command;

fn spec(args: &[&str]) -> ProbeSettings {
    ProbeSettings {
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        timeout: std::time::Duration::from_secs(1),
        ready: crate::options::Ready::EXIT,
        grace: std::time::Duration::from_secs(2),
        ..ProbeSettings::default()
    }
}

/// Root, with the uid and gid an unknown user gets.
fn root() -> Privilege {
    Privilege::Root {
        uid: 54321,
        gid: 54321,
    }
}

#[test]
fn quoting_survives_the_shell() {
    for word in [
        "plain",
        "with space",
        "it's",
        "$(rm -rf /)",
        "a;b",
        "",
        "\"q\"",
    ] {
        let out = Command::new("sh")
            .args(["-c", &format!("printf %s {}", quote(word))])
            .output()
            .expect("sh");
        assert_eq!(String::from_utf8_lossy(&out.stdout), word);
    }
}

#[test]
fn plans_name_the_wrapper_and_skip_without_privilege() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = Scratch::new(dir.path()).expect("scratch");
    let bin = Path::new("/x/bin");
    let root = root();
    let p = invocation(Condition::UnknownUid, bin, &spec(&["a b"]), &root, &scratch).expect("plan");
    assert_eq!(
        p.reproduce,
        "setpriv --reuid=54321 --regid=54321 --clear-groups -- /x/bin 'a b'"
    );
    let p = invocation(Condition::NoHome, bin, &spec(&[]), &root, &scratch).expect("plan");
    assert_eq!(p.reproduce, "env -u HOME -u USER -u LOGNAME /x/bin");
    assert_eq!(p.env_remove, IDENTITY_VARS.to_vec());
    let none = Privilege::Neither("no".into());
    assert!(invocation(Condition::UnknownUid, bin, &spec(&[]), &none, &scratch).is_err());
    assert!(invocation(Condition::NoHome, bin, &spec(&[]), &none, &scratch).is_ok());
    let p = invocation(Condition::All, bin, &spec(&[]), &root, &scratch).expect("plan");
    assert!(p.reproduce.starts_with("env -u HOME"));
    assert!(p.reproduce.contains("mount --bind"));
    // QA o: the probe's own HOME is not put back after `-u HOME`, as the run does not.
    let mut with_home = spec(&[]);
    with_home.env = vec![("HOME".into(), "/tmp/h".into()), ("A".into(), "1".into())];
    let p = invocation(Condition::NoHome, bin, &with_home, &root, &scratch).expect("plan");
    assert_eq!(p.reproduce, "env -u HOME -u USER -u LOGNAME A=1 /x/bin");
    assert_eq!(p.env, [("A".to_string(), "1".to_string())]);
    let p = invocation(Condition::UnknownUid, bin, &with_home, &root, &scratch).expect("plan");
    assert!(
        p.reproduce.starts_with("env HOME=/tmp/h A=1 setpriv"),
        "{}",
        p.reproduce
    );
}

/// QA bm F1: a program that names the owners of other processes (static `btm`) crashed only
/// with a process of an unknown uid running; `foreign-process` starts one (as root) beside
/// the program, whose own uid and HOME are left as they are, under `nss-module`'s file. The
/// command shown starts it in the background first; a user namespace cannot start it.
#[test]
fn a_foreign_process_runs_beside_the_program_as_root_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = Scratch::new(dir.path()).expect("scratch");
    let bin = Path::new("/x/bin");
    let c = Condition::ForeignProcess;
    let p = invocation(c, bin, &spec(&["a"]), &root(), &scratch).expect("plan");
    assert_eq!(p.beside, Some((54321, 54321)));
    assert!(p.env_remove.is_empty(), "{:?}", p.env_remove);
    let conf = scratch.nsswitch().display().to_string();
    assert_eq!(
        p.reproduce,
        format!(
            "setpriv --reuid=54321 --regid=54321 --clear-groups -- sleep 60 & s=$!; sleep 0.2; \
             unshare --mount --propagation private -- sh -c 'mount --bind \"$1\" \
             /etc/nsswitch.conf && shift && exec \"$@\"' sh {conf} /x/bin a; r=$?; kill $s \
             2>/dev/null; (exit $r)"
        )
    );
    let userns = Privilege::UserNamespace { uid: 1, gid: 1 };
    let why = invocation(c, bin, &spec(&[]), &userns, &scratch).expect_err("no foreign uid");
    assert!(why.starts_with("skipped: needs root"), "{why}");
    for other in Condition::ALL.into_iter().filter(|o| *o != c) {
        let p = invocation(other, bin, &spec(&[]), &root(), &scratch).expect("plan");
        assert_eq!(p.beside, None, "{}", other.name());
    }
    assert_eq!(Condition::named("foreign-process"), Some(c));
}

/// The port a run is given is written into its command line: `{port}` replaced and `PORT`
/// set (QA l: the reproduce command kept `{port}`); the readiness's own port or the
/// user's `PORT` first; nothing when no port is waited on or named.
#[test]
fn the_port_is_written_into_the_command_line() {
    use crate::options::Ready;
    let free = || Ok(40001);
    let mut s = spec(&["serve", "-p", "{port}"]);
    s.ready = Ready::Tcp(None);
    let (args, env) = port_given(&s, free);
    assert_eq!(args, ["serve", "-p", "40001"]);
    assert_eq!(env, [("PORT".to_string(), "40001".to_string())]);
    s.env = vec![
        ("PORT".into(), "9000".into()),
        ("URL".into(), "x:{port}".into()),
    ];
    let (args, env) = port_given(&s, free);
    assert_eq!(args, ["serve", "-p", "9000"]);
    assert_eq!(env[1], ("URL".to_string(), "x:9000".to_string()));
    assert_eq!(env.len(), 2);
    s.ready = Ready::Tcp(Some(7000));
    s.env.clear();
    assert_eq!(port_given(&s, free).0, ["serve", "-p", "7000"]);
    // Waited on only by exit: no port, the arguments as given.
    let plain = spec(&["--version"]);
    assert_eq!(
        port_given(&plain, free),
        (vec!["--version".to_string()], vec![])
    );
    // Named with `exit` readiness: written in too.
    let named = spec(&["-p", "{port}"]);
    assert_eq!(port_given(&named, free).0, ["-p", "40001"]);
    let root = root();
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = Scratch::new(dir.path()).expect("scratch");
    let p = invocation(
        Condition::UnknownUid,
        Path::new("/x/bin"),
        &s,
        &root,
        &scratch,
    )
    .expect("plan");
    assert_eq!(
        p.reproduce,
        "env PORT=7000 setpriv --reuid=54321 --regid=54321 --clear-groups -- /x/bin serve \
         -p 7000"
    );
}

/// The setup check is the condition's wrapper around a test of the binary, not the
/// program; a condition without a wrapper needs none.
#[test]
fn the_setup_check_runs_the_wrapper_without_the_program() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = Scratch::new(dir.path()).expect("scratch");
    let bin = Path::new("/x/bin");
    let root = root();
    assert!(
        setup_check(Condition::NoHome, bin, &root, &scratch)
            .expect("check")
            .is_none()
    );
    let c = setup_check(Condition::UnknownUid, bin, &root, &scratch)
        .expect("check")
        .expect("a wrapper");
    assert!(
        c.reproduce
            .starts_with("setpriv --reuid=54321 --regid=54321 --clear-groups -- sh -c "),
        "{}",
        c.reproduce
    );
    assert_eq!(
        c.args.last().map(|a| a.as_os_str()),
        Some("/x/bin".as_ref())
    );
    // Run through a shell, the check fails on a binary that is not there.
    let out = Command::new("sh")
        .args([
            "-c",
            c.reproduce
                .trim_start_matches("setpriv --reuid=54321 --regid=54321 --clear-groups -- "),
        ])
        .output()
        .expect("sh");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot execute /x/bin"));
}

/// QA u, F4: with an `http` readiness the command shown sends the readiness request, on the
/// port the run is given (the readiness's own, else `PORT`), once the server listens; the
/// other readinesses keep the plain command.
#[test]
fn an_http_readiness_sends_its_request_in_the_command_shown() {
    use crate::options::Ready;
    let root = root();
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = Scratch::new(dir.path()).expect("scratch");
    let bin = Path::new("/x/bin");
    let mut s = spec(&[]);
    s.ready = Ready::parse("http:8123/health").expect("ready");
    let p = invocation(Condition::NoHome, bin, &s, &root, &scratch).expect("plan");
    assert_eq!(
        p.reproduce,
        "env -u HOME -u USER -u LOGNAME PORT=8123 /x/bin & until code=$(curl -s -o /dev/null \
         -w '%{http_code}' http://127.0.0.1:8123/health) || ! kill -0 $! 2>/dev/null; do sleep \
         0.1; done; echo \"HTTP $code\"; sleep 1; kill $! 2>/dev/null; wait $!"
    );
    // Run by a shell against a server that answers 403 and never exits: it prints the
    // status and ends (QA bd F2: it waited for ever).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let server = format!(
        "python3 -c 'import http.server as h\nclass H(h.BaseHTTPRequestHandler):\n  \
         def do_GET(s): s.send_response(403); s.end_headers()\n  def log_message(*a): pass\n\
         h.HTTPServer((\"127.0.0.1\", {port}), H).serve_forever()'"
    );
    let cmd = with_request(&server, &format!("http://127.0.0.1:{port}/"));
    let out = std::process::Command::new("timeout")
        .args(["20", "sh", "-c", &cmd])
        .output()
        .expect("sh");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "HTTP 403\n",
        "{cmd}: {out:?}"
    );
    // Ended by the command's own `kill` (SIGTERM: 143), not by `timeout` (124).
    assert_eq!(out.status.code(), Some(143), "{cmd}: {out:?}");
    s.ready = Ready::parse("http/").expect("ready");
    s.env = vec![("PORT".into(), "9000".into())];
    let p = invocation(Condition::NoHome, bin, &s, &root, &scratch).expect("plan");
    assert!(
        p.reproduce
            .contains("-w '%{http_code}' http://127.0.0.1:9000/)"),
        "{}",
        p.reproduce
    );
    s.ready = Ready::Tcp(None);
    let p = invocation(Condition::NoHome, bin, &s, &root, &scratch).expect("plan");
    assert_eq!(
        p.reproduce,
        "env -u HOME -u USER -u LOGNAME PORT=9000 /x/bin"
    );
}

/// A run's replacement `nsswitch.conf` is never truncated in place: another run with the same
/// target dir may have it bind-mounted this moment (a test saw the crash under `all` vanish
/// when run again). The same words leave the file as it is; other words replace it by a
/// rename, and what holds the old file (an open handle, a bind mount) still reads it whole.
#[test]
fn the_replacement_nsswitch_is_never_truncated_under_a_reader() {
    use std::io::Read as _;
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("nsswitch.conf");
    std::fs::write(&conf, "passwd: files\n").expect("write");
    let mut held = std::fs::File::open(&conf).expect("open");
    Scratch::new(dir.path()).expect("scratch");
    assert_eq!(std::fs::read_to_string(&conf).expect("read"), NSSWITCH);
    let mut old = String::new();
    held.read_to_string(&mut old).expect("read held");
    assert_eq!(old, "passwd: files\n");
    let ino = std::fs::metadata(&conf).expect("stat").ino();
    Scratch::new(dir.path()).expect("scratch again");
    assert_eq!(std::fs::metadata(&conf).expect("stat").ino(), ino);
}
