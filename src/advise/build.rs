//! One variant's build: cargo in the shared target dir, then each binary copied to the
//! variant's own folder (`advise/<profile>/<selection>/<variant>/<package>/<binary>`, kept
//! between runs: the next variant's build overwrites cargo's copy) and inspected there.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::compile::{self, Built, Variation};
use crate::error::{Error, Result};
use crate::options::BuildOptions;
use crate::output::Output;
use crate::plan::{BinPlan, Plan};
use crate::report::{Binary, Measured, Variant, VariantStatus};

/// A variant that built.
pub struct Made {
    pub seconds: f64,
    /// Units cargo compiled (the rest were fresh).
    pub compiled: usize,
    /// Per binary asked for, in that order: its copy and what inspect read from it; `None`
    /// when cargo did not report it.
    pub bins: Vec<Option<(PathBuf, Binary)>>,
    /// Per binary asked for: the features of its package cargo built it with.
    pub features: Vec<Vec<String>>,
    /// What cargo built, one per cargo run (for the attribution's crate index).
    pub builds: Vec<Built>,
}

pub enum Outcome {
    Made(Made),
    /// Cargo ran and failed: its first error line.
    Failed {
        first_error: Option<String>,
        error: Error,
    },
}

/// The shared cargo target dir of every variant (see README: what shares a target dir).
pub fn cargo_dir(plan: &Plan) -> PathBuf {
    plan.dirs.advise.join("cargo")
}

