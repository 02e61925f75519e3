//! The command line and the configuration, resolved once into the run's [`Plan`].

use std::path::Path;

use cargo_metadata::Metadata;

use super::{Config, Settings};
use crate::error::{Error, Result};
use crate::options::{BuildOptions, LinkChoice, ProbeOptions, Ready, SizeOptions};
use crate::plan::{BinPlan, BuildSettings, BuildUi, Dirs, Plan, ProbeSettings};
use crate::report::LinkMode;
use crate::rustflags;
use crate::toolchain::{Toolchain, find_cargo};
use crate::workspace::{self, BinTarget};

/// Find the toolchain, load the workspace and its configuration, and decide, for each binary,
/// every setting the stages will read: the command line laid over the configuration.
pub fn resolve(opts: &BuildOptions, size: &SizeOptions, ui: BuildUi) -> Result<Plan> {
    let cargo = find_cargo()?;
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let mut toolchain = Toolchain::discover(cargo.clone(), &cwd)?;
    let target = opts
        .target
        .clone()
        .unwrap_or_else(|| toolchain.host.clone());
    toolchain.prepare_target(&target, &cwd)?;
    let workspace = workspace::load(opts, &cargo, &target)?;
    let config = load(&workspace.metadata, opts.config_file.as_deref())?;
    let mut selected: Vec<(&str, &cargo_metadata::PackageId)> = Vec::new();
    for b in &workspace.bins {
        if !selected.iter().any(|&(_, id)| *id == b.package_id) {
            selected.push((&b.package, &b.package_id));
        }
    }
    let mut warnings = config.unknown_crates(&workspace.metadata, &selected);
    warnings.extend(unread_cargo_config(
        &workspace,
        &cwd,
        &target,
        &toolchain.cfgs,
    ));
    let bins = workspace
        .bins
        .iter()
        .map(|b| bin_plan(b, config.for_bin(&b.package, &b.name), opts))
        .collect::<Result<_>>()?;
    let links = match opts.link {
        LinkChoice::Static => vec![LinkMode::Static],
        LinkChoice::Dynamic => vec![LinkMode::Dynamic],
        LinkChoice::Compare => vec![LinkMode::Static, LinkMode::Dynamic],
    };
    let settings = build_settings(&workspace, &toolchain, &target, &opts.profile, &cwd)?;
    let mut dirs = Dirs::new(opts.target_dir.as_deref(), &workspace.target_directory());
    if let Some(Some(dir)) = &opts.image {
        dirs.image = dir.clone();
    }
    Ok(Plan {
        options: opts.clone(),
        toolchain,
        target,
        workspace,
        size: size.clone(),
        links,
        dirs,
        bins,
        ui,
        warnings,
        settings,
    })
}

/// A `.cargo/config.toml` of the project (between the package's folder and the workspace
/// root) that cargo does not read from `cwd`: cargo reads config files from the folder it runs
/// in and those above, not from the manifest's (QA cb F2: `advise`'s lines pasted into just's
/// did nothing under `--manifest-path` from another folder, and the build was a PIE 260 KiB
/// larger than the advised one, unsaid).
fn unread_cargo_config(
    workspace: &workspace::Workspace,
    cwd: &Path,
    target: &str,
    cfgs: &[cargo_metadata::cargo_platform::Cfg],
) -> Option<String> {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (cwd, root) = (real(cwd), real(workspace.root()));
    let manifest = real(&workspace.manifest());
    let dirs = manifest
        .parent()?
        .ancestors()
        .take_while(|d| d.starts_with(&root));
    // The first file with a setting that can change this build (not aliases alone), with
    // those settings, each file read once; one that cannot be read or parsed counts.
    let (first, settings) = dirs
        .filter(|d| !cwd.starts_with(d))
        .flat_map(|d| ["config.toml", "config"].map(|f| d.join(".cargo").join(f)))
        .filter(|f| f.is_file())
        .map(|f| {
            let settings = crate::rustflags::build_settings_in(&f, target, cfgs);
            (f, settings)
        })
        .find(|(_, settings)| settings.as_ref().is_none_or(|keys| !keys.is_empty()))?;
    // The settings it holds, by name (QA ch F5: "(rustflags, profile)" for a file of `[env]`).
    let named = match settings {
        Some(keys) => {
            let more = keys.len().saturating_sub(4);
            let shown = crate::format::quoted(&keys[..keys.len() - more]);
            let noun = if keys.len() == 1 {
                "setting"
            } else {
                "settings"
            };
            let verb = if keys.len() == 1 { "applies" } else { "apply" };
            match more {
                0 => format!("its {noun} ({shown}) {verb}"),
                n => format!("its {noun} ({shown} and {n} more) {verb}"),
            }
        }
        None => "its settings apply".to_string(),
    };
    Some(format!(
        "{} is not read: cargo reads `.cargo/config.toml` in the folder it runs in ({}) and \
         those above it, not in the manifest's; {named} only when the run is started in \
         {} or below",
        first.display(),
        cwd.display(),
        first.parent()?.parent()?.display()
    ))
}

