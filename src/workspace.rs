//! The cargo workspace: metadata, the packages selected and their binary targets.

use std::path::{Path, PathBuf};

use cargo_metadata::{CargoOpt, Metadata, MetadataCommand, Package, PackageId, TargetKind};

use crate::error::{Error, Result};
use crate::options::BuildOptions;

#[derive(Debug, Clone)]
pub struct BinTarget {
    pub package: String,
    pub package_id: PackageId,
    /// The package's version.
    pub version: String,
    pub name: String,
}

pub struct Workspace {
    pub metadata: Metadata,
    pub bins: Vec<BinTarget>,
}

impl Workspace {
    pub fn root(&self) -> &Path {
        self.metadata.workspace_root.as_std_path()
    }

    pub fn target_directory(&self) -> PathBuf {
        self.metadata.target_directory.clone().into_std_path_buf()
    }

    /// The manifest cargo was pointed at: the root package's, else the workspace's.
    pub fn manifest(&self) -> PathBuf {
        self.metadata
            .root_package()
            .map(|p| p.manifest_path.clone().into_std_path_buf())
            .unwrap_or_else(|| self.root().join("Cargo.toml"))
    }
}

pub fn load(opts: &BuildOptions, cargo: &Path, target: &str) -> Result<Workspace> {
    if let Some(m) = opts.manifest_path.as_ref().filter(|m| !m.is_file()) {
        let inside = m.join("Cargo.toml");
        let why = if !m.is_dir() {
            "does not exist".to_string()
        } else if inside.is_file() {
            format!(
                "is a directory but expected a file (`{}` exists)",
                inside.display()
            )
        } else {
            "is a directory but expected a file (with no Cargo.toml in it)".to_string()
        };
        return Err(Error::Usage(format!(
            "manifest path `{}` {why}",
            m.display()
        )));
    }
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo);
    if let Some(m) = &opts.manifest_path {
        cmd.manifest_path(m);
    }
    if opts.all_features {
        cmd.features(CargoOpt::AllFeatures);
    }
    if opts.no_default_features {
        cmd.features(CargoOpt::NoDefaultFeatures);
    }
    if !opts.features.is_empty() {
        cmd.features(CargoOpt::SomeFeatures(opts.features.clone()));
    }
    let mut other = vec!["--filter-platform".to_string(), target.to_string()];
    for (on, flag) in [
        (opts.locked, "--locked"),
        (opts.frozen, "--frozen"),
        (opts.offline, "--offline"),
    ] {
        if on {
            other.push(flag.to_string());
        }
    }
    cmd.other_options(other);
    let metadata = cmd
        .exec()
        .map_err(|e| Error::Metadata(metadata_message(e)))?;
    let packages = selected_packages(&metadata, opts)?;
    let bins = bin_targets(&packages, &opts.bins)?;
    Ok(Workspace { metadata, bins })
}

fn metadata_message(e: cargo_metadata::Error) -> String {
    match e {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            stderr.trim().trim_start_matches("error: ").to_string()
        }
        other => other.to_string(),
    }
}

fn matches_spec(p: &Package, spec: &str) -> bool {
    match spec.split_once('@') {
        Some((name, version)) => p.name.as_str() == name && p.version.to_string() == version,
        None => p.name.as_str() == spec,
    }
}

fn selected_packages<'m>(metadata: &'m Metadata, opts: &BuildOptions) -> Result<Vec<&'m Package>> {
    let members = metadata.workspace_packages();
    if !opts.packages.is_empty() {
        let mut out = Vec::new();
        for spec in &opts.packages {
            let found: Vec<&Package> = members
                .iter()
                .copied()
                .filter(|p| matches_spec(p, spec))
                .collect();
            if found.is_empty() {
                let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
                return Err(Error::Usage(format!(
                    "package `{spec}` is not a member of the workspace (members: {})",
                    names.join(", ")
                )));
            }
            out.extend(found);
        }
        return Ok(out);
    }
    if opts.workspace {
        return Ok(members);
    }
    if let Some(root) = metadata.root_package() {
        return Ok(vec![root]);
    }
    let defaults = metadata.workspace_default_packages();
    Ok(if defaults.is_empty() {
        members
    } else {
        defaults
    })
}

fn bin_targets(packages: &[&Package], wanted: &[String]) -> Result<Vec<BinTarget>> {
    let mut bins = Vec::new();
    for p in packages {
        for t in &p.targets {
            if t.kind.contains(&TargetKind::Bin) && (wanted.is_empty() || wanted.contains(&t.name))
            {
                bins.push(BinTarget {
                    package: p.name.to_string(),
                    package_id: p.id.clone(),
                    version: p.version.to_string(),
                    name: t.name.clone(),
                });
            }
        }
    }
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    for w in wanted {
        if !bins.iter().any(|b| b.name == *w) {
            return Err(Error::Usage(format!(
                "no bin target named `{w}` in package(s) {}",
                names.join(", ")
            )));
        }
    }
    if bins.is_empty() {
        return Err(Error::Usage(format!(
            "no binary target in package(s) {}: cargo aotcheck checks executables \
             (add a `src/main.rs` or a `[[bin]]` target, or use `cargo aotcheck inspect FILE`)",
            names.join(", ")
        )));
    }
    Ok(bins)
}
