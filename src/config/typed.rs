//! One table of the configuration, as written, turned into typed values and checked: sizes,
//! durations and percentages parsed, rules named, limits that contradict each other refused.
//! Every error names the key and the file (`source`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::units::{Quantity, parse_duration_q, parse_percent, parse_probe_timeout_q, parse_size};
use super::{Partial, PartialThresholds, Raw, RawThresholds, config_error, image};
use crate::error::Result;
use crate::options::{ProbeOptions, Ready};
use crate::plan::{Allow, Budgets, GlibcVersion};
use crate::report::Severity;

/// One table, typed and checked.
pub(super) fn partial(raw: &Raw, source: &str, base: &Path) -> Result<Partial> {
    Ok(Partial {
        allow: allowances(raw, source)?,
        severity: severities(raw, source)?,
        deny: raw.deny.clone(),
        probe: probe(raw, source)?,
        hostile: raw.hostile,
        budgets: budgets(raw, source)?,
        thresholds: match &raw.thresholds {
            Some(t) => thresholds(t, source)?,
            None => PartialThresholds::default(),
        },
        image: match &raw.image {
            Some(i) => image::partial(i, source, base)?,
            None => image::PartialImage::default(),
        },
    })
}

/// A misspelt rule would silently allow or change nothing: name the rules instead.
fn rule_error(rule: &str) -> String {
    let ids: Vec<&str> = crate::audit::rules::RULES.iter().map(|r| r.id).collect();
    format!("`{rule}`: not a rule id (the rules are {})", ids.join(", "))
}

/// Each entry's error names it by its place (QA df F3: "`allow`: ..." of a list of several).
fn allowances(raw: &Raw, source: &str) -> Result<Vec<Allow>> {
    for (i, a) in raw.allow.iter().enumerate() {
        if a.reason.trim().is_empty() {
            return Err(config_error(
                source,
                &format!("allow[{i}].reason"),
                &format!("allowing {} needs a non-empty `reason`", a.rule),
            ));
        }
        if crate::audit::rules::find(&a.rule).is_none() {
            return Err(config_error(
                source,
                &format!("allow[{i}].rule"),
                &rule_error(&a.rule),
            ));
        }
    }
    Ok(raw.allow.clone())
}

fn severities(raw: &Raw, source: &str) -> Result<BTreeMap<String, Severity>> {
    for rule in raw.severity.keys() {
        if crate::audit::rules::find(rule).is_none() {
            return Err(config_error(
                source,
                &format!("severity.{rule}"),
                &rule_error(rule),
            ));
        }
    }
    Ok(raw.severity.clone())
}

fn size(q: &Option<Quantity>, source: &str, key: &str) -> Result<Option<u64>> {
    q.as_ref()
        .map(|q| parse_size(q).map_err(|m| config_error(source, key, &m)))
        .transpose()
}

fn duration(q: &Option<Quantity>, source: &str, key: &str) -> Result<Option<Duration>> {
    q.as_ref()
        .map(|q| parse_duration_q(q).map_err(|m| config_error(source, key, &m)))
        .transpose()
}

fn percent(q: &Option<Quantity>, source: &str, key: &str) -> Result<Option<f64>> {
    q.as_ref()
        .map(|q| parse_percent(q).map_err(|m| config_error(source, key, &m)))
        .transpose()
}

fn probe(raw: &Raw, source: &str) -> Result<ProbeOptions> {
    if raw.runs == Some(0) {
        return Err(config_error(source, "runs", "must be at least 1"));
    }
    let ready = raw
        .ready
        .as_deref()
        .map(|r| Ready::parse(r).map_err(|m| config_error(source, "ready", &m)))
        .transpose()?;
    Ok(ProbeOptions {
        enabled: None,
        ready,
        runs: raw.runs,
        warmup: raw.warmup,
        timeout: raw
            .probe_timeout
            .as_ref()
            .map(|q| {
                parse_probe_timeout_q(q).map_err(|m| config_error(source, "probe_timeout", &m))
            })
            .transpose()?,
        grace: duration(&raw.grace, source, "grace")?,
        args: raw.probe_args.clone(),
        env: raw
            .probe_env
            .as_ref()
            .map(|e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
    })
}

fn budgets(raw: &Raw, source: &str) -> Result<Budgets> {
    let max_glibc = raw
        .max_glibc
        .as_deref()
        .map(|g| {
            GlibcVersion::parse(g).ok_or_else(|| {
                config_error(
                    source,
                    "max_glibc",
                    &format!("`{g}` is not a glibc version like \"2.28\""),
                )
            })
        })
        .transpose()?;
    Ok(Budgets {
        max_file_size: size(&raw.max_file_size, source, "max_file_size")?,
        max_stripped_size: size(&raw.max_stripped_size, source, "max_stripped_size")?,
        max_closure_size: size(&raw.max_closure_size, source, "max_closure_size")?,
        max_startup: duration(&raw.max_startup, source, "max_startup")?,
        max_rss: size(&raw.max_rss, source, "max_rss")?,
        require_static: raw.require_static,
        allowed_libraries: raw.allowed_libraries.clone(),
        max_glibc,
        max_image_size: size(&raw.max_image_size, source, "max_image_size")?,
    })
}

fn thresholds(t: &RawThresholds, source: &str) -> Result<PartialThresholds> {
    let size_warn = percent(&t.size_warn, source, "thresholds.size_warn")?;
    let size_fail = percent(&t.size_fail, source, "thresholds.size_fail")?;
    if let (Some(w), Some(f)) = (size_warn, size_fail)
        && w > f
    {
        return Err(config_error(
            source,
            "thresholds.size_warn",
            &format!(
                "{}% is above size_fail ({}%): a growth would fail before it warned",
                w * 100.0,
                f * 100.0
            ),
        ));
    }
    Ok(PartialThresholds {
        size_warn,
        size_fail,
        size_fail_min: size(&t.size_fail_min, source, "thresholds.size_fail_min")?,
        memory_fail: percent(&t.memory_fail, source, "thresholds.memory_fail")?,
        memory_fail_min: size(&t.memory_fail_min, source, "thresholds.memory_fail_min")?,
        startup_fail: percent(&t.startup_fail, source, "thresholds.startup_fail")?,
    })
}
