//! Tests of `image.rs`.

use super::*;

/// An image that does not start: a file it needs is missing, one is left out.
fn failed() -> Image {
    serde_json::from_value(serde_json::json!({
        "layout": "/t/image/app/app/static", "tar": "/t/image/app/app/static.tar",
        "reference": "app:1.0.0",
        "manifest_digest": "sha256:0123456789abcdef0123456789abcdef",
        "config_digest": "sha256:c", "layer_digest": "sha256:l", "diff_id": "sha256:d",
        "architecture": "amd64", "os": "linux", "compressed_size": 570_000,
        "uncompressed_size": 1_300_000, "created": "1970-01-01T00:00:00Z",
        "created_from": "zero", "user": "65532:65532", "user_name": "nonroot",
        "workdir": "/app", "entrypoint": ["/app/app", "--serve"], "env": [],
        "stripped": true,
        "files": [
            {"path": "/app/app", "size": 1_240_000, "mode": "0755", "uid": 0, "gid": 0,
             "why": "binary", "source": "/t/static/app"},
            {"path": "/etc/group", "size": 27, "mode": "0644", "uid": 0, "gid": 0,
             "why": "user", "source": null}
        ],
        "trace": {"traced": true, "opened": 3},
        "not_in_image": [
            {"path": "/proc/self/maps", "why": "runtime"},
            {"path": "/src/app/data.txt", "why": "not-copied"},
            {"path": "/srv/app/templates/theme/FontAwesome/fonts/fontawesome-webfont.woff2",
             "why": "not-copied"}
        ],
        "in_image": {
            "outcome": "failed", "reproduce": "unshare ... /app/app", "ready": "exit",
            "runs": 0, "failures": 2, "started_on_host": true,
            "failed_runs": [{"run": 1, "warmup": true, "kind": "exit-status",
                "message": "exited with status 1", "exit_code": 1, "signal": null,
                "core_dumped": false, "stderr_tail": "cannot read /src/app/data.txt",
                "stdout_tail": ""}],
            "missing": [{"path": "/src/app/data.txt", "opened_on_host": true}]
        }
    }))
    .expect("image")
}

/// QA bh F6: a start inside the image says that it had this machine's network (xh reached
/// a server on the host's loopback address, which a container's would not have).
#[test]
fn a_start_in_the_image_says_whose_network_it_had() {
    let mut a = crate::report::test_artifact(1);
    a.image = Some(Box::new(crate::report::test_image(serde_json::json!({
        "outcome": "started", "ready": "exit", "runs": 5, "failures": 0
    }))));
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    let line = s
        .lines()
        .find(|l| l.contains("in image"))
        .expect("in image row");
    assert!(line.contains("started (ready: exit;"), "{line}");
    assert!(s.contains("on this machine's network)"), "{s}");
}

#[test]
fn human_rows_of_an_image_that_does_not_start() {
    let mut s = String::new();
    let mut a = crate::report::test_artifact(1);
    a.image = Some(Box::new(failed()));
    human(&mut s, &a, &Style::plain());
    // QA as F3: a long path's reason goes below it, within the width.
    let wide: Vec<&str> = s
        .lines()
        .filter(|l| l.chars().count() > super::super::fill::WIDTH)
        .collect();
    assert!(wide.is_empty(), "{wide:?}");
    insta::assert_snapshot!(s);
}

#[test]
fn markdown_row_of_an_image_that_does_not_start() {
    let a = crate::report::Artifact::new(
        Some("app".into()),
        "app".into(),
        Some(crate::report::LinkMode::Static),
        "/t/static/app".into(),
        serde_json::from_value(serde_json::json!({
            "format": "elf", "arch": "x86_64", "elf_type": "DYN", "pie": true,
            "linkage": "static-pie", "interpreter": null, "needed": [], "rpath": [],
            "runpath": [], "file_size": 1, "stripped_size": 1, "debug_size": 0,
            "symtab_size": 0, "sections": [], "build_id": null,
            "init_array_entries": 2, "glibc_floor": null, "version_needs": [],
            "closure": [], "closure_size": 1
        }))
        .expect("binary"),
    );
    let mut report = Report::new(None);
    report.artifacts.push(crate::report::Artifact {
        image: Some(Box::new(failed())),
        ..a
    });
    let mut s = String::new();
    markdown(
        &mut s,
        &report,
        super::super::markdown::escape,
        super::super::markdown::binary_label,
    );
    insta::assert_snapshot!(s);
}

