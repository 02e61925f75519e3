//! The user's profile as cargo resolves it, for the settings `advise`'s knobs touch: so that a
//! knob the profile already has is shown as such and not rebuilt; and so that a baseline made
//! with other settings says so (the report's `build.profile_settings`).
//!
//! Cargo's order, lowest first: its built-in defaults of `dev` or `release`, then along the
//! `inherits` chain from that root to the profile, each profile's `[profile.NAME]` of the
//! workspace manifest, overlaid by the same table of `.cargo/config.toml` files (outer to inner)
//! and by `CARGO_PROFILE_<NAME>_<KEY>` variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The keys the knobs set; the values are compared and written normalised.
pub const KEYS: [&str; 6] = [
    "opt-level",
    "lto",
    "codegen-units",
    "panic",
    "strip",
    "debug",
];

/// Where the profile tables come from.
pub struct Sources<'a> {
    /// The workspace root's `Cargo.toml` (profiles elsewhere are ignored by cargo).
    pub manifest: &'a Path,
    /// Cargo's config files, lowest precedence first.
    pub config_files: &'a [PathBuf],
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// The settings of profile `name`, key → value as written in a profile (`lto` → `false`).
pub fn resolve(name: &str, src: &Sources) -> Result<BTreeMap<String, String>> {
    let manifest = read(src.manifest)?;
    let configs = src
        .config_files
        .iter()
        .map(|f| read(f).map(|t| (f.clone(), t)))
        .collect::<Result<Vec<_>>>()?;
    let table = |profile: &str| -> toml::Table {
        let mut merged = toml::Table::new();
        let layers = std::iter::once(&manifest).chain(configs.iter().map(|(_, t)| t));
        for layer in layers {
            if let Some(t) = layer
                .get("profile")
                .and_then(|p| p.get(profile))
                .and_then(|p| p.as_table())
            {
                merged.extend(t.clone());
            }
        }
        for key in KEYS.iter().chain(&["inherits"]) {
            if let Some(v) = (src.env)(&env_var(profile, key)) {
                merged.insert(key.to_string(), env_value(&v));
            }
        }
        merged
    };
    // The chain from the profile up to its built-in root.
    let mut chain = vec![(name.to_string(), table(name))];
    let root = loop {
        let (current, t) = chain.last().map(|(n, t)| (n.clone(), t)).ok_or_else(|| {
            Error::Usage(format!("profile `{name}`: cannot resolve its `inherits`"))
        })?;
        let parent = match (current.as_str(), t.get("inherits").and_then(|v| v.as_str())) {
            ("dev" | "release", _) => break current,
            ("test", None) => "dev".to_string(),
            ("bench", None) => "release".to_string(),
            (_, Some(p)) => p.to_string(),
            (_, None) => {
                return Err(Error::Usage(format!(
                    "profile `{current}` is not defined, or has no `inherits`: cargo needs \
                     `inherits = \"release\"` (or another profile) in `[profile.{current}]`"
                )));
            }
        };
        if chain.len() > 16 || chain.iter().any(|(n, _)| *n == parent) {
            return Err(Error::Usage(format!(
                "profile `{name}`: its `inherits` chain loops through `{parent}`"
            )));
        }
        chain.push((parent.clone(), table(&parent)));
    };
    let mut settings = defaults(&root);
    for (_, t) in chain.iter().rev() {
        for key in KEYS {
            if let Some(v) = t.get(key) {
                settings.insert(key.to_string(), normalize(key, v));
            }
        }
    }
    // Cargo (1.77 on) strips the debug information when the profile has none and does not
    // set `strip` (QA bo F6: "strip = \"none\"" was said of a binary without `.debug_*`).
    let strip_set = chain.iter().any(|(_, t)| t.get("strip").is_some());
    if !strip_set && settings.get("debug").is_some_and(|d| d == "0") {
        settings.insert("strip".into(), "\"debuginfo\"".into());
    }
    Ok(settings)
}

