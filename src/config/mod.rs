//! `[workspace.metadata.aotcheck]`, `[package.metadata.aotcheck]`, `[package.metadata.aotcheck.bin.NAME]`
//! and `--config-file FILE`: parsed, then validated into [`Settings`]. Errors name the key and
//! the file.
//!
//! Precedence, lowest first: workspace defaults, the package, the package's `bin.NAME` table,
//! then the config file (its top level, then its own `bin.NAME`). Lists (`allow`, `deny`,
//! `allowed_libraries`) are replaced, not merged, by a later layer that sets them, except
//! `allow` and `deny`, which accumulate: an allowance granted anywhere holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

mod units;

use crate::report::Severity;
use units::{Quantity, parse_duration_q, parse_percent, parse_size};
pub use units::{parse_duration, parse_glibc, parse_size_str};

/// One table of settings, as written (before layering).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    // The audit.
    #[serde(default)]
    allow: Vec<Allow>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    deny: Vec<String>,
    // The startup probe.
    ready: Option<String>,
    probe_args: Option<Vec<String>>,
    probe_env: Option<BTreeMap<String, String>>,
    runs: Option<u32>,
    warmup: Option<u32>,
    probe_timeout: Option<Quantity>,
    grace: Option<Quantity>,
    hostile: Option<bool>,
    // Budgets.
    max_file_size: Option<Quantity>,
    max_stripped_size: Option<Quantity>,
    max_closure_size: Option<Quantity>,
    max_startup: Option<Quantity>,
    max_rss: Option<Quantity>,
    require_static: Option<bool>,
    allowed_libraries: Option<Vec<String>>,
    max_glibc: Option<String>,
    // Baseline thresholds.
    thresholds: Option<RawThresholds>,
    // Per-binary tables (only at package or file level).
    #[serde(default)]
    bin: BTreeMap<String, Raw>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    size_warn: Option<Quantity>,
    size_fail: Option<Quantity>,
    size_fail_min: Option<Quantity>,
    memory_fail: Option<Quantity>,
    memory_fail_min: Option<Quantity>,
    startup_fail: Option<Quantity>,
}

/// `allow = [{ rule = "AOT004", crate = "users", reason = "only reads $USER" }]`
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    pub rule: String,
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budgets {
    pub max_file_size: Option<u64>,
    pub max_stripped_size: Option<u64>,
    pub max_closure_size: Option<u64>,
    pub max_startup: Option<Duration>,
    pub max_rss: Option<u64>,
    pub require_static: Option<bool>,
    pub allowed_libraries: Option<Vec<String>>,
    /// e.g. `[2, 28]`, and as written.
    pub max_glibc: Option<(Vec<u32>, String)>,
}

/// Regression thresholds against a baseline; fractions (0.05 = 5%) and bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub size_warn: f64,
    pub size_fail: f64,
    pub size_fail_min: u64,
    pub memory_fail: f64,
    pub memory_fail_min: u64,
    pub startup_fail: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            size_warn: 0.01,
            size_fail: 0.05,
            size_fail_min: 4 * 1024,
            memory_fail: 0.10,
            memory_fail_min: 256 * 1024,
            startup_fail: 0.10,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeSettings {
    pub ready: Option<String>,
    pub args: Option<Vec<String>>,
    pub env: Option<BTreeMap<String, String>>,
    pub runs: Option<u32>,
    pub warmup: Option<u32>,
    pub timeout: Option<Duration>,
    pub grace: Option<Duration>,
    pub hostile: Option<bool>,
}

impl ProbeSettings {
    /// As the probe's options (the command line's are laid over these).
    pub fn to_options(&self) -> crate::options::ProbeOptions {
        crate::options::ProbeOptions {
            enabled: None,
            // Validated when the config was loaded.
            ready: self
                .ready
                .as_deref()
                .and_then(|r| crate::options::Ready::parse(r).ok()),
            runs: self.runs,
            warmup: self.warmup,
            timeout: self.timeout,
            grace: self.grace,
            args: self.args.clone().unwrap_or_default(),
            env: self.env.clone().unwrap_or_default().into_iter().collect(),
        }
    }
}

/// Validated settings for one binary, all layers applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub allow: Vec<Allow>,
    pub severity: BTreeMap<String, Severity>,
    pub deny: Vec<String>,
    pub probe: ProbeSettings,
    pub budgets: Budgets,
    pub thresholds: Thresholds,
}

/// A validated layer with its per-binary tables.
#[derive(Debug, Clone, Default)]
struct Layer {
    top: Raw,
    source: String,
}

