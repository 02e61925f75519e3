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
use crate::report::Severity;

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

/// A size, duration or percentage as written: a number or a string with a unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Quantity {
    Int(u64),
    Float(f64),
    Text(String),
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

/// `2.28` → `[2, 28]` (also accepts `GLIBC_2.28`).
pub fn parse_glibc(s: &str) -> Option<Vec<u32>> {
    let v = s.trim().trim_start_matches("GLIBC_");
    let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| (2..=3).contains(&p.len()))
}

/// Split `"12.5 MiB"` into (12.5, "MiB").
fn number_and_unit(s: &str) -> Result<(f64, String), String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{s}` does not start with a number"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("`{s}` is not a non-negative number"));
    }
    Ok((n, unit.trim().to_string()))
}

/// `"12 MiB"`, `"800 kB"`, `"1.5MB"`, `4096` → bytes. kB/MB/GB are decimal, KiB/MiB/GiB binary.
pub fn parse_size_str(s: &str) -> Result<u64, String> {
    let (n, unit) = number_and_unit(s)?;
    let factor: f64 = match unit.as_str() {
        "" | "B" | "b" | "bytes" => 1.0,
        "k" | "kB" | "KB" | "kb" => 1e3,
        "KiB" | "Ki" | "K" => 1024.0,
        "M" | "MB" | "mb" => 1e6,
        "MiB" | "Mi" => 1024.0 * 1024.0,
        "G" | "GB" | "gb" => 1e9,
        "GiB" | "Gi" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}` (use B, kB, KiB, MB, MiB, GB or GiB)"
            ));
        }
    };
    let bytes = n * factor;
    if bytes > u64::MAX as f64 {
        return Err(format!("`{s}` is too large"));
    }
    Ok(bytes.round() as u64)
}

