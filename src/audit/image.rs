//! AOT011 after the image stage: a binary that starts on the host but not inside its own image
//! is an error finding, with the files the image lacks and the command that shows it.

use super::{apply_policy, new_finding, rules};
use crate::plan::Plan;
use crate::report::{Artifact, InImageOutcome, Report};

/// The advice of a finding whose image denied its user what the binary does at start-up.
const DENIED_ADVICE: &str = "Give the image's user a place to write: write under its home, \
    make the home the working directory (`image.workdir`), or run as root (`image.user = \
    \"root\"`); or rerun the `reproduce` command to see it fail by hand.";

/// The advice of a finding whose entrypoint's argument is a path on the host (QA s: the
/// rule's advice said to embed data with `include_bytes!`).
const ARGUMENT_ADVICE: &str = "Give the entrypoint a path inside the image (`image.args`), \
    or add what the argument names to the image (`image.files`); or rerun the `reproduce` \
    command to see it fail by hand.";

/// Files named in the evidence, at most (the report's image section has them all).
const NAMED: usize = 8;

/// Each artifact whose image run failed where its host run got ready gets AOT011; its AOT010
/// finding, the gconv files the traced run opened.
pub fn record_image_failures(plan: &Plan, report: &mut Report) {
    for a in &mut report.artifacts {
        gconv_opened(a);
    }
    let Some(rule) = rules::find("AOT011") else {
        return;
    };
    for a in &mut report.artifacts {
        let Some(bin) = plan.bin_of(a) else { continue };
        let Some(evidence) = evidence(a) else {
            continue;
        };
        let package = a.package.clone().unwrap_or_else(|| a.name.clone());
        let mut f = new_finding(rule, &package, &bin.target.version, vec![package.clone()]);
        f.evidence = evidence;
        // Denied, not missing: the rule's advice (add the files) is not the remedy (QA n:
        // rustypaste's uid 65532 could not write `/app/upload`).
        if a.image
            .as_ref()
            .is_some_and(|i| !i.in_image.denied.is_empty())
        {
            f.advice = DENIED_ADVICE.into();
        } else if a
            .image
            .as_ref()
            .is_some_and(|i| !by_argument(i).0.is_empty())
        {
            f.advice = ARGUMENT_ADVICE.into();
        }
        f.reproduced = true;
        f.reproduce = a.image.as_ref().and_then(|i| i.in_image.reproduce.clone());
        apply_policy(&mut f, &bin.audit);
        a.findings.push(f);
    }
}

/// The files of glibc's gconv (iconv's charset modules and their configuration) that the
/// image's traced run opened on this machine, on the AOT010 finding: what the rule says the
/// binary reads at run time, seen (QA df F5: eza opened `gconv-modules.cache` at every start,
/// and the finding cited its symbol alone).
fn gconv_opened(a: &mut Artifact) {
    let Some(image) = &a.image else { return };
    let paths = || image.not_in_image.iter().map(|l| l.path.as_str());
    let opened: Vec<&str> = paths().filter(|p| p.contains("/gconv/")).collect();
    // What loading a module took along: the dynamic loader and a second C library.
    let libc: Vec<&str> = paths()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name.starts_with("libc.so") || name.starts_with("ld-linux")
        })
        .collect();
    let Some(f) = a.findings.iter_mut().find(|f| f.rule == "AOT010") else {
        return;
    };
    if opened.is_empty() {
        return;
    }
    let second = match libc.is_empty() {
        true => String::new(),
        false => format!(
            " (and, to load a module, {}: a second C library beside the binary's own)",
            crate::format::quoted(&libc)
        ),
    };
    f.evidence.push(format!(
        "the image's traced run opened {}{second} on this machine: iconv reads the machine's \
         gconv files at run time, and a charset other than the few glibc has built in \
         (UTF-8, ASCII) needs a module, a shared object; the image holds none, so the \
         conversion fails there",
        crate::format::quoted(&opened)
    ));
}

