//! `[workspace.metadata.aotcheck]`, `[package.metadata.aotcheck]`, `[package.metadata.aotcheck.bin.NAME]`
//! and `--config-file FILE`: parsed, and each layer converted at once into typed values (the
//! only place raw values are read, so every error is an error at load, naming the key and the
//! file). [`Config::for_bin`] layers them for one binary; [`resolve()`] lays the command line
//! over that and makes the run's [`Plan`](crate::plan::Plan).
//!
//! Precedence, lowest first: workspace defaults, the package, the package's `bin.NAME` table,
//! then the config file (its top level, then its own `bin.NAME`). Lists (`allow`, `deny`,
//! `allowed_libraries`) are replaced, not merged, by a later layer that sets them, except
//! `allow` and `deny`, which accumulate: an allowance granted anywhere holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::options::ProbeOptions;
use crate::plan::{Allow, AuditPolicy, Budgets, Thresholds};
use crate::report::Severity;

mod crates;
mod image;
mod image_dir;
mod resolve;
mod typed;
mod units;

pub use resolve::{probe_settings, resolve};
use units::Quantity;
pub use units::{parse_duration, parse_probe_timeout, parse_size_str};

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
    max_image_size: Option<Quantity>,
    // The image (`--image`).
    image: Option<image::RawImage>,
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

/// Thresholds as one layer sets them: what it leaves out comes from the layers below.
#[derive(Debug, Clone, Default, PartialEq)]
struct PartialThresholds {
    size_warn: Option<f64>,
    size_fail: Option<f64>,
    size_fail_min: Option<u64>,
    memory_fail: Option<f64>,
    memory_fail_min: Option<u64>,
    startup_fail: Option<f64>,
}

/// One table of settings, converted and checked: every value is typed, nothing is re-read.
#[derive(Debug, Clone, Default, PartialEq)]
struct Partial {
    allow: Vec<Allow>,
    severity: BTreeMap<String, Severity>,
    deny: Vec<String>,
    probe: ProbeOptions,
    hostile: Option<bool>,
    budgets: Budgets,
    thresholds: PartialThresholds,
    image: image::PartialImage,
}

/// A layer: its top table and its `bin.NAME` tables.
#[derive(Debug, Clone, Default)]
struct Layer {
    top: Partial,
    bins: BTreeMap<String, Partial>,
    /// The file it was read from.
    source: String,
}

/// The settings of one binary from every layer of the configuration, before the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub audit: AuditPolicy,
    /// The probe as configured; the command line's options are laid over these.
    pub probe: ProbeOptions,
    pub hostile: Option<bool>,
    pub budgets: Budgets,
    pub thresholds: Thresholds,
    /// `[...aotcheck.image]`, layered; `config::resolve` fills in the defaults.
    image: image::PartialImage,
}

impl Settings {
    /// The image settings of binary `bin`, with the defaults; an error when its paths collide.
    pub fn image(&self, bin: &str) -> Result<crate::plan::ImageSettings> {
        self.image.resolve(bin)
    }
}

/// `dst.f = src.f.or(dst.f)` for each field `f`: what the later layer sets wins.
macro_rules! overlay {
    ($dst:expr, $src:expr; $($f:ident),+ $(,)?) => {
        $( $dst.$f = $src.$f.clone().or($dst.$f.take()); )+
    };
}

impl Settings {
    /// Lay `p` over these settings: what it sets wins; `allow` and `deny` accumulate.
    fn apply(&mut self, p: &Partial) {
        let a = &mut self.audit;
        a.allow.extend(p.allow.iter().cloned());
        a.severity
            .extend(p.severity.iter().map(|(k, v)| (k.clone(), *v)));
        a.deny.extend(p.deny.iter().cloned());
        self.probe = p.probe.clone().or(std::mem::take(&mut self.probe));
        self.hostile = p.hostile.or(self.hostile);
        overlay!(self.budgets, p.budgets; max_file_size, max_stripped_size, max_closure_size,
            max_startup, max_rss, require_static, allowed_libraries, max_glibc, max_image_size);
        self.image.apply(&p.image);
        let (t, n) = (&mut self.thresholds, &p.thresholds);
        for (value, set) in [
            (&mut t.size_warn, n.size_warn),
            (&mut t.size_fail, n.size_fail),
            (&mut t.memory_fail, n.memory_fail),
            (&mut t.startup_fail, n.startup_fail),
        ] {
            *value = set.unwrap_or(*value);
        }
        for (value, set) in [
            (&mut t.size_fail_min, n.size_fail_min),
            (&mut t.memory_fail_min, n.memory_fail_min),
        ] {
            *value = set.unwrap_or(*value);
        }
    }
}

/// Every layer that applies to a workspace, converted and checked once at load.
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
    let raw: Raw = serde_path_to_error::deserialize(v).map_err(|e| Error::ConfigKey {
        path: path.to_path_buf(),
        // The key in a code span, as every other configuration error names it (QA da F9).
        key: format!("{source}.{}", e.path()),
        message: keys_valid_there(&e, source.starts_with("workspace.")),
    })?;
    Ok(Some(raw))
}

