//! `--image`: each built binary as an OCI image, written without a container engine, and
//! started inside it.
//!
//! Per binary: a traced run through the startup probe finds the files it opens
//! (`tracer.rs`, `trace.rs`); the image's contents follow from that and the configuration
//! (`contents.rs`); the layout and its tar are written reproducibly and atomically
//! (`layout.rs`); then the binary is started inside the image's own root filesystem, unpacked
//! from the layer just written with the permissions it gives the image's user (`rootfs.rs`,
//! `inside.rs`), and when it does not start there, why not (`cause.rs`). Like every stage, it prints nothing but status
//! lines through [`Output`].

mod cause;
mod contents;
mod inside;
mod launch;
mod layout;
mod links;
mod local_ca;
pub mod meta;
mod nsswitch;
pub mod paths;
mod place;
mod replaced;
mod rootfs;
mod tarball;
mod tls;
pub mod trace;
pub mod tracer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use contents::is_runtime;
pub use place::preflight;
pub use tracer::hidden_main;

use crate::error::{Error, Result};
use crate::output::Output;
use crate::plan::{BinPlan, Plan};
use crate::report::{Artifact, ComparedMetric, Image, InImage, LinkMode, Report};
use launch::{Launch, Run};
use layout::Meta;
use meta::Epoch;
use place::Target;

/// The image stage: with `--image`, every binary built by this run gets its image.
pub fn check(plan: &Plan, report: &mut Report, out: &mut Output) -> Result<()> {
    if plan.options.image.is_none() {
        return Ok(());
    }
    crate::inspect::unchanged(report)?;
    let wanted: Vec<(usize, &BinPlan, Target)> = report
        .artifacts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let link = a.link_mode?;
            let bin = plan.bin_of(a)?;
            Some((i, bin, target(&plan.dirs.image, a, link)))
        })
        .collect();
    // Refused before anything is written: no image of one binary beside a refusal of another.
    for (_, _, t) in &wanted {
        place::check_ours(t)?;
    }
    let (epoch, scratch) = directories(plan)?;
    let ctx = Context {
        epoch,
        revision: meta::revision(plan.workspace.root()),
        ns: inside::namespaces(),
        // The probe's exec gate: `exit`-mode runs inside are attached before they start, so
        // even a short program is read at its exit stop (`None` without `cc`).
        gate: crate::probe::exec_gate(&plan.dirs.probe_floor).ok(),
        scratch: scratch.path(),
        roots: tls::compiled_roots(report),
    };
    for (i, bin, t) in wanted {
        let a = &report.artifacts[i];
        out.status(
            "Image",
            &format!(
                "{} ({}) in {}",
                a.name,
                a.link_mode.map_or("", LinkMode::as_str),
                t.layout.display()
            ),
        );
        let source = repository_url(plan, bin);
        let (image, took) = one(&ctx, a, bin, &t, source)?;
        if out.verbosity >= crate::options::Verbosity::Verbose {
            out.status(
                "Wrote",
                &format!(
                    "{} layer of {} in {:.1} ms",
                    crate::format::size(image.uncompressed_size),
                    a.name,
                    took.as_secs_f64() * 1e3
                ),
            );
        }
        // Not started though the probe ran: say so in the report's warnings, which every
        // format shows (with `--no-probe`, nothing was started; a failed start is AOT011, an
        // error of its own). On stderr alone, a CI job reading the JSON or Markdown missed it.
        let skipped = image.in_image.outcome == crate::report::InImageOutcome::Skipped;
        if let (Some(why), Some(_), true) = (&image.in_image.reason, &bin.probe, skipped) {
            let line = format!("{}: not started inside its image: {why}", a.name);
            report.warnings.push(line);
        }
        report.artifacts[i].image = Some(Box::new(image));
        crate::interrupt::check()?;
    }
    comparison_rows(report);
    Ok(())
}

/// The image directory and a scratch directory of this run in it, made after the checks that
/// can refuse: a bad `SOURCE_DATE_EPOCH` leaves nothing behind. Also the time the images are
/// made at.
fn directories(plan: &Plan) -> Result<(Epoch, tempfile::TempDir)> {
    let created = |p: &Path| {
        std::fs::create_dir_all(p).map_err(|e| Error::Write {
            path: p.to_path_buf(),
            source: e,
        })
    };
    place::not_a_file(&plan.dirs.image)?;
    let epoch = Epoch::find(plan.workspace.root())?;
    created(&plan.dirs.image)?;
    created(&plan.dirs.image_scratch)?;
    let scratch = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&plan.dirs.image_scratch)
        .map_err(|e| Error::Write {
            path: plan.dirs.image_scratch.clone(),
            source: e,
        })?;
    Ok((epoch, scratch))
}

struct Context<'a> {
    epoch: Epoch,
    revision: Option<String>,
    ns: std::result::Result<inside::Namespaces, String>,
    gate: Option<PathBuf>,
    scratch: &'a Path,
    /// The crates of built-in CA roots the build compiled (see [`tls::compiled_roots`]).
    roots: Vec<String>,
}

