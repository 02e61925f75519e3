//! The cargo workspace: metadata, the packages selected and their binary targets.

use std::path::{Path, PathBuf};

use cargo_metadata::{CargoOpt, Metadata, MetadataCommand, Package, PackageId, TargetKind};

use crate::error::{Error, Result};
use crate::options::BuildOptions;

#[path = "workspace_inputs.rs"]
mod inputs;
pub use inputs::crate_inputs;

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
    /// Binaries left out as cargo leaves them out: their `required-features` are not all
    /// enabled (one line each, what to enable).
    pub skipped: Vec<String>,
}

impl Workspace {
    /// The features enabled for package `id` in this resolve; `None` when there is no resolve.
    pub fn enabled(&self, id: &PackageId) -> Option<Vec<String>> {
        enabled(&self.metadata, id)
    }

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
    // `--bins` takes every binary, also beside `--bin` names (which cargo then does not check).
    let wanted: &[String] = if opts.all_bins { &[] } else { &opts.bins };
    let (bins, skipped) = bin_targets(&packages, wanted, &|id| enabled(&metadata, id))?;
    Ok(Workspace {
        metadata,
        bins,
        skipped,
    })
}

/// The features enabled for package `id` in this resolve; `None` when there is no resolve.
fn enabled(metadata: &Metadata, id: &cargo_metadata::PackageId) -> Option<Vec<String>> {
    Some(
        node_of(metadata, id)?
            .features
            .iter()
            .map(|f| f.to_string())
            .collect(),
    )
}

/// Package `id`'s node in the resolve (its enabled features, its dependencies for the target
/// `--filter-platform` named); `None` when there is no resolve.
pub fn node_of<'a>(
    metadata: &'a Metadata,
    id: &cargo_metadata::PackageId,
) -> Option<&'a cargo_metadata::Node> {
    metadata
        .resolve
        .as_ref()?
        .nodes
        .iter()
        .find(|n| n.id == *id)
}

/// The `required-features` of a binary that its package's resolve does not enable. A feature
/// of a dependency (`dep/feature`) is not judged here: cargo's build says.
fn missing_features(required: &[String], enabled: Option<&[String]>) -> Vec<String> {
    let Some(enabled) = enabled else {
        return Vec::new();
    };
    required
        .iter()
        .filter(|f| !f.contains('/') && !enabled.iter().any(|e| e == *f))
        .cloned()
        .collect()
}

fn metadata_message(e: cargo_metadata::Error) -> String {
    match e {
        cargo_metadata::Error::CargoMetadata { stderr } => crate::diagnostics::cargo_error(&stderr),
        other => other.to_string(),
    }
}

fn matches_spec(p: &Package, spec: &str) -> bool {
    match spec.split_once('@') {
        Some((name, version)) => p.name.as_str() == name && p.version.to_string() == version,
        None => p.name.as_str() == spec,
    }
}

/// The members `-p SPEC` selects: a glob (as cargo: a spec with `*`, `?`, `[` or `]`) matches
/// member names; any other spec is a name, or `name@version`. None is an error naming the
/// members.
fn matching<'m>(members: &[&'m Package], spec: &str) -> Result<Vec<&'m Package>> {
    let glob = if spec.contains(['*', '?', '[', ']']) {
        Some(Glob::new(spec).map_err(|why| {
            Error::Usage(format!("package pattern `{spec}` is not a glob: {why}"))
        })?)
    } else {
        None
    };
    let found: Vec<&Package> = members
        .iter()
        .copied()
        .filter(|p| match &glob {
            Some(g) => g.matches(p.name.as_str()),
            None => matches_spec(p, spec),
        })
        .collect();
    if found.is_empty() {
        let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        let what = match glob {
            Some(_) => format!("package pattern `{spec}` matches no member of the workspace"),
            None => format!("package `{spec}` is not a member of the workspace"),
        };
        // As cargo: the nearest member, when one is close (QA ch F3: `-p zoxdie`).
        let known: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        let hint = match glob {
            Some(_) => None,
            None => crate::spelling::nearest(spec, &known),
        }
        .map_or_else(String::new, |n| format!("; did you mean `{n}`?"));
        return Err(Error::Usage(format!(
            "{what} (members: {}){hint}",
            names.join(", ")
        )));
    }
    Ok(found)
}

