//! Tests of `contents.rs`.

use super::*;
use crate::image::contents::left::{directory_left_out, in_image_home};

#[test]
fn secrets_runtime_and_data_are_told_apart() {
    let home = Some("/home/me");
    for p in [
        "/etc/machine-id",
        "/etc/shadow",
        "/etc/ssh/ssh_host_ed25519_key",
        "/home/me/.config/app.toml",
        "/srv/app/.ssh/known_hosts",
        "/etc/ssl/private/site.key",
        "/opt/tls/server.key",
    ] {
        assert!(is_secret(p, home), "{p}");
    }
    assert!(!is_secret("/etc/ssl/certs/ca-certificates.crt", home));
    assert!(!is_secret("/homework/x", home));
    assert!(is_runtime("/proc/self/maps") && is_runtime("/etc/resolv.conf"));
    // QA ce F4: the runtime writes `/etc/hosts`; this machine's names stay out of the image.
    assert!(is_runtime("/etc/hosts") && !is_data("/etc/hosts"));
    assert!(!is_runtime("/process/x"));
    assert!(is_data("/etc/ssl/certs/ca-certificates.crt"));
    assert!(is_data("/usr/share/zoneinfo/Europe/Paris"));
    assert!(is_data("/etc/localtime"));
    assert!(!is_data("/etc/ssl/private/site.key") && !is_data("/etc/app.toml"));
    // The CA certificates among the data (QA ay F1's warning looks for them).
    assert!(is_ca("/etc/ssl/certs/ca-certificates.crt") && is_ca("/etc/ssl/cert.pem"));
    assert!(is_ca("/usr/share/ca-certificates/mozilla/x.crt"));
    assert!(!is_ca("/usr/share/zoneinfo/UTC") && !is_ca("/etc/ssl/openssl.cnf"));
    // QA aw F3: a home's file with no credential's mark is the home's, not a secret.
    assert!(only_home("/home/me/.config/app.toml", home));
    assert!(only_home("/root/.config/bottom/bottom.toml", None));
    for p in [
        "/home/me/.ssh/config",
        "/root/.aws/credentials",
        "/home/me/id_ed25519",
        "/home/me/tls/site.key",
        "/etc/shadow",
        "/srv/app/conf.toml",
    ] {
        assert!(!only_home(p, home), "{p}");
    }
}

#[test]
fn passwd_and_group_name_the_user() {
    let mut s = ImageSettings::for_bin("x");
    let (p, g) = user_files(&s);
    assert!(
        p.contains("\nnonroot:x:65532:65532:nonroot:/home/nonroot:"),
        "{p}"
    );
    assert_eq!(home(&s), "/home/nonroot");
    assert!(g.contains("\nnonroot:x:65532:\n"), "{g}");
    s.user = crate::plan::ImageUser::numeric(0, 0);
    let (p, g) = user_files(&s);
    assert_eq!(p.lines().count(), 1);
    assert_eq!(g.lines().count(), 1);
}

#[test]
fn entries_that_cannot_share_a_layer_are_a_clash_and_an_extra_file_replaces_data() {
    let file = |b: &mut Builder, p: &str, why| b.add(p, Data::Bytes(vec![1]), 0o644, why);
    let mut b = Builder::default();
    file(&mut b, "/etc/ssl/cert.pem", FileWhy::Extra);
    file(&mut b, "/etc/ssl/cert.pem", FileWhy::RuntimeData);
    file(&mut b, "/usr/lib/libc.so.6", FileWhy::Library);
    file(&mut b, "/usr/lib/libc.so.6", FileWhy::Library);
    b.add("/srv", Data::Dir, 0o755, FileWhy::Binary);
    assert_eq!(b.clash, None);
    assert_eq!(b.entries.len(), 3);
    // The working directory where a data file went; a library below a file.
    file(&mut b, "/usr/share/zoneinfo/UTC", FileWhy::RuntimeData);
    b.add("/usr/share/zoneinfo/UTC", Data::Dir, 0o755, FileWhy::Binary);
    let clash = b.clash.take().expect("workdir at a file");
    assert!(
        clash.contains("`/usr/share/zoneinfo/UTC` (opened at run time"),
        "{clash}"
    );
    file(&mut b, "/usr/lib/libc.so.6/x", FileWhy::Library);
    assert!(b.clash.take().is_some());
    file(&mut b, "/usr", FileWhy::Extra);
    assert!(b.clash.take().is_some());
    assert_eq!(b.entries.len(), 4);
}