/// What the failed start inside the image shows; `None` when there is nothing to find.
fn evidence(a: &Artifact) -> Option<Vec<String>> {
    let image = a.image.as_ref()?;
    let run = &image.in_image;
    if run.outcome != InImageOutcome::Failed || run.started_on_host != Some(true) {
        return None;
    }
    let mut v = Vec::new();
    if let Some(f) = run.failed_runs.last() {
        let mut line = format!("in its image: {}", f.message);
        let err = f.stderr_last(crate::report::STDERR_LINES);
        if !err.is_empty() {
            line.push_str(&format!("; its stderr says: {}", err.join(" / ")));
        }
        v.push(line);
    }
    v.push("on the host: the startup probe got it ready".into());
    v.extend(run.reason.clone());
    // A missing path that an argument of the entrypoint names (or leads to: the trace sees the
    // first directory not found, `/tmp` of `/tmp/www`) is that argument's: the reason above
    // names it, and the rest are lookups beside it (QA s: static-web-server's `--root
    // /tmp/www`, with its optional `config.toml` said to be lacked, and `/tmp` named).
    let (args_missing, lacks) = by_argument(image);
    if !args_missing.is_empty() {
        v.push(format!(
            "the image lacks {} (named by the entrypoint's arguments, not found in the image)",
            args_missing.join(", ")
        ));
    }
    if lacks.is_empty() {
        return Some(v);
    }
    let named = named_of(&lacks);
    v.push(if lacks.iter().all(|p| crate::image::is_runtime(p)) {
        // Only what a container runtime mounts (`/proc`, `/sys`; `/dev` too when the run
        // could not make its nodes, not being root) was not found: the image does not lack
        // it, but this run did, so it may be why the binary failed here (QA o: pueued).
        format!(
            "it also looked for {named}, which a container runtime provides and this run's \
             root filesystem has not: if that is what failed it here, it may start under a \
             runtime"
        )
    } else if run.missing.iter().any(|m| m.opened_on_host) {
        // Those the host run opened apart from those it only looked for (QA bz F4: dua's
        // `/run`, which it `stat`s to skip, was "opened on the host" beside its argument).
        let opened = |p: &&&str| {
            run.missing
                .iter()
                .any(|m| m.path == **p && m.opened_on_host)
        };
        let (host, looked): (Vec<&str>, Vec<&str>) = lacks.iter().partition(opened);
        let mut line = format!(
            "the image lacks {} (opened on the host, not found in the image)",
            named_of(&host)
        );
        if !looked.is_empty() {
            line.push_str(&format!(
                "; it also looked for {}, not found in the image, which the host run did not \
                 open",
                named_of(&looked)
            ));
        }
        line
    } else if !args_missing.is_empty() {
        format!(
            "it also looked for {named}, not found in the image (the argument above is the \
             cause found)"
        )
    } else if !run.denied.is_empty() {
        // Beside a denial, which is the cause found, paths the host run is not known to have
        // opened are lookups, not what the image lacks (QA n: rustypaste's denied upload
        // directory, and dotenvy's optional `.env`). A path the host opened by another name
        // (relative to another directory) is not seen as opened there, so they are not said
        // to be optional.
        format!(
            "it also looked for {named}, not found in the image (the denial above is the \
             cause found)"
        )
    } else {
        format!("the image lacks {named} (not found in the image)")
    });
    Some(v)
}

/// At most [`NAMED`] of `paths`, and how many more.
fn named_of(paths: &[&str]) -> String {
    let listed = paths
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match paths.len().saturating_sub(NAMED) {
        0 => listed,
        more => format!("{listed} and {more} more"),
    }
}