/// `<dir>/<package>/<bin>/<link mode>` and the `.tar` beside it.
fn target(dir: &Path, a: &Artifact, link: LinkMode) -> Target {
    let base = dir
        .join(a.package.as_deref().unwrap_or(&a.name))
        .join(&a.name);
    target_at(&base, link)
}

/// The layout and tar of one build of a binary, under `base` (`DIR/<package>/<bin>`).
fn target_at(base: &Path, link: LinkMode) -> Target {
    Target {
        layout: base.join(link.as_str()),
        tar: base.join(format!("{}.tar", link.as_str())),
    }
}

/// The package's `repository`, for the `source` annotation.
fn repository_url(plan: &Plan, bin: &BinPlan) -> Option<String> {
    plan.workspace
        .metadata
        .packages
        .iter()
        .find(|p| p.id == bin.target.package_id)
        .and_then(|p| p.repository.clone())
}

/// The image of one binary, and how long writing it took (`-v` says; `benches/image.sh`).
fn one(
    ctx: &Context,
    a: &Artifact,
    bin: &BinPlan,
    t: &Target,
    source: Option<String>,
) -> Result<(Image, std::time::Duration)> {
    let s = &bin.image;
    let probe = bin.probe.as_ref();
    // How the program starts: as configured, also under `--no-probe` (QA m: bore's image lost
    // its `server` argument and its port there).
    let start = &bin.start;
    let mut launch = Launch::of(s, start);
    let mut warnings = std::mem::take(&mut launch.warnings);
    let label = format!("{}-{}", a.name, a.link_mode.map_or("", LinkMode::as_str));
    // What it opens on this machine, run as the probe runs it.
    let (host, trace) = trace::host_run(a, probe, ctx.scratch, &label);
    let binary = shipped_binary(a, s.strip, ctx.scratch, &label, &mut warnings);
    warnings.extend(not_found(a));
    let host_home = launch::host_home(probe);
    let host_home = host_home.as_deref();
    let traced = (host.opened.as_deref(), &host.programs[..], host_home);
    let mut contents = contents::assemble(a, s, &binary.0, traced)?;
    if s.args.is_some() {
        replaced::probe_only(&mut contents.left_out, &start.args, &launch.raw_args);
    }
    warnings.extend(tls::missing_cas(a, &contents.files, &ctx.roots));
    warnings.extend(nsswitch::built_in_only(
        &mut contents.entries,
        &mut contents.files,
    ));
    let m = meta_of(ctx, a, bin, &launch, source);
    let started = std::time::Instant::now();
    let w = layout::write(&contents.entries, &m, t)?;
    let took = started.elapsed();
    let home = contents::home(s);
    let run_env = launch::with_home(&launch.env, &home);
    let inside_args = launch.inside_args(s, start);
    let run = launch.run(&inside_args, &run_env);
    let in_image = start_inside(ctx, (a, bin), (&w.layer_blob, &contents.files), &run, &host);
    let named_loopback = meta::names_loopback(&launch.entrypoint[1..]);
    if in_image.loopback_only && !named_loopback {
        warnings.push(meta::listened_on_loopback(run.port));
    }
    if in_image.outcome == crate::report::InImageOutcome::Started {
        let sys = contents.left_out.iter().map(|l| l.path.as_str());
        warnings.extend(meta::started_without_sys(sys));
    }
    let image = Image {
        layout: t.layout.display().to_string(),
        tar: t.tar.display().to_string(),
        reference: format!("{}:{}", m.repository, m.tag),
        manifest_digest: w.manifest_digest,
        config_digest: w.config_digest,
        layer_digest: w.layer_digest,
        diff_id: w.diff_id,
        architecture: m.architecture,
        os: "linux".into(),
        compressed_size: w.manifest_size + w.config_size + w.layer_size,
        uncompressed_size: w.tar_size,
        created: m.created,
        created_from: ctx.epoch.from.into(),
        user: s.user.ids(),
        user_name: s.user.name.clone(),
        home,
        workdir: s.workdir.clone(),
        args_from: launch.args_from(s).map(Into::into),
        entrypoint: launch.entrypoint,
        env: m.env,
        exposed_ports: m.ports,
        stripped: binary.1,
        files: contents.files,
        trace,
        not_in_image: contents.left_out,
        in_image,
        warnings,
    };
    Ok((image, took))
}

/// The shared libraries the binary needs that this machine lacks, so the image does too.
fn not_found(a: &Artifact) -> impl Iterator<Item = String> + '_ {
    let missing = a.binary.closure.iter().filter(|c| c.path.is_none());
    missing.map(|c| {
        format!(
            "{} was not found on this machine: the image lacks it",
            c.name
        )
    })
}

