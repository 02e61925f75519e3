//! Why a binary that got ready on the host did not start inside its image, in words: the
//! image's own defect, a path of this machine given as its argument that the image does not
//! have, the variables the host run had and the image's environment lacks.

use std::path::Path;

use crate::report::{FileWhy, ImageFile};

/// What the host run had that the image's run does not.
#[derive(Debug, Default)]
pub struct HostOnly {
    /// Variables given to the host run (`--probe-env`, the config's `probe_env`) that the
    /// image's `Env` lacks.
    pub env: Vec<String>,
    /// Variables given to the host run that the image's `Env` sets otherwise (`HOME`: the
    /// image's user's home), each with the host run's value and the image's.
    pub differ: Vec<(String, String, String)>,
    /// The probe set `PORT` for the host run (a `tcp`/`http` readiness), the image's `Env` has
    /// none, and the image gives the binary no `{port}` in its arguments or variables.
    pub port: bool,
}

/// What the host run had that the image lacks: `probe_env` (the host run's own variables) and
/// the `PORT` the probe hands out (`waits_on_port`), against `image_env`; `port_given` when
/// `{port}` is in the image's arguments or variables.
pub fn host_only(
    probe_env: &[(String, String)],
    image_env: &[(String, String)],
    waits_on_port: bool,
    port_given: bool,
) -> HostOnly {
    let image_has = |k: &str| image_env.iter().any(|(x, _)| x == k);
    let env: Vec<String> = probe_env
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| !image_has(k))
        .collect();
    // The probe hands `PORT` to every `tcp`/`http` run, whether the binary reads it or not,
    // and a run cannot show whether it did (reading a variable is no system call to trace).
    // When the image gives the port another way (`{port}` in its arguments or variables), the
    // binary got its port there, and `PORT` is no cause worth naming; otherwise it may be one,
    // and is named as a possibility only. A `PORT` of the user's (`--probe-env`) is in `env`.
    let port =
        waits_on_port && !port_given && !image_has("PORT") && !env.iter().any(|k| k == "PORT");
    // A value the image sets otherwise (QA ci F5: `--probe-env HOME=/tmp/home`, where the
    // host run found its page cache, against the image's `/home/nonroot`): the port aside,
    // which each run is handed anew.
    let differ = probe_env
        .iter()
        .filter(|(k, _)| k != "PORT")
        .filter_map(|(k, v)| {
            let (_, theirs) = image_env.iter().find(|(x, _)| x == k)?;
            (theirs != v).then(|| (k.clone(), v.clone(), theirs.clone()))
        })
        .collect();
    HostOnly { env, differ, port }
}

/// The arguments that name a path on this machine (absolute: the whole argument, or the value
/// of an `--option=/path`) that the image's root filesystem `root` does not have.
pub fn host_paths(args: &[String], root: &Path) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for a in args {
        let path = if a.starts_with('/') {
            a.as_str()
        } else if let Some(i) = a.find("=/") {
            &a[i + 1..]
        } else {
            continue;
        };
        let on_host = Path::new(path).symlink_metadata().is_ok();
        if on_host && !in_root(root, path) && !v.iter().any(|p| p == path) {
            v.push(path.to_string());
        }
    }
    v
}

/// Whether the root filesystem `root` may have the absolute `path`: every directory on the way
/// there, and the path itself. A symbolic link on the way is not followed (it may point
/// outside `root`): the path counts as there, since it is not known to be missing.
fn in_root(root: &Path, path: &str) -> bool {
    let mut at = root.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        at.push(part);
        match at.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    true
}