/// The profile's settings as cargo resolves them and the user's own rustflags: what the
/// report's `build` records, so that a baseline made with others says so (QA bt F1: `lto`
/// changed from `"fat"` to `"thin"`, and the gate blamed the crates). A bad cargo config is
/// an error here, as the build would meet it; a profile this reading cannot resolve (cargo
/// will say why, if it is wrong) is recorded as not read.
fn build_settings(
    workspace: &workspace::Workspace,
    toolchain: &Toolchain,
    target: &str,
    profile: &str,
    cwd: &Path,
) -> Result<BuildSettings> {
    let env = |k: &str| std::env::var(k).ok();
    let cargo_home = toolchain.cargo_home.as_deref();
    let files = rustflags::config_files(cwd, cargo_home);
    let manifest = workspace.root().join("Cargo.toml");
    let sources = crate::profile::Sources {
        manifest: &manifest,
        config_files: &files,
        env: &env,
    };
    Ok(BuildSettings {
        profile: crate::profile::resolve(profile, &sources).ok(),
        rustflags: rustflags::user_rustflags(&env, cwd, cargo_home, target, &toolchain.cfgs)?,
    })
}

fn load(metadata: &Metadata, file: Option<&Path>) -> Result<Config> {
    if let Some(f) = file.filter(|f| !f.is_file()) {
        // A directory (or a device) is there, and is no file to read.
        let why = if f.exists() {
            "is not a file"
        } else {
            "does not exist"
        };
        return Err(Error::Usage(format!("config file `{}` {why}", f.display())));
    }
    let members = metadata.workspace_packages();
    let packages: Vec<(&str, &serde_json::Value, &Path)> = members
        .iter()
        .map(|p| (p.name.as_str(), &p.metadata, p.manifest_path.as_std_path()))
        .collect();
    let root_manifest = metadata.workspace_root.as_std_path().join("Cargo.toml");
    let config = Config::load(
        &metadata.workspace_metadata,
        &root_manifest,
        &packages,
        file,
    )?;
    let bins: Vec<(&str, &str)> = members
        .iter()
        .flat_map(|p| {
            p.targets
                .iter()
                .filter(|t| t.is_bin())
                .map(move |t| (p.name.as_str(), t.name.as_str()))
        })
        .collect();
    config.check_bin_tables(&bins)?;
    Ok(config)
}

fn bin_plan(target: &BinTarget, settings: Settings, opts: &BuildOptions) -> Result<BinPlan> {
    let probe = opts.probe.clone().or(settings.probe.clone());
    probe_checked(&probe)?;
    Ok(BinPlan {
        target: target.clone(),
        image: settings.image(&target.name)?,
        probe: probe_settings(probe.clone()),
        start: probe_settings(ProbeOptions {
            enabled: None,
            ..probe
        })
        .unwrap_or_default(),
        hostile: opts.hostile.or(settings.hostile).unwrap_or(false),
        audit: settings.audit,
        budgets: settings.budgets,
        thresholds: settings.thresholds,
    })
}

/// What no run of the probe could get past, refused before the build (QA cy F10: `--probe-env
/// PORT=abc` was three failed runs after it): a `PORT` that is no port where the probe waits
/// on the one the program is given; a grace of zero, which leaves a program no time to exit
/// after SIGTERM (QA cy F6: its runs were neither timed nor counted as killed).
fn probe_checked(o: &ProbeOptions) -> Result<()> {
    // Under 1 ms too, which reads "0 ms" (QA cz F7).
    if o.grace
        .is_some_and(|g| g < std::time::Duration::from_millis(1))
    {
        return Err(Error::Usage(
            "a grace under 1ms (--grace, or `grace` in the configuration): the grace is the time \
             the program has to exit after SIGTERM, before SIGKILL; give it at least 1ms"
                .into(),
        ));
    }
    let (Some(ready), Some(env)) = (o.ready.as_ref(), o.env.as_deref()) else {
        return Ok(());
    };
    match crate::options::users_port(ready, env) {
        Some(Err(e)) => Err(Error::Usage(e)),
        _ => Ok(()),
    }
}

/// The probe's settings with the defaults filled in; `None` when it is turned off.
pub fn probe_settings(o: ProbeOptions) -> Option<ProbeSettings> {
    if o.enabled == Some(false) {
        return None;
    }
    let d = ProbeSettings::default();
    Some(ProbeSettings {
        ready: o.ready.unwrap_or(Ready::EXIT),
        runs: o.runs.unwrap_or(d.runs),
        warmup: o.warmup.unwrap_or(d.warmup),
        timeout: o.timeout.unwrap_or(d.timeout),
        grace: o.grace.unwrap_or(d.grace),
        args: o.args.unwrap_or_default(),
        env: o.env.unwrap_or_default(),
    })
}
