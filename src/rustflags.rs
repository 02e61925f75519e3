//! The user's own rustflags, found the way cargo finds them, so that ours can be added without
//! dropping theirs.
//!
//! Cargo takes rustflags from the first source that is set and never merges sources:
//! `CARGO_ENCODED_RUSTFLAGS` > `RUSTFLAGS` > `target.<triple>.rustflags` joined with every
//! matching `target.'cfg(..)'.rustflags` > `build.rustflags`. Passing ours through
//! `--config` is not enough: it shadows `build.rustflags` when it names a target table, and it
//! cannot be merged into a config value written as a string. So we compute the list cargo would
//! use, append ours, and hand the result over in `CARGO_ENCODED_RUSTFLAGS`, which wins over all.

use std::path::{Path, PathBuf};

use cargo_metadata::cargo_platform::{Cfg, Platform};

use crate::error::Error;

/// Where the user's flags came from (reported so that a surprise can be explained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagSource {
    EncodedEnv,
    RustflagsEnv,
    TargetConfig,
    BuildConfig,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFlags {
    pub source: FlagSource,
    pub flags: Vec<String>,
}

/// One config file's contribution, in increasing precedence.
#[derive(Debug, Default)]
struct Found {
    /// `target.<triple>.rustflags`, then (as cargo joins them) every matching `cfg(..)` table.
    target: Vec<String>,
    target_cfg: Vec<String>,
    target_set: bool,
    build: Vec<String>,
    build_set: bool,
}

/// Resolve the user's rustflags for `target`.
///
/// `env` reads an environment variable; `cwd` is where cargo will run (config discovery starts
/// there); `cargo_home` holds the user-wide config; `cfgs` are `rustc --print cfg --target`.
pub fn user_rustflags(
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    cargo_home: Option<&Path>,
    target: &str,
    cfgs: &[Cfg],
) -> Result<UserFlags, Error> {
    if let Some(v) = env("CARGO_ENCODED_RUSTFLAGS") {
        let flags = if v.is_empty() {
            Vec::new()
        } else {
            v.split('\x1f').map(str::to_string).collect()
        };
        return Ok(UserFlags {
            source: FlagSource::EncodedEnv,
            flags,
        });
    }
    if let Some(v) = env("RUSTFLAGS") {
        return Ok(UserFlags {
            source: FlagSource::RustflagsEnv,
            flags: split_ws(&v),
        });
    }

    let mut found = Found::default();
    for file in config_files(cwd, cargo_home) {
        read_config(&file, target, cfgs, &mut found)?;
    }
    let env_target = format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        target.to_uppercase().replace(['-', '.'], "_")
    );
    if let Some(v) = env(&env_target) {
        found.target.extend(split_ws(&v));
        found.target_set = true;
    }
    if let Some(v) = env("CARGO_BUILD_RUSTFLAGS") {
        found.build.extend(split_ws(&v));
        found.build_set = true;
    }
    Ok(if found.target_set {
        found.target.append(&mut found.target_cfg);
        UserFlags {
            source: FlagSource::TargetConfig,
            flags: found.target,
        }
    } else if found.build_set {
        UserFlags {
            source: FlagSource::BuildConfig,
            flags: found.build,
        }
    } else {
        UserFlags {
            source: FlagSource::None,
            flags: Vec::new(),
        }
    })
}

/// The user's flags with the `crt-static` choice appended (last one wins in rustc).
pub fn encoded_with_crt_static(user: &UserFlags, crt_static: bool) -> String {
    let mut flags = user.flags.clone();
    flags.push("-C".to_string());
    flags.push(format!(
        "target-feature={}crt-static",
        if crt_static { '+' } else { '-' }
    ));
    flags.join("\x1f")
}