/// QA bn F3: a directory opened at run time is left out when the image holds nothing of it,
/// by its own path or copied from under it; not `/`, the runtime's, nor one that holds the
/// image's files.
#[test]
fn a_directory_is_left_out_only_when_the_image_holds_nothing_of_it() {
    let mut b = Builder::default();
    b.add("/app/app", Data::Bytes(vec![1]), 0o755, FileWhy::Binary);
    b.add("/etc/group", Data::Bytes(vec![1]), 0o644, FileWhy::User);
    let copied = PathBuf::from("/data/site/index.html");
    b.add(
        "/srv/www/index.html",
        Data::File(copied),
        0o644,
        FileWhy::Extra,
    );
    let left = |p: &str, home| directory_left_out(&b, p, home);
    assert_eq!(
        left("/tmp/www/", None),
        Some(("/tmp/www".to_string(), LeftOutWhy::NotCopied))
    );
    assert_eq!(
        left("/root/site", Some("/root")),
        Some(("/root/site".to_string(), LeftOutWhy::Home))
    );
    for held in [
        "/",
        "/app",
        "/etc/",
        "/srv/www",
        "/data/site",
        "/proc/self/fd",
        "/sys",
    ] {
        assert_eq!(left(held, None), None, "{held}");
    }
}

/// QA br F2: a file of this machine's `$HOME` is under the image user's home in the image;
/// a path that only starts with the home's name, or another user's, is not.
#[test]
fn a_home_file_is_under_the_image_user_s_home() {
    let at = |p: &str, h: Option<&str>| in_image_home(p, h, "/home/nonroot");
    assert_eq!(
        at("/root/.local/share/zoxide/db.zo", Some("/root")).as_deref(),
        Some("/home/nonroot/.local/share/zoxide/db.zo")
    );
    assert_eq!(
        at("/root/x", Some("/root/")).as_deref(),
        Some("/home/nonroot/x")
    );
    assert_eq!(at("/rootfs/x", Some("/root")), None);
    assert_eq!(at("/home/alice/x", Some("/root")), None);
    assert_eq!(at("/root/x", None), None);
    assert_eq!(at("/x", Some("/")), None);
}

/// QA cr F4: starship probed with `--probe-env HOME=DIR` kept its cache under DIR, which was
/// "not copied" (this tool's own `HOME` was taken for the run's): it is under the image user's
/// home, as a file of the run's home.
#[test]
fn a_file_under_the_probe_s_home_is_a_home_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let cache = home.join(".cache/starship/session.log");
    std::fs::create_dir_all(cache.parent().expect("parent")).expect("mkdir");
    std::fs::write(&cache, b"x").expect("write");
    let binary = dir.path().join("bin");
    std::fs::write(&binary, b"\x7fELF").expect("write");
    let a = crate::report::test_artifact(4);
    let s = ImageSettings::for_bin("starship");
    let opened = [cache.display().to_string()];
    let home = home.display().to_string();
    let contents = assemble(&a, &s, &binary, (Some(&opened), &[], Some(&home))).expect("contents");
    let left = contents
        .left_out
        .iter()
        .find(|l| l.path == opened[0])
        .expect("left out");
    assert_eq!(left.why, LeftOutWhy::Home, "{left:?}");
    assert_eq!(
        left.in_image.as_deref(),
        Some(format!("{}/.cache/starship/session.log", home_of(&s.user)).as_str())
    );
    // Without the probe's, this tool's own (not the directory above).
    let contents = assemble(&a, &s, &binary, (Some(&opened), &[], None)).expect("contents");
    let left = contents.left_out.iter().find(|l| l.path == opened[0]);
    assert!(left.is_some_and(|l| l.why != LeftOutWhy::Home), "{left:?}");
}
