//! AOT009: strings of the binary that name paths of the build host (target dirs, the
//! workspace, `$CARGO_HOME`), each put on the crate whose build script's output folder or
//! registry source it points into, else on the package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_metadata::PackageId;

use super::canonical;
use super::findings::{Ctx, finding_on};
use super::rules::Rule;
use crate::report::{Finding, LinkMode};

impl Ctx<'_, '_> {
    /// AOT009: build-host paths, each attributed to the crate whose `OUT_DIR` or registry
    /// source folder it points into, else to the package. A proc-macro is never the owner:
    /// no trigger of this rule says it expands into such a path, so the package owns it.
    pub(super) fn host_paths(&self, rule: &Rule) -> Vec<Finding> {
        let mut by_crate: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        // Each build script's output folder, resolved once (not once per path found).
        let out_dirs: Vec<(PathBuf, &PackageId)> = self
            .scripts
            .iter()
            .filter_map(|s| Some((canonical(s.out_dir.parent()?), &s.package_id)))
            .collect();
        for e in [&self.ev.stat, &self.ev.dynamic].into_iter().flatten() {
            let kind = e.link.map_or("", LinkMode::as_str);
            for h in &e.host_paths {
                let who = self.owner_of_path(&h.text, &out_dirs).unwrap_or(0);
                let line = format!("`{}` in {} of the {kind} binary", h.text, h.section);
                let v = by_crate.entry(who).or_default();
                if !v.iter().any(|x| x.starts_with(&format!("`{}`", h.text))) {
                    v.push(line);
                }
            }
        }
        for (i, r) in self.reached.iter().enumerate().skip(1) {
            let triggered = rule
                .triggers
                .iter()
                .any(|t| t.matches(r.name(), &r.features, false));
            if triggered && !r.proc_macro {
                by_crate.entry(i).or_default();
            }
        }
        by_crate
            .into_iter()
            .filter_map(|(i, evidence)| {
                let r = self.reached.get(i)?;
                let mut f = finding_on(rule, r);
                if evidence.iter().any(|e| openssl_loader_dir(e)) {
                    f.advice = OPENSSL_DIRS.into();
                }
                f.evidence = evidence;
                self.weaken_if_unproved(&mut f);
                Some(f)
            })
            .collect()
    }

    /// The index in `reached` of the crate a host path belongs to: the package of the build
    /// script whose output folder (`out_dirs`, resolved) holds it, or of the registry source.
    fn owner_of_path(&self, text: &str, out_dirs: &[(PathBuf, &PackageId)]) -> Option<usize> {
        for (dir, package) in out_dirs {
            if Path::new(text).starts_with(dir) || text.starts_with(dir.to_str()?) {
                return self.reached.iter().position(|r| r.package.id == **package);
            }
        }
        // `$CARGO_HOME/registry/src/<index>/<name>-<version>/...`
        let rest = text.split("/registry/src/").nth(1)?;
        let dir = rest.split('/').nth(1)?;
        self.reached
            .iter()
            .position(|r| !r.proc_macro && dir == format!("{}-{}", r.name(), r.package.version))
    }
}

/// Whether an evidence line names the folder a vendored OpenSSL loads engines or provider
/// modules from (its `ENGINESDIR`, `MODULESDIR`: `<install>/lib/engines-3`, `.../ossl-modules`).
fn openssl_loader_dir(line: &str) -> bool {
    line.contains("/lib/engines-") || line.contains("/lib/ossl-modules")
}

/// The advice for a vendored OpenSSL's engine and module folders (QA db F5: gitui's finding
/// was told of certificates, `SSL_CERT_FILE`, which these paths have nothing to do with).
const OPENSSL_DIRS: &str = "These are the folders a vendored OpenSSL loads engines and \
     provider modules from (ENGINESDIR, MODULESDIR of its build), only when asked to \
     (`ENGINE_by_id`, `OSSL_PROVIDER_load` of a module, an `openssl.cnf` that names one); its \
     certificates are not found through them. If nothing is ever loaded, allow the finding with \
     a reason (an OpenSSL built `no-dso`, openssl-src's `no-dso` feature, loads nothing); \
     otherwise point `OPENSSL_ENGINES`/`OPENSSL_MODULES` at a folder that exists where the \
     binary runs.";

#[cfg(test)]
mod tests {
    #[test]
    fn a_vendored_openssls_loader_folders_are_told_apart() {
        let install = "/t/release/build/openssl-sys-1/out/openssl-build/install";
        assert!(super::openssl_loader_dir(&format!(
            "`{install}/lib/ossl-modules` in .rodata of the static binary"
        )));
        assert!(super::openssl_loader_dir(&format!(
            "`{install}/lib/engines-3` in .rodata"
        )));
        assert!(!super::openssl_loader_dir(
            "`/t/release/build/a-1/out/g.txt` in .rodata"
        ));
    }
}