/// QA ae, 5: miniserve served `/tmp/qa/ae/www`; the start inside found no `/tmp`, and the
/// section said "missing: /tmp" where the finding said the image lacks `/tmp/qa/ae/www`.
#[test]
fn a_missing_path_names_the_argument_it_leads_to() {
    let mut image = failed();
    image.entrypoint = vec!["/app/app".into(), "/tmp/qa/ae/www".into()];
    image.in_image.missing = vec![
        crate::report::Missing {
            path: "/tmp".into(),
            opened_on_host: false,
        },
        crate::report::Missing {
            path: "/etc/app.toml".into(),
            opened_on_host: true,
        },
    ];
    let mut s = String::new();
    in_image(&mut s, &image, &[], false);
    assert!(
        s.contains("missing: /tmp (on the way to /tmp/qa/ae/www, an argument of the entrypoint)"),
        "{s}"
    );
    assert!(
        s.contains("missing: /etc/app.toml (opened on the host)"),
        "{s}"
    );
    let mut report = Report::new(None);
    let mut a = crate::report::test_artifact(1);
    a.image = Some(Box::new(image));
    report.artifacts.push(a);
    let mut md = String::new();
    markdown(
        &mut md,
        &report,
        super::super::markdown::escape,
        super::super::markdown::binary_label,
    );
    assert!(md.contains("lacks /tmp/qa/ae/www, /etc/app.toml"), "{md}");
}

/// QA bn F7: the entrypoint is one line, whatever its length, its words quoted for the
/// shell (a word with a space stays one word when pasted).
#[test]
fn the_entrypoint_is_one_line_the_shell_reads_back() {
    let mut a = crate::report::test_artifact(1);
    let mut image = failed();
    image.entrypoint = [
        "/app/miniserve",
        "-p",
        "8080",
        "--interfaces=::1",
        "--title",
        "my files",
        "/srv/www/a long directory name of many words",
    ]
    .map(String::from)
    .to_vec();
    a.image = Some(Box::new(image.clone()));
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    let line = s
        .lines()
        .find(|l| l.trim_start().starts_with("entrypoint "))
        .unwrap_or_else(|| panic!("{s}"));
    let shown = line.trim_start().trim_start_matches("entrypoint").trim();
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("printf '%s\\n' {shown}")])
        .output()
        .expect("sh");
    let words: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(words, image.entrypoint, "{line}");
    assert!(line.len() > 100, "the case is one that did not fit: {line}");
}

/// QA aw F4: btm's image started `/app/btm --version`, the probe's arguments, with no
/// word of where they came from or how to set others; `image.args` of its own is not
/// remarked on.
#[test]
fn arguments_from_the_probe_are_said_to_be() {
    let mut a = crate::report::test_artifact(1);
    let mut image = failed();
    image.entrypoint = vec!["/app/app".into(), "--version".into()];
    image.args_from = Some("probe".into());
    a.image = Some(Box::new(image.clone()));
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    let said = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains(
            "entrypoint /app/app --version (its arguments are the probe's; `image.args` in \
             the config sets others)"
        ),
        "{s}"
    );
    image.args_from = Some("image.args".into());
    a.image = Some(Box::new(image));
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    assert!(!s.contains("the probe's"), "{s}");
}

/// QA an F5: the start inside the image's command (1,180 characters) was written under the
/// AOT011 finding and again under `in image`; the second points at the first.
#[test]
fn a_command_a_finding_gives_is_pointed_at() {
    let mut image = failed();
    let cmd = "d=$(mktemp -d) && tar -xzf layer && unshare -r chroot \"$d\" /app/app";
    image.in_image.reproduce = Some(cmd.into());
    let finding: crate::report::Finding = serde_json::from_value(serde_json::json!({
        "rule": "AOT011", "title": "does not start in its image", "severity": "error",
        "crate": "app", "version": "1.0.0", "path": ["app"], "evidence": [],
        "allowed": false, "advice": "a", "reproduced": true, "reproduce": cmd
    }))
    .expect("finding");
    let mut s = String::new();
    in_image(&mut s, &image, std::slice::from_ref(&finding), false);
    assert!(!s.contains(cmd), "{s}");
    assert!(
        s.contains("reproduce: the command of the AOT011 finding above"),
        "{s}"
    );
    let mut s = String::new();
    in_image(&mut s, &image, &[], false);
    assert!(s.contains(&format!("reproduce: {cmd}")), "{s}");
}

/// QA bz F6: the folders under a host path the program walked go with it, counted, listed with
/// `-v`; one left out for another reason stays a line of its own.
#[test]
fn paths_under_one_left_out_go_with_it() {
    let mut image = failed();
    let left = |path: &str, why: LeftOutWhy| LeftOut {
        path: path.into(),
        why,
        in_image: None,
    };
    image.not_in_image = vec![
        left("/data", LeftOutWhy::NotCopied),
        left("/data/d00", LeftOutWhy::NotCopied),
        left("/data/d01/x", LeftOutWhy::NotCopied),
        left("/data2", LeftOutWhy::NotCopied),
        left("/data/own", LeftOutWhy::Runtime),
    ];
    let mut a = crate::report::test_artifact(1);
    a.image = Some(Box::new(image));
    let shown = |st: &Style| {
        let mut s = String::new();
        human(&mut s, &a, st);
        s
    };
    let s = shown(&Style::plain());
    assert!(s.contains("    /data  "), "{s}");
    assert!(s.contains("(and 2 paths under it, -v lists them)"), "{s}");
    assert!(!s.contains("/data/d00"), "{s}");
    assert!(s.contains("    /data2  "), "{s}");
    let verbose = Style {
        verbose: true,
        ..Style::plain()
    };
    let s = shown(&verbose);
    assert!(s.contains("/data/d00") && s.contains("/data/d01/x"), "{s}");
    assert!(!s.contains("under it"), "{s}");
}