fn selected_packages<'m>(metadata: &'m Metadata, opts: &BuildOptions) -> Result<Vec<&'m Package>> {
    let members = metadata.workspace_packages();
    if opts.workspace {
        // As cargo: `--workspace` builds every member whatever `-p` says, but cargo still
        // refuses a `-p` that names no member.
        for spec in &opts.packages {
            matching(&members, spec)?;
        }
        return excluded(members, &opts.exclude);
    }
    if !opts.packages.is_empty() {
        // In the order of the specs; a package two specs select (`-p a -p 'a*'`) once, as cargo
        // builds it once. The specs go to `cargo build` as given: cargo matches globs the same way.
        let mut out: Vec<&Package> = Vec::new();
        for spec in &opts.packages {
            for p in matching(&members, spec)? {
                if !out.iter().any(|o| o.id == p.id) {
                    out.push(p);
                }
            }
        }
        return Ok(out);
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

/// The members no `--exclude SPEC` matches (a glob, a name or `name@version`, as `-p`). A spec
/// that matches nothing is no error: cargo warns of it in the build.
fn excluded<'m>(members: Vec<&'m Package>, specs: &[String]) -> Result<Vec<&'m Package>> {
    let mut globs = Vec::new();
    for spec in specs.iter().filter(|s| s.contains(['*', '?', '[', ']'])) {
        globs.push(Glob::new(spec).map_err(|why| {
            Error::Usage(format!("--exclude pattern `{spec}` is not a glob: {why}"))
        })?);
    }
    let left: Vec<&Package> = members
        .into_iter()
        .filter(|p| {
            !globs.iter().any(|g| g.matches(p.name.as_str()))
                && !specs.iter().any(|s| matches_spec(p, s))
        })
        .collect();
    if left.is_empty() {
        return Err(Error::Usage(
            "--exclude leaves no package of the workspace to check".into(),
        ));
    }
    Ok(left)
}

/// A glob over package names as cargo matches `-p` (the `glob` crate's `Pattern`, which cargo
/// uses): `*` any run of characters, `?` any one, `[abc]`, `[a-z]` one of a set, `[!abc]` one
/// not in it (a `]` first in a set is one of its characters). `**` is allowed only alone, as in
/// `glob` (where it spans path components, which names do not have).
#[derive(Debug)]
struct Glob(Vec<Token>);

#[derive(Debug, PartialEq)]
enum Token {
    Char(char),
    AnyChar,
    AnyRun,
    /// The ranges of a set (a single character is a range of one), and whether it is negated.
    Set(bool, Vec<(char, char)>),
}