/// The workspace manifest's `[profile.NAME]` table (in any TOML spelling), when it has one:
/// each key of a knob it sets, with its line as a snippet would write it (`lto = true`).
pub fn in_manifest(name: &str, src: &Sources) -> Result<Option<BTreeMap<String, String>>> {
    let manifest = read(src.manifest)?;
    let Some(table) = manifest
        .get("profile")
        .and_then(|p| p.get(name))
        .filter(|t| t.is_table())
    else {
        return Ok(None);
    };
    Ok(Some(
        KEYS.iter()
            .filter_map(|k| Some((k.to_string(), format!("{k} = {}", table.get(*k)?))))
            .collect(),
    ))
}

/// `CARGO_PROFILE_<NAME>_<KEY>`, as cargo spells it.
fn env_var(profile: &str, key: &str) -> String {
    let upper = |s: &str| s.to_uppercase().replace('-', "_");
    format!("CARGO_PROFILE_{}_{}", upper(profile), upper(key))
}

/// The keys of `[profile.NAME]` that a source above `Cargo.toml` sets, each with the source
/// that wins (a `CARGO_PROFILE_*` variable, else the innermost config file): there a line
/// pasted into `Cargo.toml` changes nothing. Only the profile's own table: a child's manifest
/// setting wins over what its `inherits` parent gets from anywhere.
pub fn overriding(name: &str, src: &Sources) -> Result<BTreeMap<String, String>> {
    let mut found = BTreeMap::new();
    for f in src.config_files {
        let t = read(f)?;
        let Some(p) = t.get("profile").and_then(|p| p.get(name)) else {
            continue;
        };
        for key in KEYS.iter().filter(|k| p.get(**k).is_some()) {
            found.insert(key.to_string(), f.display().to_string());
        }
    }
    for key in KEYS {
        let var = env_var(name, key);
        if (src.env)(&var).is_some() {
            found.insert(key.to_string(), var);
        }
    }
    Ok(found)
}