/// The paths the start inside did not find, in two: the entrypoint's arguments they are or
/// lead to (the trace sees the first directory not found, `/tmp` of `/tmp/www`), each once;
/// and the others.
fn by_argument(image: &crate::report::Image) -> (Vec<&str>, Vec<&str>) {
    let (mut args, mut others) = (Vec::new(), Vec::new());
    for m in &image.in_image.missing {
        match image.argument_of(&m.path) {
            Some(a) if !args.contains(&a) => args.push(a),
            Some(_) => {}
            None => others.push(m.path.as_str()),
        }
    }
    (args, others)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An artifact whose image run failed where the host run got ready, with `missing`
    /// (path, opened on the host) and the paths its user was `denied`.
    fn failed_inside(missing: &[(&str, bool)], denied: &[&str]) -> Artifact {
        let mut a = crate::report::test_artifact(1000);
        let missing: Vec<serde_json::Value> = missing
            .iter()
            .map(|(p, o)| serde_json::json!({"path": p, "opened_on_host": o}))
            .collect();
        let image = crate::report::test_image(serde_json::json!({
            "outcome": "failed", "runs": 0, "failures": 1, "started_on_host": true,
            "missing": missing, "denied": denied
        }));
        a.image = Some(Box::new(image));
        a
    }

    /// Beside a denial, lookups the host run is not known to have opened are not what the
    /// image lacks (QA n: rustypaste's denied `/app/upload`, and dotenvy's `.env`).
    #[test]
    fn lookups_beside_a_denial_are_not_what_the_image_lacks() {
        let lines = |a: &Artifact| evidence(a).expect("evidence");
        let optional = [("/app/.env", false), ("/.env", false)];
        let e = lines(&failed_inside(&optional, &["/app/upload"]));
        assert!(
            e.contains(
                &"it also looked for /app/.env, /.env, not found in the image (the denial above \
                  is the cause found)"
                    .to_string()
            ),
            "{e:?}"
        );
        assert!(!e.iter().any(|l| l.contains("the image lacks")), "{e:?}");
        // Without a denial they may be the cause (a file opened by a relative path on the
        // host is not seen as opened there).
        let e = lines(&failed_inside(&optional, &[]));
        assert!(
            e.contains(&"the image lacks /app/.env, /.env (not found in the image)".to_string()),
            "{e:?}"
        );
        let e = lines(&failed_inside(&[("/etc/app.conf", true)], &["/app/upload"]));
        assert!(
            e.contains(
                &"the image lacks /etc/app.conf (opened on the host, not found in the image)"
                    .to_string()
            ),
            "{e:?}"
        );
    }

    /// QA bz F4: a path the host run only looked for (dua `stat`s `/run` to skip it) is not
    /// said to have been opened there, beside one it opened.
    #[test]
    fn only_what_the_host_run_opened_is_said_to_be_opened_there() {
        let a = failed_inside(&[("/etc/app.conf", true), ("/run", false)], &[]);
        let e = evidence(&a).expect("evidence");
        assert!(
            e.contains(
                &"the image lacks /etc/app.conf (opened on the host, not found in the image); it \
                  also looked for /run, not found in the image, which the host run did not open"
                    .to_string()
            ),
            "{e:?}"
        );
    }

    /// QA s: an argument names a host path (`--root /tmp/www`; the trace saw `/tmp`, the first
    /// directory not found): that is the cause the reason names, said as the argument's path
    /// (not `/tmp`), and the optional files it also looked for are lookups, not lacked.
    #[test]
    fn lookups_beside_a_host_path_argument_are_not_what_the_image_lacks() {
        let with_args = |missing: &[(&str, bool)], args: &[&str]| {
            let mut a = failed_inside(missing, &[]);
            if let Some(i) = a.image.as_mut() {
                i.entrypoint.extend(args.iter().map(|s| s.to_string()));
            }
            evidence(&a).expect("evidence")
        };
        let missing = [
            ("/app/config.toml", false),
            ("/tmp", false),
            ("/etc/localtime", false),
        ];
        let e = with_args(&missing, &["--root", "/tmp/www"]);
        let lacked = "the image lacks /tmp/www (named by the entrypoint's arguments, not found \
                      in the image)";
        assert!(e.contains(&lacked.to_string()), "{e:?}");
        assert!(
            e.contains(
                &"it also looked for /app/config.toml, /etc/localtime, not found in the image \
                  (the argument above is the cause found)"
                    .to_string()
            ),
            "{e:?}"
        );
        assert_eq!(
            e.iter().filter(|l| l.contains("the image lacks")).count(),
            1,
            "{e:?}"
        );
        // `/tmpx` is no directory of `/tmp`: without an argument of its own, all are lacked.
        let e = with_args(&missing, &["--root", "/tmpx/www"]);
        assert!(
            e.contains(
                &"the image lacks /app/config.toml, /tmp, /etc/localtime (not found in the \
                  image)"
                    .to_string()
            ),
            "{e:?}"
        );
        // Only the argument's path missing: that line alone.
        let e = with_args(&[("/tmp/www", false)], &["/tmp/www"]);
        assert_eq!(e.last(), Some(&lacked.to_string()), "{e:?}");
    }
}