/// Every layer that applies to a workspace, validated once; [`Config::for_bin`] layers them.
#[derive(Debug, Clone, Default)]
pub struct Config {
    workspace: Option<Layer>,
    packages: BTreeMap<String, Layer>,
    file: Option<Layer>,
}

fn from_json(value: &serde_json::Value, source: &str, path: &Path) -> Result<Option<Raw>> {
    let Some(v) = value.get("aotcheck") else {
        return Ok(None);
    };
    let raw: Raw = serde_path_to_error::deserialize(v).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: format!("{source}.{}: {}", e.path(), e.inner()),
    })?;
    Ok(Some(raw))
}

impl Config {
    /// Read the manifests' metadata tables and the optional config file.
    pub fn load(
        workspace_metadata: &serde_json::Value,
        workspace_manifest: &Path,
        packages: &[(&str, &serde_json::Value, &Path)],
        file: Option<&Path>,
    ) -> Result<Self> {
        let mut config = Config::default();
        if let Some(raw) = from_json(
            workspace_metadata,
            "workspace.metadata.aotcheck",
            workspace_manifest,
        )? {
            if !raw.bin.is_empty() {
                return Err(Error::Config {
                    path: workspace_manifest.to_path_buf(),
                    message: "workspace.metadata.aotcheck.bin: per-binary tables belong in \
                              [package.metadata.aotcheck.bin.NAME]"
                        .into(),
                });
            }
            validate(&raw, &display(workspace_manifest))?;
            config.workspace = Some(Layer {
                top: raw,
                source: display(workspace_manifest),
            });
        }
        for (name, metadata, manifest) in packages {
            if let Some(raw) = from_json(metadata, "package.metadata.aotcheck", manifest)? {
                validate(&raw, &display(manifest))?;
                config.packages.insert(
                    name.to_string(),
                    Layer {
                        top: raw,
                        source: display(manifest),
                    },
                );
            }
        }
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            config.file = Some(parse_file(&text, path)?);
        }
        Ok(config)
    }

    /// A config made of one `--config-file` text alone (as the fuzzer and tests use it).
    pub fn from_file_text(text: &str, path: &Path) -> Result<Self> {
        Ok(Config {
            file: Some(parse_file(text, path)?),
            ..Config::default()
        })
    }

    /// The settings for `bin` of `package`, every layer applied.
    pub fn for_bin(&self, package: &str, bin: &str) -> Settings {
        let mut s = Settings::default();
        let mut layers: Vec<(&Raw, &str)> = Vec::new();
        if let Some(l) = &self.workspace {
            layers.push((&l.top, &l.source));
        }
        for l in self
            .packages
            .get(package)
            .into_iter()
            .chain(self.file.as_ref())
        {
            layers.push((&l.top, &l.source));
            if let Some(b) = l.top.bin.get(bin) {
                layers.push((b, &l.source));
            }
        }
        for (raw, _) in layers {
            apply(&mut s, raw);
        }
        s
    }
}

fn parse_file(text: &str, path: &Path) -> Result<Layer> {
    let de = toml::Deserializer::parse(text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let raw: Raw = serde_path_to_error::deserialize(de).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: format!("{}: {}", e.path(), e.inner()),
    })?;
    validate(&raw, &display(path))?;
    Ok(Layer {
        top: raw,
        source: display(path),
    })
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// Check every value of a layer (and its `bin` tables) so errors surface before any build.
fn validate(raw: &Raw, source: &str) -> Result<()> {
    let mut probe = Settings::default();
    apply_checked(&mut probe, raw, source)?;
    for (name, b) in &raw.bin {
        if !b.bin.is_empty() {
            return Err(config_error(
                source,
                &format!("bin.{name}.bin"),
                "tables do not nest",
            ));
        }
        apply_checked(&mut probe, b, &format!("{source} (bin.{name})"))?;
    }
    Ok(())
}

fn config_error(source: &str, key: &str, message: &str) -> Error {
    Error::Config {
        path: PathBuf::from(source),
        message: format!("`{key}`: {message}"),
    }
}

fn apply(s: &mut Settings, raw: &Raw) {
    // Values were validated when loaded; a failure here cannot happen, and would only skip.
    let _ = apply_checked(s, raw, "");
}