/// QA cl F3: an image whose CA hash links are links counts them apart from its files, and a
/// link's row shows its target where a file shows its size and why.
#[test]
fn links_are_counted_and_shown_apart_from_files() {
    let mut i = failed();
    let link = |path: &str, to: &str| -> crate::report::ImageFile {
        serde_json::from_value(serde_json::json!({
            "path": path, "size": 0, "mode": "0777", "uid": 0, "gid": 0,
            "why": "runtime-data", "source": path, "link": to
        }))
        .expect("file")
    };
    i.files
        .push(link("/etc/ssl/certs/02265526.0", "Entrust_G2.pem"));
    i.files
        .push(link("/etc/ssl/certs/062cdee6.0", "GlobalSign_R3.pem"));
    let mut a = crate::report::test_artifact(1);
    a.image = Some(Box::new(i));
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    assert!(s.contains("2 files and 2 links of 1.18 MiB"), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains("02265526.0"))
        .expect("link row");
    assert!(row.ends_with("  link  → Entrust_G2.pem"), "{row}");
    assert!(files_cell(a.image.as_deref().expect("image")) == "2 and 2 links");
    let json = serde_json::to_value(a.image.as_deref().expect("image")).expect("json");
    assert_eq!(json["files"][2]["link"], "Entrust_G2.pem");
    // A file has no `link` in the JSON.
    assert!(
        json["files"][0].get("link").is_none(),
        "{}",
        json["files"][0]
    );
}

/// QA cy F7: the system data in the image is what the probe's run opened, under its readiness:
/// said, with the readiness, where there is any.
#[test]
fn system_data_says_which_run_opened_it() {
    let mut a = crate::report::test_artifact(1);
    let mut image = failed();
    let mut s = String::new();
    a.image = Some(Box::new(image.clone()));
    human(&mut s, &a, &Style::plain());
    assert!(
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("system data: none, as the traced run opened none under --ready exit;"),
        "{s}"
    );
    image.files.push(crate::report::ImageFile {
        path: "/etc/localtime".into(),
        size: 114,
        why: FileWhy::RuntimeData,
        ..image.files[1].clone()
    });
    a.image = Some(Box::new(image));
    a.probe = Some(crate::report::Probe {
        ready: "http".into(),
        ..Default::default()
    });
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    let said = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("system data: what the traced run opened under --ready http;"),
        "{said}"
    );
}

/// QA do F6: the Markdown lists under the images' table what an image leaves out (not the
/// runtime's files) and its warnings; the machine's own CAs of a bundle the run opened are
/// said to be that, the heading too, in every format.
#[test]
fn markdown_lists_what_an_image_leaves_out_and_its_warnings() {
    let mut image = failed();
    image.not_in_image.push(LeftOut {
        path: "/etc/ssl/certs/custom-ca.pem".into(),
        why: LeftOutWhy::LocalCaInBundle,
        in_image: None,
    });
    image.warnings = vec!["the entrypoint's argument names `localhost`".into()];
    let mut a = crate::report::test_artifact(1);
    a.image = Some(Box::new(image));
    let mut report = Report::new(None);
    report.artifacts.push(a.clone());
    let md = super::super::markdown::render(&report);
    let heading = "opened at run time on this machine, or in a CA bundle it opened";
    let at = md.find("Image of `app`:\n\n").expect("notes");
    let notes: Vec<&str> = md[at..]
        .lines()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(
        notes[0], "- ⚠️ the entrypoint's argument names `localhost`",
        "{md}"
    );
    assert_eq!(notes[1], format!("- not in the image, {heading}:"), "{md}");
    assert_eq!(notes.len(), 5, "{md}");
    assert!(
        notes[2].starts_with("  - `/src/app/data.txt`: opened at run time"),
        "{md}"
    );
    assert!(
        notes[4].starts_with("  - `/etc/ssl/certs/custom-ca.pem`: a CA this machine trusts"),
        "{md}"
    );
    assert!(!md.contains("/proc/self/maps"), "{md}");
    let mut s = String::new();
    human(&mut s, &a, &Style::plain());
    assert!(s.contains(&format!("not in image {heading}\n")), "{s}");
    assert!(
        s.contains("/etc/ssl/certs/custom-ca.pem\n      a CA this machine"),
        "{s}"
    );
}
