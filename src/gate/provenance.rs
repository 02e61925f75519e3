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
    v
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