/// Build `bins` with `opts` changed by `variation`, copy each to the variant's folder `slug`.
/// Flags for the final unit alone need one `cargo rustc` per binary.
pub fn make(
    plan: &Plan,
    opts: &BuildOptions,
    bins: &[&BinPlan],
    variation: &Variation,
    slug: &str,
    out: &mut Output,
) -> Result<Outcome> {
    let started = Instant::now();
    let per_bin: Vec<BuildOptions> = if variation.final_unit.is_empty() {
        vec![opts.clone()]
    } else {
        bins.iter()
            .map(|b| BuildOptions {
                packages: vec![b.target.package.clone()],
                workspace: false,
                bins: vec![b.target.name.clone()],
                ..opts.clone()
            })
            .collect()
    };
    let mut builds = Vec::new();
    for o in &per_bin {
        match compile::build_variant(plan, o, &cargo_dir(plan), variation, out)? {
            Ok(built) => builds.push(built),
            Err(f) => {
                return Ok(Outcome::Failed {
                    first_error: f.first_error,
                    error: f.error,
                });
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut found = Vec::new();
    let mut features = Vec::new();
    for bin in bins {
        let Some(b) = builds.iter().find_map(|built| built.binary(&bin.target)) else {
            found.push(None);
            features.push(Vec::new());
            continue;
        };
        features.push(b.features.clone());
        let copy = plan
            .dirs
            .advise
            .join(&plan.options.profile)
            .join(selection(opts))
            .join(slug)
            .join(&bin.target.package)
            .join(&bin.target.name);
        keep(&b.path, &copy)?;
        found.push(Some((copy.clone(), crate::inspect::inspect_path(&copy)?)));
    }
    Ok(Outcome::Made(Made {
        seconds,
        compiled: builds.iter().map(|b| b.compiled).sum(),
        bins: found,
        features,
        builds,
    }))
}

/// Keep a copy of `from` as `to` (a copy, not a link: whatever a later build does to cargo's
/// file, this variant's bytes stay). Copied under a temporary name and renamed, so that a
/// reader, or a second run on the same target dir, never sees half a binary.
fn keep(from: &Path, to: &Path) -> Result<()> {
    let dir = to.parent().unwrap_or(Path::new("."));
    let write = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write(dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".aotcheck-variant.")
        .tempfile_in(dir)
        .map_err(write(dir))?;
    let mut src = std::fs::File::open(from).map_err(|e| Error::io(from, e))?;
    std::io::copy(&mut src, tmp.as_file_mut()).map_err(write(to))?;
    let mode = std::fs::metadata(from)
        .map_err(|e| Error::io(from, e))?
        .permissions();
    tmp.as_file().set_permissions(mode).map_err(write(to))?;
    tmp.persist(to).map_err(|e| Error::Write {
        path: to.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// The folder of the features and target the run builds with: `default`, or e.g.
/// `no-default-features+nix-dev`, `x86_64-unknown-linux-musl+all-features` (a long one cut,
/// with a hash of it). A run with other features keeps its variants apart (QA cf F3: a
/// `--features nix-dev` run overwrote the binaries an earlier report's `path` named).
pub fn selection(opts: &BuildOptions) -> String {
    let mut features = opts.features.clone();
    features.sort();
    features.dedup();
    let parts: Vec<String> = opts
        .target
        .iter()
        .cloned()
        .chain(
            opts.no_default_features
                .then(|| "no-default-features".into()),
        )
        .chain(opts.all_features.then(|| "all-features".into()))
        .chain(features)
        .collect();
    if parts.is_empty() {
        return "default".into();
    }
    let name = slug(&parts.join("+").replace('+', "PLUS")).replace("PLUS", "+");
    if name.len() <= 60 {
        return name;
    }
    use sha2::Digest;
    let d = sha2::Sha256::digest(name.as_bytes());
    let hash: String = d.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", &name[..48])
}

/// `lto=fat` → `lto-fat`: a folder name.
pub fn slug(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The variant's figures for the `i`-th binary it was built for.
pub(super) fn fill(v: &mut Variant, outcome: &Outcome, i: usize) {
    match outcome {
        Outcome::Made(m) => {
            v.status = VariantStatus::Measured;
            record(&mut v.measured, m.bins.get(i).and_then(Option::as_ref), m);
        }
        Outcome::Failed { first_error, error } => {
            v.status = VariantStatus::Failed;
            v.error = Some(first_error.clone().unwrap_or_else(|| error.to_string()));
        }
    }
}

pub(super) fn record(m: &mut Measured, found: Option<&(PathBuf, Binary)>, made: &Made) {
    m.build_seconds = Some(made.seconds);
    m.compiled_units = Some(made.compiled);
    if let Some((path, binary)) = found {
        m.path = Some(path.display().to_string());
        m.file_size = Some(binary.file_size);
        m.stripped_size = binary.stripped_size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA cf F3: the variants of runs with other features are kept apart.
    #[test]
    fn each_selection_of_features_has_its_folder() {
        let opts = |features: &[&str], no_default: bool| BuildOptions {
            features: features.iter().map(|f| f.to_string()).collect(),
            no_default_features: no_default,
            ..BuildOptions::default()
        };
        assert_eq!(selection(&opts(&[], false)), "default");
        assert_eq!(selection(&opts(&["nix-dev"], false)), "nix-dev");
        assert_eq!(
            selection(&opts(&["b", "a/x", "a/x"], true)),
            "no-default-features+a-x+b"
        );
        let long: Vec<String> = (0..20).map(|i| format!("feature{i}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let s = selection(&opts(&long, false));
        assert_eq!(s.len(), 57, "{s}");
        assert_ne!(s, selection(&opts(&long[..19], false)));
    }

    #[test]
    fn slugs_are_folder_names() {
        assert_eq!(slug("lto=fat"), "lto-fat");
        assert_eq!(slug("relocation-model=static"), "relocation-model-static");
        assert_eq!(slug("without-a.b+c"), "without-a-b-c");
    }

    #[test]
    fn kept_copy_survives_the_original_being_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        let kept = dir.path().join("v/p/a");
        std::fs::write(&a, b"first").expect("write");
        keep(&a, &kept).expect("keep");
        std::fs::write(&a, b"second").expect("write");
        assert_eq!(std::fs::read(&kept).expect("read"), b"first");
        keep(&a, &kept).expect("keep again");
        assert_eq!(std::fs::read(&kept).expect("read"), b"second");
    }
}