/// The error's message, with `bin` left out of serde's list of expected keys where a `bin` table
/// is refused: inside `bin.NAME` (tables do not nest) and, with `workspace`, at the top of the
/// workspace's table. `Raw` is one struct for every level (so the levels cannot drift apart),
/// and `bin`, its last field, ends serde's list (`..., `thresholds`, `bin``).
fn keys_valid_there<E: std::fmt::Display>(
    e: &serde_path_to_error::Error<E>,
    workspace: bool,
) -> String {
    use serde_path_to_error::Segment;
    let message = e.inner().to_string();
    let path: Vec<&Segment> = e.path().iter().collect();
    let in_bin_table = path.len() == 3 && matches!(path[0], Segment::Map { key } if key == "bin");
    if !(in_bin_table || (workspace && path.len() == 1)) || !message.contains("unknown field") {
        return near_key(&message);
    }
    let message = message
        .lines()
        .map(|l| l.strip_suffix(", `bin`").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    near_key(&message)
}

/// serde's "unknown field `maxfilesize`, expected one of `allow`, ..." with the key meant, where
/// one is spelt nearly so, said first (QA aq F7: no hint, where a crate name gets one).
fn near_key(message: &str) -> String {
    let Some(at) = message.find("unknown field `") else {
        return message.to_string();
    };
    let names: Vec<&str> = message[at..].split('`').skip(1).step_by(2).collect();
    let Some((given, known)) = names.split_first() else {
        return message.to_string();
    };
    let known: std::collections::BTreeSet<&str> = known.iter().copied().collect();
    match crate::spelling::nearest(given, &known) {
        Some(k) => message.replacen(
            &format!("unknown field `{given}`"),
            &format!("unknown field `{given}` (did you mean `{k}`?)"),
            1,
        ),
        None => message.to_string(),
    }
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
            let table = "workspace.metadata.aotcheck.";
            config.workspace = Some(layer(&raw, &display(workspace_manifest), table)?);
        }
        for (name, metadata, manifest) in packages {
            if let Some(raw) = from_json(metadata, "package.metadata.aotcheck", manifest)? {
                config
                    .packages
                    .insert(name.to_string(), layer(&raw, &display(manifest), PACKAGE)?);
            }
        }
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io(path, e).naming("config file"))?;
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

    /// A `bin.NAME` table must name a binary target: of its package (for a package's table),
    /// or of any package (the config file's). `bins` are every workspace member's binary
    /// targets as (package, name), whatever `--bin` selects.
    pub fn check_bin_tables(&self, bins: &[(&str, &str)]) -> Result<()> {
        let layers = self
            .packages
            .iter()
            .map(|(p, l)| (Some(p.as_str()), l))
            .chain(self.file.iter().map(|l| (None, l)));
        for (package, l) in layers {
            for name in l.bins.keys() {
                let of = |p: &str| package.is_none_or(|want| want == p);
                if bins.iter().any(|&(p, b)| of(p) && b == name) {
                    continue;
                }
                let mut known: Vec<&str> = bins
                    .iter()
                    .filter(|(p, _)| of(p))
                    .map(|&(_, b)| b)
                    .collect();
                known.sort_unstable();
                known.dedup();
                let list = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                let message = match package {
                    Some(p) => format!(
                        "package `{p}` has no binary target of that name (its binaries: {list})"
                    ),
                    None => format!(
                        "no workspace member has a binary target of that name (binaries: {list})"
                    ),
                };
                // Named in full, as the table's other errors are (QA dh F4).
                let table = if package.is_some() { PACKAGE } else { "" };
                return Err(config_error(
                    &l.source,
                    &format!("{table}bin.{name}"),
                    &message,
                ));
            }
        }
        Ok(())
    }

    /// The settings for `bin` of `package`, every layer applied: the workspace's, then the
    /// package's and its `bin.NAME`, then the file's and its `bin.NAME`.
    pub fn for_bin(&self, package: &str, bin: &str) -> Settings {
        let mut s = Settings::default();
        if let Some(l) = &self.workspace {
            s.apply(&l.top);
        }
        for l in self.packages.get(package).into_iter().chain(&self.file) {
            s.apply(&l.top);
            if let Some(b) = l.bins.get(bin) {
                s.apply(b);
            }
        }
        s
    }
}

fn parse_file(text: &str, path: &Path) -> Result<Layer> {
    let de = toml::Deserializer::parse(text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let raw: Raw = serde_path_to_error::deserialize(de).map_err(|e| Error::ConfigKey {
        path: path.to_path_buf(),
        key: e.path().to_string(),
        message: keys_valid_there(&e, false),
    })?;
    layer(&raw, &display(path), "")
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// The key of a package's table in its manifest, as its errors name it.
const PACKAGE: &str = "package.metadata.aotcheck.";

/// Convert a layer and its `bin` tables, so errors surface before any build. `table`: where
/// the layer is in its file (`package.metadata.aotcheck.`; empty for a config file), which
/// every key its errors name begins with, as serde's errors do (QA df F3: `allow` beside
/// `package.metadata.aotcheck.allow[0]`).
fn layer(raw: &Raw, source: &str, table: &str) -> Result<Layer> {
    // Relative paths (extra image files) are read from the directory of the file that says so.
    let base = Path::new(source).parent().unwrap_or(Path::new("."));
    let within = |table: String| {
        move |e: Error| match e {
            Error::ConfigKey { path, key, message } => Error::ConfigKey {
                path,
                key: format!("{table}{key}"),
                message,
            },
            e => e,
        }
    };
    let mut bins = BTreeMap::new();
    for (name, b) in &raw.bin {
        if !b.bin.is_empty() {
            return Err(config_error(
                source,
                &format!("{table}bin.{name}.bin"),
                "tables do not nest",
            ));
        }
        let typed = typed::partial(b, source, base).map_err(within(format!("{table}bin.{name}.")));
        bins.insert(name.clone(), typed?);
    }
    Ok(Layer {
        top: typed::partial(raw, source, base).map_err(within(table.to_string()))?,
        bins,
        source: source.to_string(),
    })
}

fn config_error(source: &str, key: &str, message: &str) -> Error {
    Error::ConfigKey {
        path: PathBuf::from(source),
        key: key.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests;