/// The image's configuration: its time, platform, user, entrypoint, environment, ports,
/// labels and annotations, and its name and tag.
fn meta_of(
    ctx: &Context,
    a: &Artifact,
    bin: &BinPlan,
    launch: &Launch,
    source: Option<String>,
) -> Meta {
    let s = &bin.image;
    Meta {
        mtime: ctx.epoch.seconds,
        created: ctx.epoch.rfc3339(),
        architecture: meta::oci_arch(&a.binary.arch),
        user: s.user.ids(),
        workdir: s.workdir.clone(),
        entrypoint: launch.entrypoint.clone(),
        env: launch.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        ports: launch.ports.clone(),
        labels: s.labels.clone(),
        annotations: meta::annotations(
            &ctx.epoch,
            ctx.revision.as_deref(),
            &bin.target.version,
            source,
        ),
        repository: meta::repository(&a.name),
        tag: match a.link_mode {
            Some(LinkMode::Dynamic) => format!("{}-dynamic", meta::tag(&bin.target.version)),
            _ => meta::tag(&bin.target.version),
        },
    }
}

/// The file that goes into the image: a stripped copy (binutils' `strip`), or the binary
/// itself; and whether it is stripped.
fn shipped_binary(
    a: &Artifact,
    strip: bool,
    scratch: &Path,
    label: &str,
    warnings: &mut Vec<String>,
) -> (PathBuf, bool) {
    let original = PathBuf::from(&a.path);
    if !strip {
        return (original, false);
    }
    let copy = scratch.join(format!("{label}.stripped"));
    let ran = std::process::Command::new("strip")
        .arg("--strip-all")
        .arg("-o")
        .arg(&copy)
        .arg(&original)
        .stdin(std::process::Stdio::null())
        .output();
    match ran {
        Ok(o) if o.status.success() => (copy, true),
        Ok(o) => {
            let why = String::from_utf8_lossy(&o.stderr);
            warnings.push(format!(
                "strip failed ({}): the image carries the unstripped binary",
                why.lines().next().unwrap_or("").trim()
            ));
            (original, false)
        }
        Err(e) => {
            warnings.push(format!(
                "cannot run binutils' strip ({e}): the image carries the unstripped binary"
            ));
            (original, false)
        }
    }
}

/// The in-image run, or why there is none: the image's entrypoint with the image's `Env` and
/// nothing else (as `docker run` starts it), ready as the probe's readiness says, on the
/// image's port.
fn start_inside(
    ctx: &Context,
    (a, bin): (&Artifact, &BinPlan),
    (blob, files): (&Path, &[crate::report::ImageFile]),
    run: &Run,
    host_run: &trace::HostRun,
) -> InImage {
    let skipped = |reason: String| InImage {
        reason: Some(reason),
        ..InImage::default()
    };
    let Some(probe) = &bin.probe else {
        return skipped("--no-probe: the binary was not started".into());
    };
    let ns = match &ctx.ns {
        Ok(ns) => ns,
        Err(why) => return skipped(why.clone()),
    };
    let probe = crate::plan::ProbeSettings {
        ready: probe.ready.on_port(run.port),
        ..probe.clone()
    };
    // What the host run had that the image does not: named when the image does not start.
    let waits = probe.ready.fixed_port().is_some();
    let host_only = cause::host_only(&probe.env, run.env, waits, run.port_given);
    let opened: HashSet<String> = host_run.opened.iter().flatten().cloned().collect();
    let mut exit_statuses: Vec<i32> = a.probe.iter().flat_map(|p| p.exit_codes()).collect();
    exit_statuses.sort_unstable();
    exit_statuses.dedup();
    let host = inside::Host {
        started: a.probe.as_ref().map(|p| p.runs > 0),
        exit_statuses,
        opened: &opened,
        found: &host_run.found,
        env_not_in_image: &host_only,
        files,
    };
    let inside = inside::Inside {
        ns,
        gate: ctx.gate.as_deref(),
        layer_blob: blob,
        binary: &bin.image.path,
        user: &bin.image.user,
        workdir: &bin.image.workdir,
        args: run.args,
        own_args: bin.image.args.as_ref().is_some_and(|a| !a.is_empty()),
        own_env: !bin.image.env.is_empty(),
        env: run.env,
    };
    inside::run(&inside, &probe, ctx.scratch, &host)
}

/// `--compare`: the image sizes of the static and the regular build, side by side.
fn comparison_rows(report: &mut Report) {
    let size = |path: &str, r: &Report| {
        r.artifacts
            .iter()
            .find(|a| a.path == path)
            .and_then(|a| a.image.as_ref())
            .map(|i| i.compressed_size as f64)
    };
    let rows: Vec<(usize, ComparedMetric)> = report
        .comparisons
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (s, r) = (size(&c.static_path, report), size(&c.regular_path, report));
            (s.is_some() || r.is_some()).then(|| (i, ComparedMetric::new("image_size", "B", s, r)))
        })
        .collect();
    for (i, m) in rows {
        report.comparisons[i].metrics.push(m);
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