/// `"15ms"`, `"1.5s"`, `"500us"`, `"2m"` → duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = number_and_unit(s)?;
    let secs = match unit.as_str() {
        "ns" => n / 1e9,
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" | "sec" => n,
        "m" | "min" => n * 60.0,
        "" => return Err(format!("`{s}` needs a unit (ms, s, ...)")),
        other => {
            return Err(format!(
                "unknown duration unit `{other}` in `{s}` (use ns, us, ms, s or min)"
            ));
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{s}` is not a valid duration"))
}

fn parse_size(q: &Quantity) -> Result<u64, String> {
    match q {
        Quantity::Int(n) => Ok(*n),
        Quantity::Float(f) => Err(format!("{f} bytes: a size in bytes must be a whole number")),
        Quantity::Text(s) => parse_size_str(s),
    }
}

fn parse_duration_q(q: &Quantity) -> Result<Duration, String> {
    match q {
        Quantity::Text(s) => parse_duration(s),
        _ => Err("a duration needs a unit, e.g. \"15ms\" or \"1.5s\"".into()),
    }
}

/// `"5%"` or `0.05` → 0.05.
fn parse_percent(q: &Quantity) -> Result<f64, String> {
    let f = match q {
        Quantity::Int(0) => 0.0,
        // `size_fail = 5` would be 500%: almost certainly meant as 5%.
        Quantity::Int(n) => {
            return Err(format!(
                "`{n}` is ambiguous: write a percentage like \"{n}%\" or a fraction like {}",
                *n as f64 / 100.0
            ));
        }
        Quantity::Float(f) => *f,
        Quantity::Text(s) => {
            let t = s.trim();
            let Some(p) = t.strip_suffix('%') else {
                return Err(format!("`{s}` is not a percentage like \"5%\""));
            };
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{s}` is not a percentage like \"5%\""))?
                / 100.0
        }
    };
    if !f.is_finite() || f < 0.0 {
        return Err("a threshold must be a non-negative number".into());
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size_str("12 MiB"), Ok(12 * 1024 * 1024));
        assert_eq!(parse_size_str("800 kB"), Ok(800_000));
        assert_eq!(parse_size_str("4096"), Ok(4096));
        assert_eq!(parse_size_str("1.5MiB"), Ok(1_572_864));
        assert!(
            parse_size_str("12 parsecs")
                .unwrap_err()
                .contains("parsecs")
        );
        assert!(parse_size_str("MiB").is_err());
        assert_eq!(parse_duration("15ms"), Ok(Duration::from_millis(15)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500us"), Ok(Duration::from_micros(500)));
        assert!(parse_duration("15").is_err());
        assert_eq!(parse_glibc("2.28"), Some(vec![2, 28]));
        assert_eq!(parse_glibc("two"), None);
    }

    fn load(ws: serde_json::Value, pkg: serde_json::Value) -> Result<Config> {
        let m = Path::new("/w/Cargo.toml");
        Config::load(
            &ws,
            m,
            &[("app", &pkg, Path::new("/w/app/Cargo.toml"))],
            None,
        )
    }

    #[test]
    fn layers_apply_workspace_then_package_then_bin() {
        let c = load(
            json!({"aotcheck": {"max_file_size": "10 MiB", "runs": 5, "deny": ["a"]}}),
            json!({"aotcheck": {
                "max_file_size": "8 MiB",
                "deny": ["b"],
                "allow": [{"rule": "AOT004", "crate": "users", "reason": "reads $USER only"}],
                "bin": {"server": {"max_file_size": 1000, "ready": "tcp"}}
            }}),
        )
        .expect("valid");
        let s = c.for_bin("app", "server");
        assert_eq!(s.budgets.max_file_size, Some(1000));
        assert_eq!(s.probe.ready.as_deref(), Some("tcp"));
        assert_eq!(s.probe.runs, Some(5));
        assert_eq!(s.deny, vec!["a", "b"]);
        assert_eq!(s.allow.len(), 1);
        let other = c.for_bin("app", "cli");
        assert_eq!(other.budgets.max_file_size, Some(8 * 1024 * 1024));
        assert_eq!(other.probe.ready, None);
        let elsewhere = c.for_bin("lib", "x");
        assert_eq!(elsewhere.budgets.max_file_size, Some(10 * 1024 * 1024));
    }

    #[test]
    fn errors_name_the_key_and_the_file() {
        let e = load(json!({}), json!({"aotcheck": {"max_size": 1}}))
            .expect_err("unknown key")
            .to_string();
        assert!(
            e.contains("/w/app/Cargo.toml") && e.contains("max_size"),
            "{e}"
        );
        let e = load(
            json!({}),
            json!({"aotcheck": {"bin": {"s": {"max_rss": "12 parsecs"}}}}),
        )
        .expect_err("bad unit")
        .to_string();
        assert!(
            e.contains("max_rss") && e.contains("parsecs") && e.contains("bin.s"),
            "{e}"
        );
        let e = load(
            json!({}),
            json!({"aotcheck": {"allow": [{"rule": "AOT001", "reason": " "}]}}),
        )
        .expect_err("empty reason")
        .to_string();
        assert!(e.contains("reason"), "{e}");
        let e = load(
            json!({}),
            json!({"aotcheck": {"allow": [{"rule": "AOT04", "reason": "typo"}]}}),
        )
        .expect_err("unknown rule")
        .to_string();
        assert!(e.contains("AOT04") && e.contains("AOT010"), "{e}");
        let e = load(
            json!({}),
            json!({"aotcheck": {"severity": {"AOT999": "note"}}}),
        )
        .expect_err("unknown rule")
        .to_string();
        assert!(e.contains("severity.AOT999"), "{e}");
        let e = load(json!({"aotcheck": {"max_glibc": "new"}}), json!({}))
            .expect_err("bad glibc")
            .to_string();
        assert!(
            e.contains("/w/Cargo.toml") && e.contains("max_glibc"),
            "{e}"
        );
    }

    #[test]
    fn config_file_overrides_manifest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("aotcheck.toml");
        std::fs::write(
            &f,
            "max_rss = \"20 MiB\"\n[thresholds]\nsize_fail = \"2%\"\n",
        )
        .expect("write");
        let pkg = json!({"aotcheck": {"max_rss": "30 MiB"}});
        let c = Config::load(
            &json!({}),
            Path::new("/w/Cargo.toml"),
            &[("app", &pkg, Path::new("/w/Cargo.toml"))],
            Some(&f),
        )
        .expect("valid");
        let s = c.for_bin("app", "app");
        assert_eq!(s.budgets.max_rss, Some(20 * 1024 * 1024));
        assert!((s.thresholds.size_fail - 0.02).abs() < 1e-12);
        std::fs::write(&f, "[thresholds]\nsize_fail = 5\n").expect("write");
        let e = Config::load(&json!({}), Path::new("/w/Cargo.toml"), &[], Some(&f))
            .expect_err("5 is not 5%")
            .to_string();
        assert!(
            e.contains("thresholds.size_fail") && e.contains("\"5%\""),
            "{e}"
        );
        std::fs::write(&f, "[thresholds]\nsize_fial = 1\n").expect("write");
        let e = Config::load(&json!({}), Path::new("/w/Cargo.toml"), &[], Some(&f))
            .expect_err("typo")
            .to_string();
        assert!(
            e.contains("aotcheck.toml") && e.contains("size_fial"),
            "{e}"
        );
    }
}
