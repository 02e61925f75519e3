//! A system library that a build script links, of which the linker kept nothing: a crate
//! pulled in for its build script's sake or for code the binary never calls (static-web-server's
//! libz-sys, through git2, which only its build script uses). The build script's
//! `rustc-link-lib=z` is then no evidence of a hazard in the binary: the finding is weakened,
//! as one without evidence is, and says why.

use object::read::archive::ArchiveFile;
use object::{Object as _, ObjectSymbol as _};

use super::evidence::Evidence;
use super::graph::Reached;
use crate::compile::BuildScriptRun;
use crate::compile::linked;
use crate::report::Finding;

/// Weaken `f` when nothing of any of `libs` (linked by the build scripts of `package` among
/// `scripts`) is in the binaries: the static binary, whose symbols are known, defines none of
/// each archive's global symbols, and the dynamic build (when there is one) does not need it.
/// With the dynamic build alone (`--link dynamic`), that it does not need it is enough (QA m:
/// hurl's openssl-sys and libz-sys, whose libraries only libcurl.so needs).
/// Returns whether it did: the finding's advice is then [`unused_advice`]'s.
pub(super) fn weaken(
    f: &mut Finding,
    (stat, dynamic): (Option<&Evidence>, Option<&Evidence>),
    (scripts, package): (&[&BuildScriptRun], &cargo_metadata::PackageId),
    libs: &[&String],
    target: &str,
) -> bool {
    // A static binary without symbols cannot say; with neither build, nothing can.
    if stat.is_some_and(|s| !s.has_symtab) || stat.is_none() && dynamic.is_none() {
        return false;
    }
    let own = scripts.iter().copied().filter(|s| s.package_id == *package);
    let search = linked::search_dirs(own, target);
    let mut said = Vec::new();
    for lib in libs {
        let so = format!("lib{lib}.so");
        if dynamic.is_some_and(|d| d.needed.iter().any(|n| n.starts_with(&so))) {
            return false;
        }
        let Some(stat) = stat else {
            said.push(format!(
                "the dynamic build does not need `{so}` (not among its DT_NEEDED: the build \
                 script links the library; the linker kept nothing of it)"
            ));
            continue;
        };
        let Some(archive) = linked::find_archive(lib, &search, true) else {
            return false;
        };
        let Some(kept) = kept_none(stat, &archive) else {
            return false;
        };
        let clashes = match kept.clashes {
            0 => String::new(),
            n => format!(
                "; {n} function{} of the binary share{} a name with one of them, not its \
                 size: other code's",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" },
            ),
        };
        said.push(format!(
            "nothing of `{}` is in the static binary: it defines none of the archive's {} \
             global symbols{clashes} (the build script links the library; the linker kept \
             none of it)",
            archive.display(),
            kept.names
        ));
    }
    if said.is_empty() {
        return false;
    }
    f.evidence.extend(said);
    f.severity = f.severity.lowered();
    true
}

/// The advice on a crate whose system library the linker kept nothing of, `r` reached among
/// `reached`: nothing to change for the binary; the crate costs the build only, and the feature
/// of the package's direct dependency that brings it in is named when there is one (QA bt F4:
/// static-web-server was told to enable libz-sys's `static`, to build zlib from source for a
/// binary that holds none of it; shadow-rs's default `git2` brings it).
pub(super) fn unused_advice(r: &Reached, reached: &[Reached]) -> String {
    let name = r.name();
    let lead = format!(
        "Nothing to change for the binary: the linker kept none of the library. {name} costs \
         the build only (its build script and the library it links on the build machine)"
    );
    // The package's direct dependency on the path, and the feature of it that turns the next
    // crate on: the one the package can set.
    let hop = (|| {
        let (direct, next) = (r.path.get(1)?, r.path.get(2)?);
        let d = reached.iter().find(|x| x.name() == direct)?;
        let (feature, by_default) = crate::advise::features::turning_on(d.package, next)?;
        Some((d, feature, by_default.is_some()))
    })();
    let root = r.path.first().map_or("the package", String::as_str);
    match hop {
        Some((d, feature, by_default)) => {
            // The same crate as a build-dependency builds its own copy for the build script
            // (QA bv F1: static-web-server's shadow-rs is in both tables).
            let build_too = reached.first().is_some_and(|p| {
                p.package.dependencies.iter().any(|x| {
                    x.kind == cargo_metadata::DependencyKind::Build
                        && crate::format::same_crate(&x.name, d.name())
                })
            });
            let also = match build_too {
                true => format!(
                    " (its `[build-dependencies]` entry builds {name} for the build script, \
                     not into the binary)"
                ),
                false => String::new(),
            };
            let how = match by_default {
                true => format!(
                    "`default-features = false` on `{}` in {root}'s `[dependencies]` (with the \
                     features it does use) leaves it out{also}",
                    d.name()
                ),
                false => format!("leaving that feature out leaves it out{also}"),
            };
            format!(
                "{lead}: it comes in through {}'s `{feature}` feature{}; if {root} does not use \
                 it, {how}.",
                d.name(),
                if by_default { ", on by default" } else { "" },
            )
        }
        None if r.path.len() == 2 => format!(
            "{lead}: {root} depends on it directly; if it does not use it, remove it from \
             `[dependencies]`."
        ),
        None => format!("{lead}: the dependency path shows what brings it in."),
    }
}

/// What the binary holds of an archive's global symbols: how many the archive (or the
/// archives its linker script names) defines, and how many of its functions' names the binary
/// defines with another size (another library's function of that name).
struct Kept {
    names: usize,
    clashes: usize,
}

/// [`Kept`] when the binary defines none of the archive's global functions with their name and
/// size; none when it defines one, or the archive cannot be read. The size tells a function
/// of the archive from a local one of the same name in other C code (QA ad, F3: aws-lc's
/// `bn_mul_normal` and 10 more, under monolith without OpenSSL): a static-pie binary's
/// symbols are local, so their binding cannot.
fn kept_none(stat: &Evidence, archive: &std::path::Path) -> Option<Kept> {
    let mut kept = Kept {
        names: 0,
        clashes: 0,
    };
    for a in linked::archives_of(archive) {
        let bytes = std::fs::read(&a).ok()?;
        let file = ArchiveFile::parse(&*bytes).ok()?;
        for member in file.members() {
            let data = member.ok()?.data(&*bytes).ok()?;
            let Ok(obj) = object::File::parse(data) else {
                continue;
            };
            for sym in obj.symbols().filter(|s| s.is_global() && s.is_definition()) {
                kept.names += 1;
                let Some(&size) = sym.name().ok().and_then(|n| stat.functions.get(n)) else {
                    continue;
                };
                if sym.kind() != object::SymbolKind::Text || size == sym.size() {
                    return None;
                }
                kept.clashes += 1;
            }
        }
    }
    (kept.names > 0).then_some(kept)
}