fn read(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Cargo's built-in settings of `dev` and `release`.
fn defaults(root: &str) -> BTreeMap<String, String> {
    let release = root == "release";
    [
        ("opt-level", if release { "3" } else { "0" }),
        ("lto", "false"),
        ("codegen-units", if release { "16" } else { "256" }),
        ("panic", "\"unwind\""),
        ("strip", "\"none\""),
        ("debug", if release { "0" } else { "2" }),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// An environment value as the TOML value cargo would read it as.
fn env_value(v: &str) -> toml::Value {
    if let Ok(n) = v.parse::<i64>() {
        toml::Value::Integer(n)
    } else if let Ok(b) = v.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(v.to_string())
    }
}

/// One spelling per meaning, as a profile writes it: `lto = true` is `"fat"`, `debug = true`
/// and `"full"` are `2`, `strip = true` is `"symbols"`, `opt-level = "3"` is `3`.
pub fn normalize(key: &str, v: &toml::Value) -> String {
    use toml::Value::{Boolean, Integer, String as Str};
    let quoted = |s: &str| format!("\"{s}\"");
    match (key, v) {
        ("lto", Boolean(true)) => quoted("fat"),
        ("lto", Str(s)) if s == "true" => quoted("fat"),
        ("lto", Boolean(false)) => "false".into(),
        ("lto", Str(s)) if s == "false" => "false".into(),
        ("strip", Boolean(true)) => quoted("symbols"),
        ("strip", Boolean(false)) => quoted("none"),
        ("debug", Boolean(b)) => if *b { "2" } else { "0" }.into(),
        ("debug", Str(s)) => match s.as_str() {
            "none" | "0" => "0".into(),
            "limited" | "1" => "1".into(),
            "full" | "2" => "2".into(),
            other => quoted(other),
        },
        ("opt-level", Str(s)) if s.parse::<u8>().is_ok() => s.clone(),
        (_, Integer(n)) => n.to_string(),
        (_, Str(s)) => quoted(s),
        (_, other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(manifest: &str, config: &str, env: &[(&str, &str)], name: &str) -> Result<Vec<String>> {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = dir.path().join("Cargo.toml");
        std::fs::write(&m, manifest).expect("write");
        let c = dir.path().join("config.toml");
        std::fs::write(&c, config).expect("write");
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let files = [c];
        let src = Sources {
            manifest: &m,
            config_files: &files,
            env: &lookup,
        };
        resolve(name, &src).map(|s| s.into_iter().map(|(k, v)| format!("{k} = {v}")).collect())
    }

    /// B8: the sources above `Cargo.toml` that set a key, the winner named.
    #[test]
    fn keys_set_above_the_manifest_name_their_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = dir.path().join("Cargo.toml");
        std::fs::write(&m, "[profile.release]\nopt-level = 1\nstrip = true\n").expect("write");
        let (outer, inner) = (dir.path().join("outer.toml"), dir.path().join("inner.toml"));
        std::fs::write(&outer, "[profile.release]\nopt-level = \"s\"\nlto = true\n")
            .expect("write");
        std::fs::write(
            &inner,
            "[profile.release]\nopt-level = 2\n[profile.dev]\npanic = 1\n",
        )
        .expect("write");
        let env = |k: &str| (k == "CARGO_PROFILE_RELEASE_LTO").then(|| "thin".to_string());
        let files = [outer, inner.clone()];
        let src = Sources {
            manifest: &m,
            config_files: &files,
            env: &env,
        };
        let o = overriding("release", &src).expect("overriding");
        let pairs: Vec<(&str, &str)> = o.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let inner = inner.display().to_string();
        assert_eq!(
            pairs,
            [
                ("lto", "CARGO_PROFILE_RELEASE_LTO"),
                ("opt-level", inner.as_str())
            ]
        );
    }

    #[test]
    fn cargo_defaults_of_release_and_dev() {
        let r = with("", "", &[], "release").expect("release");
        assert_eq!(
            r,
            [
                "codegen-units = 16",
                "debug = 0",
                "lto = false",
                "opt-level = 3",
                "panic = \"unwind\"",
                "strip = \"debuginfo\""
            ]
        );
        let d = with("", "", &[], "test").expect("test inherits dev");
        assert!(d.contains(&"debug = 2".to_string()) && d.contains(&"opt-level = 0".to_string()));
        assert!(d.contains(&"strip = \"none\"".to_string()), "{d:?}");
        // With debug information asked for, or `strip` set, nothing is stripped by default.
        let r = with("[profile.release]\ndebug = 1\n", "", &[], "release").expect("debug");
        assert!(r.contains(&"strip = \"none\"".to_string()), "{r:?}");
        let r = with("[profile.release]\nstrip = false\n", "", &[], "release").expect("off");
        assert!(r.contains(&"strip = \"none\"".to_string()), "{r:?}");
    }

    #[test]
    fn inherits_then_config_then_env_with_a_dash_in_the_name() {
        let manifest = "[profile.release]\nlto = true\ndebug = \"line-tables-only\"\n\
                        [profile.release-small]\ninherits = \"release\"\nopt-level = \"s\"\n\
                        strip = true\n";
        let config = "[profile.release-small]\ncodegen-units = 1\n";
        let env = [("CARGO_PROFILE_RELEASE_SMALL_PANIC", "abort")];
        let r = with(manifest, config, &env, "release-small").expect("resolve");
        assert_eq!(
            r,
            [
                "codegen-units = 1",
                "debug = \"line-tables-only\"",
                "lto = \"fat\"",
                "opt-level = \"s\"",
                "panic = \"abort\"",
                "strip = \"symbols\""
            ]
        );
    }

    #[test]
    fn undefined_and_looping_profiles_are_errors_that_name_them() {
        let e = with("", "", &[], "nope").expect_err("undefined");
        assert!(e.to_string().contains("`nope`"), "{e}");
        let looping = "[profile.a]\ninherits = \"b\"\n[profile.b]\ninherits = \"a\"\n";
        let e = with(looping, "", &[], "a").expect_err("loop");
        assert!(e.to_string().contains("loops"), "{e}");
    }

    #[test]
    fn one_spelling_per_meaning() {
        let n = |k: &str, v: toml::Value| normalize(k, &v);
        assert_eq!(n("debug", toml::Value::String("full".into())), "2");
        assert_eq!(n("debug", toml::Value::Boolean(false)), "0");
        assert_eq!(n("opt-level", toml::Value::String("3".into())), "3");
        assert_eq!(n("opt-level", toml::Value::String("z".into())), "\"z\"");
        assert_eq!(n("lto", toml::Value::String("thin".into())), "\"thin\"");
        assert_eq!(n("strip", toml::Value::Boolean(true)), "\"symbols\"");
    }
}
