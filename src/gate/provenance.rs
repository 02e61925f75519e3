//! What differs in how a baseline and this run were made (toolchain, target, profile, link
//! modes, features, the tool's version), and whether `Cargo.lock` changed between them: said
//! above the deltas, as part of the difference that is not the code's.

use crate::report::Provenance;

/// What differs in how the two reports were made (said above the deltas).
pub fn mismatches(base: Option<&Provenance>, cur: Option<&Provenance>) -> Vec<String> {
    let (Some(b), Some(c)) = (base, cur) else {
        return vec!["the baseline does not record how it was built (no provenance)".into()];
    };
    let mut v = Vec::new();
    let mut differ = |what: &str, x: String, y: String| {
        if x != y {
            v.push(format!("{what}: baseline {x}, now {y}"));
        }
    };
    differ("toolchain", b.rustc.clone(), c.rustc.clone());
    differ("target", b.target.clone(), c.target.clone());
    differ("profile", b.profile.clone(), c.profile.clone());
    differ("link mode", b.link_modes.join("+"), c.link_modes.join("+"));
    differ("features", list(&b.features), list(&c.features));
    // What cargo enabled, which a `default` list edited in `Cargo.toml` changes with the same
    // flags (QA bo F4: tokei's `default = ["cli", "yaml"]` was said nowhere); a baseline that
    // did not record it says nothing.
    for (package, now) in &c.enabled {
        if let Some(was) = b.enabled.get(package) {
            differ(
                &format!("features enabled on {package}"),
                enabled(was),
                enabled(now),
            );
        }
    }
    differ(
        "cargo-aotcheck",
        b.tool_version.clone(),
        c.tool_version.clone(),
    );
    v.extend(settings_differ(b, c));
    if b.cargo_lock_of_run {
        v.push(
            "Cargo.lock: the base revision has none committed; it was built with this run's, \
             so dependency changes between the two do not show"
                .into(),
        );
    }
    v
}

/// The dependencies whose inputs differ between the two reports (their versions, sources or
/// enabled features, as each recorded them), one line each in name order; none where either
/// did not record them.
pub fn dependency_changes(base: Option<&Provenance>, cur: Option<&Provenance>) -> Vec<String> {
    let (Some(b), Some(c)) = (
        base.and_then(|p| p.crate_inputs.as_ref()),
        cur.and_then(|p| p.crate_inputs.as_ref()),
    ) else {
        return Vec::new();
    };
    let names: std::collections::BTreeSet<&String> = b.keys().chain(c.keys()).collect();
    let mut v = Vec::new();
    for k in names {
        match (b.get(k), c.get(k)) {
            (None, Some(now)) => v.push(format!("{k} {} added", version(now))),
            (Some(was), None) => v.push(format!("{k} {} removed", version(was))),
            (Some(was), Some(now)) if was != now => v.push(changed(k, was, now)),
            _ => {}
        }
    }
    v
}

/// `1.0.1` of `1.0.1 registry+https://... [auto, default]`.
fn version(inputs: &str) -> &str {
    inputs.split(' ').next().unwrap_or(inputs)
}

/// The features of `1.0.1 registry+... [auto, default]`.
fn features(inputs: &str) -> Vec<&str> {
    let Some((_, list)) = inputs.rsplit_once('[') else {
        return Vec::new();
    };
    let list = list.trim_end_matches(']');
    list.split(", ").filter(|f| !f.is_empty()).collect()
}

/// One dependency's change: its version, else its source, and the features turned on and off.
fn changed(k: &str, was: &str, now: &str) -> String {
    let mut parts = Vec::new();
    if version(was) != version(now) {
        parts.push(format!("{} → {}", version(was), version(now)));
    }
    let source = |s: &str| {
        s.split(" [")
            .next()
            .unwrap_or(s)
            .split_once(' ')
            .map(|x| x.1.to_string())
    };
    if version(was) == version(now) && source(was) != source(now) {
        parts.push("its source".into());
    }
    let (fw, fn_) = (features(was), features(now));
    let mut flips: Vec<String> = fn_
        .iter()
        .filter(|f| !fw.contains(f))
        .map(|f| format!("+{f}"))
        .collect();
    flips.extend(
        fw.iter()
            .filter(|f| !fn_.contains(f))
            .map(|f| format!("−{f}")),
    );
    if !flips.is_empty() {
        parts.push(format!("features {}", flips.join(" ")));
    }
    format!("{k}: {}", parts.join(", "))
}