/// Why the binary did not start inside: the image's own defect, else what its user was
/// `denied` (worded), then each thing the host run had that the image does not (the host
/// paths among its arguments first: the binary cannot find them; then the variables), else
/// that nothing is known: [`NOT_READY_ON_HOST`] when no run on the host got ready either
/// (`ready_on_host`: `Some(false)`).
pub fn not_started(
    (defect, denied): (Option<&str>, Option<String>),
    (paths, files): (&[String], &[ImageFile]),
    host: &HostOnly,
    ready_on_host: Option<bool>,
) -> String {
    if let Some(line) = defect {
        return format!("the image cannot start its binary: {line}");
    }
    let mut causes: Vec<String> = denied.into_iter().collect();
    causes.extend(paths.iter().map(|p| {
        let lacks =
            format!("the argument `{p}` is a path on the host that the image does not have");
        // QA dd F6: `image.files` had copied the folder to `/site`, and the advice was to
        // copy it again.
        if let Some(at) = copied_to(p, files) {
            return format!(
                "{lacks}; `image.files` put it at `{at}` there: give the binary that path in \
                 `image.args`"
            );
        }
        let add = if Path::new(p).is_dir() {
            "add the files it needs from there with `image.files`"
        } else {
            "add it with `image.files`"
        };
        format!("{lacks}: {add}, or give the binary a path inside the image (`image.args`)")
    }));
    if !host.env.is_empty() {
        let names: Vec<String> = host.env.iter().map(|n| format!("`{n}`")).collect();
        causes.push(format!(
            "it did not get ready with the image's own environment, which lacks {}, given to \
             the run on the host: set what the binary needs in `image.env` (`{{port}}` stands \
             for the image's port)",
            names.join(", ")
        ));
    }
    for (name, host, image) in &host.differ {
        causes.push(format!(
            "the run on the host had `{name}={host}`, which the image sets otherwise \
             (`{name}={image}`): what the binary found through it on the host, it looks for \
             elsewhere there; add the files it needs with `image.files`, where the image's \
             `{name}` leads (or set `{name}` in `image.env` to where they are)"
        ));
    }
    // Only a possibility (see `host_only`): named when nothing surer is known; beside a host
    // path or a missing variable it was noise (QA ab: rathole, whose port is in the config
    // file its host path argument names, was told to set `PORT` too).
    if host.port && causes.is_empty() {
        causes.push(
            "the host run had `PORT` from the probe (the port it waits on), which the image's \
             environment lacks: if the binary reads its port from `PORT`, set \
             `PORT = \"{port}\"` in `image.env`"
                .into(),
        );
    }
    // QA cw F4: hexyl given `/nonexistent` was said to fail "with the image's own environment
    // and files", where its runs on the host failed the same way.
    match (causes.is_empty(), ready_on_host) {
        (true, Some(false)) => NOT_READY_ON_HOST.into(),
        (true, _) => NOT_READY.into(),
        (false, _) => causes.join("; "),
    }
}

/// Where the image holds the host path `path` (a file, or a folder of files), copied there by
/// `image.files`: the image path of the file copied from it, or of the folder its files went
/// under; the first such file decides.
fn copied_to(path: &str, files: &[ImageFile]) -> Option<String> {
    let path = path.trim_end_matches('/');
    files.iter().find_map(|f| {
        let source = f.source.as_deref()?;
        if f.why != FileWhy::Extra {
            return None;
        }
        if source == path {
            return Some(f.path.clone());
        }
        let under = source.strip_prefix(path)?.strip_prefix('/')?;
        let at = f.path.strip_suffix(under)?.trim_end_matches('/');
        Some(if at.is_empty() { "/".into() } else { at.into() })
    })
}

/// Why a start inside failed when no surer cause is known.
pub const NOT_READY: &str = "it did not get ready with the image's own environment and files";

/// Why a start inside failed when no surer cause is known and no run on this machine got
/// ready either.
pub const NOT_READY_ON_HOST: &str = "it did not get ready on this machine either (the probe's \
    runs failed too): the image is not what stops it; the probe's arguments or readiness are \
    the place to look";