fn apply_checked(s: &mut Settings, raw: &Raw, source: &str) -> Result<()> {
    let size = |q: &Option<Quantity>, key: &str| -> Result<Option<u64>> {
        q.as_ref()
            .map(|q| parse_size(q).map_err(|m| config_error(source, key, &m)))
            .transpose()
    };
    let duration = |q: &Option<Quantity>, key: &str| -> Result<Option<Duration>> {
        q.as_ref()
            .map(|q| parse_duration_q(q).map_err(|m| config_error(source, key, &m)))
            .transpose()
    };
    let percent = |q: &Option<Quantity>, key: &str| -> Result<Option<f64>> {
        q.as_ref()
            .map(|q| parse_percent(q).map_err(|m| config_error(source, key, &m)))
            .transpose()
    };
    for a in &raw.allow {
        if a.reason.trim().is_empty() {
            return Err(config_error(
                source,
                "allow",
                &format!("allowing {} needs a non-empty `reason`", a.rule),
            ));
        }
    }
    // A misspelt rule would silently allow or change nothing: name the rules instead.
    let known = |rule: &str| crate::audit::rules::find(rule).is_some();
    let ids = || {
        let ids: Vec<&str> = crate::audit::rules::RULES.iter().map(|r| r.id).collect();
        format!("not a rule id (the rules are {})", ids.join(", "))
    };
    for rule in raw.severity.keys() {
        if !known(rule) {
            return Err(config_error(source, &format!("severity.{rule}"), &ids()));
        }
    }
    for a in &raw.allow {
        if !known(&a.rule) {
            return Err(config_error(
                source,
                "allow",
                &format!("`{}`: {}", a.rule, ids()),
            ));
        }
    }
    s.allow.extend(raw.allow.iter().cloned());
    s.severity
        .extend(raw.severity.iter().map(|(k, v)| (k.clone(), *v)));
    s.deny.extend(raw.deny.iter().cloned());

    let p = &mut s.probe;
    if let Some(r) = &raw.ready {
        crate::options::Ready::parse(r).map_err(|m| config_error(source, "ready", &m))?;
        p.ready = Some(r.clone());
    }
    if let Some(a) = &raw.probe_args {
        p.args = Some(a.clone());
    }
    if let Some(e) = &raw.probe_env {
        p.env = Some(e.clone());
    }
    if let Some(r) = raw.runs {
        if r == 0 {
            return Err(config_error(source, "runs", "must be at least 1"));
        }
        p.runs = Some(r);
    }
    p.warmup = raw.warmup.or(p.warmup);
    p.timeout = duration(&raw.probe_timeout, "probe_timeout")?.or(p.timeout);
    p.grace = duration(&raw.grace, "grace")?.or(p.grace);
    p.hostile = raw.hostile.or(p.hostile);

    let b = &mut s.budgets;
    b.max_file_size = size(&raw.max_file_size, "max_file_size")?.or(b.max_file_size);
    b.max_stripped_size =
        size(&raw.max_stripped_size, "max_stripped_size")?.or(b.max_stripped_size);
    b.max_closure_size = size(&raw.max_closure_size, "max_closure_size")?.or(b.max_closure_size);
    b.max_startup = duration(&raw.max_startup, "max_startup")?.or(b.max_startup);
    b.max_rss = size(&raw.max_rss, "max_rss")?.or(b.max_rss);
    b.require_static = raw.require_static.or(b.require_static);
    if let Some(l) = &raw.allowed_libraries {
        b.allowed_libraries = Some(l.clone());
    }
    if let Some(g) = &raw.max_glibc {
        let v = parse_glibc(g).ok_or_else(|| {
            config_error(
                source,
                "max_glibc",
                &format!("`{g}` is not a glibc version like \"2.28\""),
            )
        })?;
        b.max_glibc = Some((v, g.clone()));
    }

    if let Some(t) = &raw.thresholds {
        let th = &mut s.thresholds;
        th.size_warn = percent(&t.size_warn, "thresholds.size_warn")?.unwrap_or(th.size_warn);
        th.size_fail = percent(&t.size_fail, "thresholds.size_fail")?.unwrap_or(th.size_fail);
        th.size_fail_min =
            size(&t.size_fail_min, "thresholds.size_fail_min")?.unwrap_or(th.size_fail_min);
        th.memory_fail =
            percent(&t.memory_fail, "thresholds.memory_fail")?.unwrap_or(th.memory_fail);
        th.memory_fail_min =
            size(&t.memory_fail_min, "thresholds.memory_fail_min")?.unwrap_or(th.memory_fail_min);
        th.startup_fail =
            percent(&t.startup_fail, "thresholds.startup_fail")?.unwrap_or(th.startup_fail);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