/// How the profile's settings and the user's rustflags differ (QA bt F1: `lto = "thin"` where
/// the baseline had `"fat"` was said nowhere, and 14 crate and section checks failed): one
/// line each, `profile setting lto: baseline fat, now thin`. A baseline that did not
/// record them says nothing.
pub fn settings_differ(b: &Provenance, c: &Provenance) -> Vec<String> {
    let mut v = Vec::new();
    if !b.profile_settings.is_empty() && !c.profile_settings.is_empty() {
        let keys: std::collections::BTreeSet<&String> = b
            .profile_settings
            .keys()
            .chain(c.profile_settings.keys())
            .collect();
        for k in keys {
            let (x, y) = (b.profile_settings.get(k), c.profile_settings.get(k));
            if x != y {
                let said = |s: Option<&String>| s.map_or("unset", String::as_str).to_string();
                v.push(format!(
                    "profile setting {k}: baseline {}, now {}",
                    said(x),
                    said(y)
                ));
            }
        }
    }
    if let (Some(x), Some(y)) = (&b.rustflags, &c.rustflags)
        && x != y
    {
        let said = |f: &[String]| match f.is_empty() {
            true => "none".to_string(),
            false => f.join(" "),
        };
        v.push(format!("rustflags: baseline {}, now {}", said(x), said(y)));
    }
    v
}

/// `Cargo.lock` changed since the baseline (its SHA-256 differs; unknown on either side is no
/// change said). The lock file's hash, not its packages, is in the baseline: said, not listed.
/// Not a mismatch: the dependencies are the code's, so the difference is the code's too
/// (QA aa). A new dependency whose code was all inlined has no row of its own (QA t, D3:
/// base64 in zoxide under fat LTO showed only as zoxide's growth).
pub fn lock_changed(base: Option<&Provenance>, cur: Option<&Provenance>) -> bool {
    let lock = |p: Option<&Provenance>| p.and_then(|p| p.cargo_lock_sha256.clone());
    matches!((lock(base), lock(cur)), (Some(x), Some(y)) if x != y)
}

/// A package's enabled features, `none` for none.
fn enabled(v: &[String]) -> String {
    match v.is_empty() {
        true => "none".into(),
        false => v.join(" + "),
    }
}

/// The features of a build as cargo resolves them from the flags: the package's default
/// features are on unless `--no-default-features` (or `--all-features`, all of them) was
/// given, so `["git"]` reads "default + git" (QA ae, 8: "now git" read as git alone).
fn list(v: &[String]) -> String {
    let flag = |f: &str| v.iter().any(|x| x == f);
    let named: Vec<&str> = v
        .iter()
        .map(String::as_str)
        .filter(|x| !x.starts_with("--"))
        .collect();
    if flag("--all-features") {
        return "all (--all-features)".into();
    }
    let mut parts: Vec<&str> = Vec::new();
    if !flag("--no-default-features") {
        parts.push("default");
    }
    parts.extend(named);
    match parts.is_empty() {
        true => "none (--no-default-features)".into(),
        false => parts.join(" + "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA dp F4: clap with `suggestions` turned off, anstream re-resolved, strsim gone: each
    /// said as the crates' inputs record it, not only "Cargo.lock changed".
    #[test]
    fn the_dependencies_that_changed_are_named() {
        const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
        let base = Provenance::of_inputs(&[
            ("anstream", &format!("1.0.0 {CRATES_IO} [auto, default]")),
            (
                "clap",
                &format!("4.5.0 {CRATES_IO} [color, default, suggestions]"),
            ),
            ("regex", &format!("1.11.0 {CRATES_IO} [std]")),
            ("strsim", &format!("0.11.1 {CRATES_IO} []")),
        ]);
        let now = Provenance::of_inputs(&[
            ("anstream", &format!("1.0.1 {CRATES_IO} [auto, default]")),
            ("clap", &format!("4.5.0 {CRATES_IO} [color, env]")),
            ("memchr", &format!("2.7.4 {CRATES_IO} [std]")),
            ("regex", &format!("1.11.0 {CRATES_IO} [std]")),
        ]);
        assert_eq!(
            dependency_changes(Some(&base), Some(&now)),
            [
                "anstream: 1.0.0 → 1.0.1",
                "clap: features +env −default −suggestions",
                "memchr 2.7.4 added",
                "strsim 0.11.1 removed",
            ]
        );
        // A report that did not record them says nothing; one of a build without such crates
        // (`{}`) has every one added.
        assert!(dependency_changes(Some(&Provenance::default()), Some(&now)).is_empty());
        assert_eq!(
            dependency_changes(Some(&Provenance::of_inputs(&[])), Some(&now)).len(),
            4
        );
        assert!(dependency_changes(None, Some(&now)).is_empty());
        // A git dependency moved to the registry at the same version: its source.
        let git = Provenance::of_inputs(&[("x", "1.0.0 git+https://example.org/x#abc []")]);
        let reg = Provenance::of_inputs(&[("x", &format!("1.0.0 {CRATES_IO} []"))]);
        assert_eq!(
            dependency_changes(Some(&git), Some(&reg)),
            ["x: its source"]
        );
    }

    /// QA dp F6: a base revision built with this run's Cargo.lock says so among the ways the
    /// two were made differently.
    #[test]
    fn a_base_built_with_this_runs_lock_says_so() {
        let mut base = Provenance::default();
        assert!(mismatches(Some(&base), Some(&base.clone())).is_empty());
        base.cargo_lock_of_run = true;
        let said = mismatches(Some(&base), Some(&Provenance::default()));
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].starts_with("Cargo.lock: the base revision has none committed"));
    }
}