/// The reason of a start inside that exited otherwise than the host's runs (`otherwise`, see
/// [`exited_otherwise`]), with the cause found (`reason`); without one, not "did not get
/// ready", which the readiness contradicts (QA by F2).
pub fn ran_otherwise(otherwise: &str, reason: &str) -> String {
    if reason == NOT_READY {
        format!("{otherwise}; what differs is in the image's own environment and files")
    } else {
        format!("{otherwise}: {reason}")
    }
}

/// The statuses inside that the host's runs never exited with, said with the host's; `None`
/// when there are none, or no host statuses to compare with.
pub fn exited_otherwise(inside: &[i32], host: &[i32], ready: &str) -> Option<String> {
    let mut other: Vec<i32> = inside
        .iter()
        .filter(|c| !host.contains(c))
        .copied()
        .collect();
    other.sort_unstable();
    other.dedup();
    if other.is_empty() || host.is_empty() {
        return None;
    }
    let list = |v: &[i32]| {
        let v: Vec<String> = v.iter().map(i32::to_string).collect();
        v.join(" or ")
    };
    Some(format!(
        "it ran otherwise inside the image: it exited with status {} there and with status {} \
         on this machine, both of which `{ready}` accepts",
        list(&other),
        list(host)
    ))
}

/// A failed run's message as a run inside the image has it: its arguments and environment
/// come from the image's config there, not from `--probe-arg`/`--probe-env` (the probe's note):
/// `image.args` when set (`own_args`), else the probe's arguments; `image.env` when set
/// (`own_env`), else `PATH` alone (QA am F7: "image.env sets its environment" where none was).
pub fn failed_run_note(message: &str, (own_args, own_env): (bool, bool)) -> String {
    let args = if own_args {
        "image.args set its arguments"
    } else {
        "its arguments are the probe's, as image.args sets none"
    };
    let env = if own_env {
        "image.env its environment"
    } else {
        "its environment is PATH alone, as image.env is not set"
    };
    let inside = format!("(a failing run is not timed; in the image, {args}, and {env})");
    // The host's runs got ready with the same readiness: the hint at another exit status
    // (`--ready exit:1`) is none for the image.
    // Nor is the one at the probe's arguments, which the image's run may not have; nor the
    // one at paths of them, where a file the image lacks is what its list of missing files
    // names.
    let message = message
        .replace(crate::probe::NO_ARGS, "")
        .replace(crate::probe::NOT_FOUND, "")
        .replace(
            crate::probe::USAGE,
            "; it printed its usage, so these arguments do not suit it",
        );
    let message = match message.split_once(crate::probe::OTHER_STATUS) {
        Some((head, _)) => head,
        None => &message,
    };
    message.replace(crate::probe::FAILED_RUN_NOTE, &inside)
}

/// Paths named in a reason, at most.
const NAMED: usize = 5;