impl Glob {
    fn new(pattern: &str) -> std::result::Result<Glob, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    let run = chars[i..].iter().take_while(|&&c| c == '*').count();
                    if run > 2 || (run == 2 && chars.len() > 2) {
                        return Err("`**` is only allowed alone".into());
                    }
                    tokens.push(Token::AnyRun);
                    i += run;
                }
                '?' => {
                    tokens.push(Token::AnyChar);
                    i += 1;
                }
                '[' => {
                    let negated = chars.get(i + 1) == Some(&'!');
                    let start = i + 1 + usize::from(negated);
                    // The first character of a set may be `]`: the closing one comes after it.
                    let end = (start + 1..chars.len())
                        .find(|&j| chars[j] == ']')
                        .ok_or("a `[` without its `]`")?;
                    tokens.push(Token::Set(negated, ranges(&chars[start..end])));
                    i = end + 1;
                }
                c => {
                    tokens.push(Token::Char(c));
                    i += 1;
                }
            }
        }
        Ok(Glob(tokens))
    }

    fn matches(&self, name: &str) -> bool {
        let (p, s): (&[Token], Vec<char>) = (&self.0, name.chars().collect());
        let (mut pi, mut si) = (0, 0);
        // Where the last `*` was, and where in the name its run ends for now: on a mismatch the
        // run takes one more character.
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            match p.get(pi) {
                Some(Token::AnyRun) => {
                    star = Some((pi, si));
                    pi += 1;
                }
                Some(t) if t.accepts(s[si]) => {
                    pi += 1;
                    si += 1;
                }
                _ => match star {
                    Some((sp, ss)) => {
                        star = Some((sp, ss + 1));
                        pi = sp + 1;
                        si = ss + 1;
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|t| *t == Token::AnyRun)
    }
}

impl Token {
    /// Whether this token (not `*`) takes character `c`.
    fn accepts(&self, c: char) -> bool {
        match self {
            Token::Char(x) => *x == c,
            Token::AnyChar => true,
            Token::AnyRun => false,
            Token::Set(negated, ranges) => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// `a-z0_` → `[(a, z), (0, 0), (_, _)]`; a `-` first or last is itself.
fn ranges(set: &[char]) -> Vec<(char, char)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == '-' {
            out.push((set[i], set[i + 2]));
            i += 3;
        } else {
            out.push((set[i], set[i]));
            i += 1;
        }
    }
    out
}

/// The binaries selected (all, or those `wanted` names); without names, a binary whose
/// `required-features` are not enabled is left out, as cargo leaves it out (QA ad: monolith's
/// `monolith-gui`, which needs `gui`, was warned of as not reported by cargo), and said.
fn bin_targets(
    packages: &[&Package],
    wanted: &[String],
    enabled: &dyn Fn(&cargo_metadata::PackageId) -> Option<Vec<String>>,
) -> Result<(Vec<BinTarget>, Vec<String>)> {
    let mut bins = Vec::new();
    let mut skipped = Vec::new();
    for p in packages {
        let features = enabled(&p.id);
        for t in &p.targets {
            if t.kind.contains(&TargetKind::Bin) && (wanted.is_empty() || wanted.contains(&t.name))
            {
                let missing = missing_features(&t.required_features, features.as_deref());
                if wanted.is_empty() && !missing.is_empty() {
                    let list: Vec<String> = missing.iter().map(|f| format!("`{f}`")).collect();
                    skipped.push(format!(
                        "`{}` is not built: it needs {} {} (`required-features`; `--features {}` \
                         builds it)",
                        t.name,
                        if missing.len() == 1 {
                            "feature"
                        } else {
                            "features"
                        },
                        list.join(", "),
                        missing.join(",")
                    ));
                    continue;
                }
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
            // As cargo: the nearest name, when one is close (QA cf F11: `--bin zoxid`).
            let known: std::collections::BTreeSet<&str> = packages
                .iter()
                .flat_map(|p| &p.targets)
                .filter(|t| t.kind.contains(&TargetKind::Bin))
                .map(|t| t.name.as_str())
                .collect();
            let hint = crate::spelling::nearest(w, &known)
                .map_or_else(String::new, |n| format!("; did you mean `{n}`?"));
            return Err(Error::Usage(format!(
                "no bin target named `{w}` in package(s) {}{hint}",
                names.join(", ")
            )));
        }
    }
    if bins.is_empty() && !skipped.is_empty() {
        return Err(Error::Usage(format!(
            "no binary of package(s) {} is built with these features: {}",
            names.join(", "),
            skipped.join("; ")
        )));
    }
    if bins.is_empty() {
        return Err(Error::Usage(format!(
            "no binary target in package(s) {}: cargo aotcheck checks executables \
             (add a `src/main.rs` or a `[[bin]]` target, or use `cargo aotcheck inspect FILE`)",
            names.join(", ")
        )));
    }
    Ok((bins, skipped))
}

#[cfg(test)]
#[path = "workspace_tests.rs"]
mod tests;