fn split_ws(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Config files in increasing precedence: `$CARGO_HOME/config.toml`, then from the filesystem
/// root down to `cwd`. A file found twice (cwd below `$CARGO_HOME`) counts once.
pub fn config_files(cwd: &Path, cargo_home: Option<&Path>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let pick = |dir: &Path| -> Option<PathBuf> {
        ["config.toml", "config"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    };
    if let Some(home) = cargo_home.and_then(pick) {
        files.push(home);
    }
    let mut ancestors: Vec<&Path> = cwd.ancestors().collect();
    ancestors.reverse();
    for dir in ancestors {
        if let Some(f) = pick(&dir.join(".cargo"))
            && !files.contains(&f)
        {
            files.push(f);
        }
    }
    files
}

/// The settings of the cargo config file at `path` that can change a build for `target`, as
/// cargo's dotted keys (`build.rustflags`, `env.FOO`, `target.x86_64-unknown-linux-gnu.linker`):
/// anything but the tables that cannot (aliases, the terminal, `cargo new`'s defaults, network
/// and registry access), and a `[target.X]` table only where X is `target` or a `cfg(...)` it
/// matches. `None` where the file cannot be read or parsed. QA cf F7: zoxide's holds an alias
/// and Windows flags, and a warning that it was not read was noise; QA ch F5: the warning
/// named "(rustflags, profile)" for a file that held only `[env]`.
pub fn build_settings_in(path: &Path, target: &str, cfgs: &[Cfg]) -> Option<Vec<String>> {
    const INERT: &[&str] = &[
        "alias",
        "term",
        "cargo-new",
        "doc",
        "future-incompat-report",
        "cache",
        "credential-alias",
        "http",
        "net",
        "registry",
        "registries",
    ];
    let text = std::fs::read_to_string(path).ok()?;
    let doc = toml::from_str::<toml::Table>(&text).ok()?;
    let keys_of = |prefix: String, value: &toml::Value| match value.as_table() {
        Some(t) => t.keys().map(|k| format!("{prefix}.{k}")).collect(),
        None => vec![prefix],
    };
    let mut found = Vec::new();
    for (key, value) in &doc {
        match key.as_str() {
            k if INERT.contains(&k) => {}
            "target" => match value.as_table() {
                Some(targets) => {
                    for (t, table) in targets {
                        let matches = t == target
                            || (t.starts_with("cfg(")
                                && t.parse::<Platform>().is_ok_and(|p| p.matches(target, cfgs)));
                        if matches {
                            found.extend(keys_of(format!("target.{}", quoted(t)), table));
                        }
                    }
                }
                None => found.push(key.clone()),
            },
            _ => found.extend(keys_of(key.clone(), value)),
        }
    }
    Some(found)
}

/// A key part as cargo's dotted keys write it: quoted where it is not a bare key.
fn quoted(part: &str) -> String {
    let bare = part
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        part.to_string()
    } else {
        format!("'{part}'")
    }
}

fn read_config(path: &Path, target: &str, cfgs: &[Cfg], found: &mut Found) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let flags_of = |v: &toml::Value, key: &str| -> Result<Vec<String>, Error> {
        match v {
            toml::Value::String(s) => Ok(split_ws(s)),
            toml::Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str().map(str::to_string).ok_or_else(|| Error::Config {
                        path: path.to_path_buf(),
                        message: format!("`{key}` must be a string or an array of strings"),
                    })
                })
                .collect(),
            _ => Err(Error::Config {
                path: path.to_path_buf(),
                message: format!("`{key}` must be a string or an array of strings"),
            }),
        }
    };
    if let Some(v) = doc
        .get("build")
        .and_then(|b| b.as_table())
        .and_then(|b| b.get("rustflags"))
    {
        found.build.extend(flags_of(v, "build.rustflags")?);
        found.build_set = true;
    }
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
        for (key, table) in targets {
            let Some(v) = table.as_table().and_then(|t| t.get("rustflags")) else {
                continue;
            };
            let flags = flags_of(v, &format!("target.{key}.rustflags"))?;
            if key.starts_with("cfg(") {
                if key
                    .parse::<Platform>()
                    .is_ok_and(|p| p.matches(target, cfgs))
                {
                    found.target_cfg.extend(flags);
                    found.target_set = true;
                }
            } else if key == target {
                found.target.extend(flags);
                found.target_set = true;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(vars: &[(&str, &str)], files: &[(&str, &str)]) -> UserFlags {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| vars.get(k).cloned();
        let cwd = dir.path().join("ws/member");
        std::fs::create_dir_all(&cwd).expect("mkdir");
        let cfgs: Vec<Cfg> = ["unix", "target_os=\"linux\""]
            .iter()
            .map(|s| s.parse().expect("cfg"))
            .collect();
        user_rustflags(
            &env,
            &cwd,
            Some(&dir.path().join("home")),
            "x86_64-unknown-linux-gnu",
            &cfgs,
        )
        .expect("resolve")
    }

    /// QA cf F7: zoxide's config holds an alias and Windows-only flags: nothing of a Linux
    /// build; a profile, `[build]`, this target's or a matching `cfg` table is.
    #[test]
    fn only_a_config_that_can_change_the_build_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfgs: Vec<Cfg> = ["unix", "target_os=\"linux\"", "target_env=\"gnu\""]
            .iter()
            .map(|s| s.parse().expect("cfg"))
            .collect();
        let host = "x86_64-unknown-linux-gnu";
        let affects = |text: &str| {
            let p = dir.path().join("config.toml");
            std::fs::write(&p, text).expect("write");
            build_settings_in(&p, host, &cfgs).is_none_or(|keys| !keys.is_empty())
        };
        let zoxide = "[alias]\nxtask = \"run --package xtask --\"\n\
                      [target.'cfg(all(windows, target_env = \"msvc\"))']\n\
                      rustflags = [\"-C\", \"target-feature=+crt-static\"]\n";
        assert!(!affects(zoxide));
        assert!(!affects(
            "[term]\nverbose = true\n[target.aarch64-apple-darwin]\nlinker = \"x\"\n"
        ));
        assert!(affects("[profile.release]\nlto = true\n"));
        assert!(affects("[build]\nrustflags = \"--cfg x\"\n"));
        assert!(affects(&format!("[target.{host}]\nlinker = \"clang\"\n")));
        assert!(affects(
            "[target.'cfg(unix)']\nrustflags = [\"-C\", \"x\"]\n"
        ));
        assert!(affects("not toml ["));
        // What the warning names: the settings found, as cargo's dotted keys.
        let settings = |text: &str| {
            let p = dir.path().join("config.toml");
            std::fs::write(&p, text).expect("write");
            build_settings_in(&p, host, &cfgs)
        };
        assert_eq!(
            settings("[env]\nFOO = \"1\"\n[alias]\nb = \"build\"\n"),
            Some(vec!["env.FOO".to_string()])
        );
        assert_eq!(
            settings(&format!("[target.{host}]\nlinker = \"clang\"\n")),
            Some(vec![format!("target.{host}.linker")])
        );
        assert_eq!(
            settings("[target.'cfg(unix)']\nrustflags = []\n[profile.release]\nlto = true\n"),
            Some(vec![
                "profile.release".to_string(),
                "target.'cfg(unix)'.rustflags".to_string()
            ])
        );
        assert_eq!(settings("not toml ["), None);
    }

    #[test]
    fn encoded_env_wins_over_everything() {
        let f = resolve(
            &[
                ("CARGO_ENCODED_RUSTFLAGS", "--cfg\x1fa b"),
                ("RUSTFLAGS", "--cfg x"),
            ],
            &[("ws/.cargo/config.toml", "build.rustflags = ['--cfg', 'y']")],
        );
        assert_eq!(f.source, FlagSource::EncodedEnv);
        assert_eq!(f.flags, vec!["--cfg", "a b"]);
    }

    #[test]
    fn rustflags_env_wins_over_config() {
        let f = resolve(
            &[("RUSTFLAGS", " --cfg  x ")],
            &[("ws/.cargo/config.toml", "build.rustflags = ['--cfg', 'y']")],
        );
        assert_eq!(f.source, FlagSource::RustflagsEnv);
        assert_eq!(f.flags, vec!["--cfg", "x"]);
    }

    #[test]
    fn target_tables_join_and_shadow_build() {
        let f = resolve(
            &[],
            &[
                ("home/config.toml", "build.rustflags = '--cfg home'"),
                (
                    "ws/.cargo/config.toml",
                    "[target.x86_64-unknown-linux-gnu]\nrustflags = '--cfg t'\n\
                     [target.'cfg(unix)']\nrustflags = ['--cfg', 'u']\n\
                     [target.'cfg(windows)']\nrustflags = ['--cfg', 'w']\n",
                ),
            ],
        );
        assert_eq!(f.source, FlagSource::TargetConfig);
        assert_eq!(f.flags, vec!["--cfg", "t", "--cfg", "u"]);
    }

    #[test]
    fn build_flags_merge_from_outer_to_inner_then_env() {
        let f = resolve(
            &[("CARGO_BUILD_RUSTFLAGS", "--cfg env")],
            &[
                ("home/config.toml", "build.rustflags = '--cfg home'"),
                ("ws/.cargo/config", "[build]\nrustflags = ['--cfg', 'ws']"),
            ],
        );
        assert_eq!(f.source, FlagSource::BuildConfig);
        assert_eq!(
            f.flags,
            vec!["--cfg", "home", "--cfg", "ws", "--cfg", "env"]
        );
    }

    #[test]
    fn crt_static_is_appended_last() {
        let user = UserFlags {
            source: FlagSource::RustflagsEnv,
            flags: vec!["--cfg".into(), "marker".into()],
        };
        assert_eq!(
            encoded_with_crt_static(&user, true),
            "--cfg\x1fmarker\x1f-C\x1ftarget-feature=+crt-static"
        );
        let none = UserFlags {
            source: FlagSource::None,
            flags: vec![],
        };
        assert_eq!(
            encoded_with_crt_static(&none, false),
            "-C\x1ftarget-feature=-crt-static"
        );
    }
}