/// What the image's user was not allowed to do, and what to do about it.
pub fn not_allowed(user: &crate::plan::ImageUser, denied: &[String]) -> String {
    let mut named: Vec<String> = denied
        .iter()
        .take(NAMED)
        .map(|p| format!("`{p}`"))
        .collect();
    if denied.len() > NAMED {
        named.push(format!("{} more", denied.len() - NAMED));
    }
    format!(
        "the image's user (uid {}) was denied {}: the image gives them (or their directory) to \
         root, its working directory and `image.files` included; write under the user's home \
         `{}`, make the home the working directory (`image.workdir`), or run as root \
         (`image.user = \"root\"`)",
        user.uid,
        named.join(", "),
        super::contents::home_of(user)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA bw F3: statuses inside that the host's runs never had are said with the host's;
    /// none without the host's to compare with, or when the host had them too.
    #[test]
    fn a_status_inside_that_the_host_never_had_is_said() {
        let said = exited_otherwise(&[1, 0, 1], &[0], "exit:any").expect("said");
        assert!(
            said.starts_with("it ran otherwise inside the image: it exited with status 1 there"),
            "{said}"
        );
        // Not "did not get ready" where no surer cause is known (QA by F2).
        let r = ran_otherwise(&said, NOT_READY);
        assert!(!r.contains("get ready"), "{r}");
        assert!(r.ends_with("; what differs is in the image's own environment and files"));
        assert_eq!(exited_otherwise(&[1], &[], "exit:any"), None);
        assert_eq!(exited_otherwise(&[0, 1], &[1, 0], "exit:0,1"), None);
    }

    fn env(keys: &[&str]) -> Vec<(String, String)> {
        keys.iter().map(|k| (k.to_string(), "x".into())).collect()
    }

    #[test]
    fn port_is_a_possibility_only_when_the_image_gives_the_port_no_other_way() {
        let h = host_only(&env(&["GREETING"]), &env(&["PATH"]), true, false);
        assert_eq!((h.env, h.port), (vec!["GREETING".to_string()], true));
        // `{port}` in the image's arguments: the binary got its port there.
        assert!(!host_only(&[], &env(&["PATH"]), true, true).port);
        // No port waited on: the probe set no `PORT`.
        assert!(!host_only(&[], &env(&["PATH"]), false, false).port);
        // The image has one; the user gave one (named with the variables, once).
        assert!(!host_only(&[], &env(&["PORT"]), true, false).port);
        let h = host_only(&env(&["PORT"]), &env(&["PATH"]), true, false);
        assert_eq!((h.env, h.port), (vec!["PORT".to_string()], false));
        let why = not_started(
            (None, None),
            (&[], &[]),
            &host_only(&[], &[], true, false),
            None,
        );
        assert!(
            why.contains("if the binary reads its port from `PORT`"),
            "{why}"
        );
    }

    /// QA ci F5: tealdeer probed with `--probe-env HOME=/tmp/home` found its page cache there;
    /// the image's `HOME` is its user's, and the reason was "did not get ready with the
    /// image's own environment and files". It names the variable and both values; one the
    /// image sets alike, or `PORT` (handed to each run anew), is none.
    #[test]
    fn a_variable_the_image_sets_otherwise_is_named_with_both_values() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let probe = [
            pair("HOME", "/tmp/home"),
            pair("LANG", "C"),
            pair("PORT", "1"),
        ];
        let image = [
            pair("HOME", "/home/nonroot"),
            pair("LANG", "C"),
            pair("PORT", "2"),
        ];
        let h = host_only(&probe, &image, true, false);
        assert_eq!(
            h.differ,
            [(
                "HOME".to_string(),
                "/tmp/home".to_string(),
                "/home/nonroot".to_string()
            )]
        );
        assert!(h.env.is_empty() && !h.port, "{h:?}");
        let why = not_started((None, None), (&[], &[]), &h, None);
        assert!(
            why.starts_with(
                "the run on the host had `HOME=/tmp/home`, which the image sets otherwise \
                 (`HOME=/home/nonroot`)"
            ),
            "{why}"
        );
        assert_ne!(why, NOT_READY);
    }

    /// Where `image.files` put a host path: a file at its own path, a folder where its files
    /// went; files of other kinds, or from elsewhere, say nothing.
    #[test]
    fn a_copied_host_path_is_found_where_image_files_put_it() {
        let file = |path: &str, source: &str, why| ImageFile {
            path: path.into(),
            size: 1,
            mode: "0644".into(),
            uid: 0,
            gid: 0,
            why,
            source: Some(source.into()),
            link: None,
        };
        let files = [
            file(
                "/etc/ssl/certs/ca.pem",
                "/srv/site/ca.pem",
                FileWhy::RuntimeData,
            ),
            file("/site/css/a.css", "/srv/site/css/a.css", FileWhy::Extra),
            file("/app.toml", "/srv/app.toml", FileWhy::Extra),
            file("/top.txt", "/srv/top/top.txt", FileWhy::Extra),
        ];
        assert_eq!(copied_to("/srv/site", &files).as_deref(), Some("/site"));
        assert_eq!(copied_to("/srv/site/", &files).as_deref(), Some("/site"));
        assert_eq!(
            copied_to("/srv/site/css", &files).as_deref(),
            Some("/site/css")
        );
        assert_eq!(
            copied_to("/srv/app.toml", &files).as_deref(),
            Some("/app.toml")
        );
        assert_eq!(copied_to("/srv/top", &files).as_deref(), Some("/"));
        assert_eq!(copied_to("/srv/sit", &files), None);
        assert_eq!(copied_to("/srv/other", &files), None);
    }

    #[test]
    fn host_paths_are_the_absolute_arguments_the_root_lacks() {
        let host = tempfile::tempdir().expect("tempdir");
        let served = host.path().join("served");
        std::fs::create_dir(&served).expect("mkdir");
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("app/data")).expect("mkdir");
        std::os::unix::fs::symlink("/nowhere", root.path().join("link")).expect("symlink");
        let s = served.display().to_string();
        let args = [
            s.clone(),
            format!("--root={s}"),
            "/app/data".into(),
            "/no/such/host/path".into(),
            "relative".into(),
            "8080".into(),
        ];
        assert_eq!(host_paths(&args, root.path()), std::slice::from_ref(&s));
        // Under a link of the image's, a path is not known to be missing.
        assert!(in_root(root.path(), "/link/x") && in_root(root.path(), "/app/data/"));
        assert!(!in_root(root.path(), "/app/nope"));
        let why = not_started(
            (None, None),
            (std::slice::from_ref(&s), &[]),
            &HostOnly::default(),
            None,
        );
        assert!(
            why.starts_with(&format!(
                "the argument `{s}` is a path on the host that the image does not have: add \
                 the files it needs from there with `image.files`"
            )),
            "{why}"
        );
        assert!(!why.contains("PORT"), "{why}");
        // The probe's `PORT` is a possibility only: not named beside a surer cause.
        let port = host_only(&[], &[], true, false);
        assert!(port.port);
        let why = not_started((None, None), (std::slice::from_ref(&s), &[]), &port, None);
        assert!(
            why.starts_with("the argument `") && !why.contains("PORT"),
            "{why}"
        );
        let env_too = host_only(&env(&["GREETING"]), &[], true, false);
        let why = not_started((None, None), (&[], &[]), &env_too, None);
        assert!(why.contains("`GREETING`") && !why.contains("PORT"), "{why}");
    }

    /// QA h: a run inside the image that exited 1 said `--probe-arg/--probe-env set its
    /// arguments`; there, `image.args` (else the probe's) and `image.env` do.
    #[test]
    fn a_failed_run_inside_names_what_sets_its_arguments_there() {
        let probe = format!("exited with status 1 {}", crate::probe::FAILED_RUN_NOTE);
        assert_eq!(
            failed_run_note(&probe, (true, true)),
            "exited with status 1 (a failing run is not timed; in the image, image.args set \
             its arguments, and image.env its environment)"
        );
        let note = failed_run_note(&probe, (false, false));
        assert!(
            note.ends_with(
                "its arguments are the probe's, as image.args sets none, and its environment \
                 is PATH alone, as image.env is not set)"
            ),
            "{note}"
        );
        assert!(!note.contains("--probe-arg"), "{note}");
        // Other failures are as the probe words them.
        assert_eq!(failed_run_note("timed out", (false, false)), "timed out");
    }

    /// QA cw F4: nothing surer known and no run on the host got ready: not the image's.
    #[test]
    fn a_start_that_failed_on_the_host_too_is_not_blamed_on_the_image() {
        let host = HostOnly::default();
        let why = not_started((None, None), (&[], &[]), &host, Some(false));
        assert_eq!(why, NOT_READY_ON_HOST);
        assert_eq!(
            not_started((None, None), (&[], &[]), &host, Some(true)),
            NOT_READY
        );
    }
}
