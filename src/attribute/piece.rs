//! The crate of one piece of the byte map, from its symbol's name: the archive that defines
//! it, the crate its mangled name says, or for C code the archive member its source file or
//! local name points at.

use super::coverage::{Owner, Piece};
use super::demangle::{self, Origin};
use super::{Attr, CrateIndex, Interner, NONE, c_prefix};
use crate::report::Confidence;

/// Which v0-mangled symbols are the sysroot's (std's own copies of gimli, addr2line,
/// rustc_demangle, miniz_oxide, memchr, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum V0 {
    /// Those under the crate root of a sysroot archive's symbols (a build's index); with
    /// `legacy` (the binary's own Rust is legacy-mangled), also those under a crate root no
    /// archive of the build lists: std's private copies, whose symbols are in no archive index
    /// (QA bz F1: under fat LTO, 72 KiB of std's gimli, addr2line, rustc_demangle and
    /// miniz_oxide went to the program's crates of those names).
    SysrootRoots { legacy: bool },
    /// All of them: the sysroot's archives were not read (`inspect FILE`), and the binary's
    /// own Rust code is legacy-mangled, rustc's default, while the prebuilt standard library
    /// is v0-mangled (QA k: `inspect` showed std's gimli, addr2line and rustc_demangle as
    /// crates of the program's, gimli split between `std` and `gimli`).
    Sysroot,
    /// Neither can be told (no index, and no legacy-mangled Rust symbol: everything is v0).
    Unknown,
}

/// What the binary as a whole says about its pieces' crates.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hints {
    pub v0: V0,
    /// All its Rust code is one crate's codegen unit: fat LTO merged std's and every crate's
    /// code into the program's, so a codegen unit names no crate generic code was
    /// instantiated in (QA l: std's non-generic `lookup_host` read as instantiated in the
    /// program, and its `getaddrinfo` stayed on dirs-sys's finding). compiler_builtins is
    /// `no_builtins`, never part of LTO: its codegen units (`fmod`, `__udivti3` in a dynamic
    /// link) do not count (QA z, Z2: tspin's clap_builder read as instantiated in tspin).
    pub merged: bool,
    /// The binary has OpenSSL's own names (`OPENSSL_`, `ossl_`, `OSSL_`: every OpenSSL since
    /// 1.1 has `OPENSSL_init_crypto`): only then do its shorter prefixes (`ERR_`, `BN_`,
    /// `EC_`) name openssl-sys (QA bl F1: zstd's `ERR_getErrorString` in a build with no
    /// OpenSSL was openssl_sys's).
    pub openssl: bool,
    /// Whether the binary has a Rust symbol: a `-sys` crate's prefix names C code only in a
    /// Rust program (QA dj F7: the system's `libz.so`, qemu's `crc32c` and ASan's
    /// `crc32_table` were `libz_sys`'s, node's OpenSSL `openssl_sys`'s).
    pub rust: bool,
}

impl Hints {
    pub(super) fn of(layout: &super::coverage::Layout, index: Option<&CrateIndex>) -> Hints {
        let mut crates = layout
            .files
            .iter()
            .filter_map(|f| match demangle::origin(f) {
                Some(Origin::Crate(k)) if k != "compiler_builtins" => Some(k),
                _ => None,
            });
        let first = crates.next();
        let merged = first.is_some() && crates.all(|k| Some(k) == first);
        let openssl = layout.pieces.iter().any(
            |p| matches!(p.owner, Owner::Symbol { name, .. } if c_prefix::is_openssl_own(name)),
        );
        // One scan of the legacy names (C++'s `_ZN…` too, which are long to rule out), then
        // the v0 ones, which a byte or two tells.
        let named = |prefix: &'static [u8]| {
            move |p: &Piece| {
                matches!(p.owner, Owner::Symbol { name, .. }
                    if name.starts_with(prefix) && demangle::is_rust(name))
            }
        };
        let legacy = layout.pieces.iter().any(named(b"_ZN"));
        let rust = legacy || layout.pieces.iter().any(named(b"_R"));
        Hints {
            v0: V0::of(legacy, index),
            merged,
            openssl,
            rust,
        }
    }
}

impl V0 {
    /// `legacy`: whether the binary has a legacy-mangled Rust name.
    fn of(legacy: bool, index: Option<&CrateIndex>) -> V0 {
        if index.is_some_and(CrateIndex::knows_sysroot) {
            return V0::SysrootRoots { legacy };
        }
        if legacy { V0::Sysroot } else { V0::Unknown }
    }
}

/// The crate of one piece: the archive that defines its symbol (exact), the crate its mangled
/// name says, or for C code the archive member its source file or local name points at.
pub(super) fn attribute_piece(
    p: &Piece,
    files: &[&[u8]],
    index: Option<&CrateIndex>,
    hints: Hints,
    names: &mut Interner,
    buf: &mut String,
) -> Attr {
    let Owner::Symbol { name, file, .. } = p.owner else {
        return attr(NONE, Confidence::Unattributed, NONE);
    };
    let origin = files.get(file as usize).and_then(|f| demangle::origin(f));
    // `DW.ref.X`: the unwind tables' cell that holds X's address, one 8-byte copy kept by the
    // linker of the many that crates' objects define (every rlib defines
    // `DW.ref.rust_eh_personality`): the crate of X, not of whichever archive the index met
    // first (QA r: a 32-byte row of aho_corasick, whose code had all left the binary).
    if let Some(held) = name.strip_prefix(b"DW.ref.")
        && let Some(x) = index.and_then(|i| i.lookup(held))
    {
        return attr(
            names.intern(&x.name, x.sysroot),
            Confidence::Heuristic,
            NONE,
        );
    }
    match (
        index.and_then(|i| i.lookup_sized(name, p.end - p.addr)),
        demangle::crate_of(name, buf),
    ) {
        (Some(x), Some((m, c)))
            if m.as_str() != x.name
                && (c == Confidence::Mangled
                    || (c == Confidence::Heuristic && demangle::is_legacy_impl_method(name))) =>
        {
            // Generic code of `m` instantiated in `x`'s rlib: std's own copy of `m` when `x`
            // is the sysroot's, or when only the sysroot has a crate `m` (QA y: std's
            // hashbrown, behind a `HashMap` in a dependency, was a crate row of its own).
            // A trait method's `<A as B>::f` names its crate by a guess (`Heuristic`), and is
            // said so: the archive's crate alone took toml's `<TableDeserializer as
            // Deserializer>::deserialize_any` for tokei's, exact, beside a sibling row read
            // as toml's, instantiated in tokei (QA al F2).
            let std_m = x.sysroot
                || demangle::is_std_crate(m.as_str())
                || index.is_some_and(|i| i.is_sysroot_crate(m.as_str()));
            let k = names.intern(m.as_str(), std_m);
            attr(k, c, names.intern(&x.name, x.sysroot))
        }
        (Some(x), _) => {
            // A local C symbol that another crate's archive defines as a static, in a member
            // of the symbol's source file: that crate's static, which only shares its name
            // with `x`'s global (aws-lc's `bcm.c` `ecp_nistz256_precomputed` beside system
            // libcrypto's global one, QA i). Both must say so: an object without `STT_FILE`
            // symbols (glibc's, under LTO) takes its neighbour's source file.
            if let (Some(Origin::Source(stem)), Some(i)) = (origin, index)
                && let Some(y) = i.lookup_local(name).filter(|y| y.name != x.name)
                && i.has_source(stem, y)
            {
                return attr(
                    names.intern(&y.name, y.sysroot),
                    Confidence::Heuristic,
                    NONE,
                );
            }
            let confidence = match index.is_some_and(CrateIndex::is_names_only) {
                true => Confidence::Heuristic,
                false => Confidence::Exact,
            };
            attr(names.intern(&x.name, x.sysroot), confidence, NONE)
        }
        (None, Some((m, c))) => by_name(m.as_str(), c, name, origin, index, hints, names),
        // A C symbol: the source file before it names the archive member, when the object had
        // `STT_FILE` symbols (one without them inherits its neighbour's, so a Rust codegen unit
        // says nothing about C symbols).
        (None, None) => c_symbol(name, origin, index, hints, names),
    }
}

fn attr(krate: u32, confidence: Confidence, inst: u32) -> Attr {
    Attr {
        krate,
        confidence,
        inst,
    }
}

/// The crate of a Rust symbol no archive defines: the crate `m` its name says (with
/// confidence `c`), std's when the sysroot has it, and the codegen unit that instantiated it.
fn by_name(
    m: &str,
    c: Confidence,
    name: &[u8],
    origin: Option<Origin>,
    index: Option<&CrateIndex>,
    hints: Hints,
    names: &mut Interner,
) -> Attr {
    // Generic code instantiated in the standard library is the standard library's own
    // (its private copies of gimli, hashbrown, ...).
    let sysroot =
        |k: &str| demangle::is_std_crate(k) || index.is_some_and(|i| i.is_sysroot_crate(k));
    let in_std = matches!(origin, Some(Origin::Crate(cu)) if sysroot(cu));
    // Under LTO the codegen unit is the program's, but a crate only the sysroot has
    // (std's gimli, addr2line, rustc_demangle when the build has none) is std's still.
    // std's own copy of a crate the build has too: its v0 crate root is the sysroot's
    // (QA j: std's memchr `find_sse2`, local, went to the build's memchr).
    let v0_std = || match hints.v0 {
        V0::SysrootRoots { legacy } => index.is_some_and(|i| {
            i.is_sysroot_v0(name) || (legacy && name.starts_with(b"_R") && !i.is_build_v0(name))
        }),
        V0::Sysroot => name.starts_with(b"_R"),
        V0::Unknown => false,
    };
    let k = names.intern(m, in_std || sysroot(m) || v0_std());
    match origin {
        // Compiled in its own crate's codegen unit.
        Some(Origin::Crate(cu)) if cu == m => attr(k, Confidence::Exact, NONE),
        // Generic code of `m` instantiated in the codegen unit of `cu`.
        Some(Origin::Crate(cu)) if !hints.merged => attr(k, c, names.intern(cu, in_std)),
        _ => attr(k, c, NONE),
    }
}

/// The crate of a C symbol: the archive member that defines it as a local, else the one its
/// source file names (not when the name is local to several).
fn c_symbol(
    name: &[u8],
    origin: Option<Origin>,
    index: Option<&CrateIndex>,
    hints: Hints,
    names: &mut Interner,
) -> Attr {
    let ambiguous = index.is_some_and(|i| i.local_is_ambiguous(name));
    let names_only = index.is_some_and(CrateIndex::is_names_only);
    // Matched by name alone, a static after the `STT_FILE` of a source no member of libc.a
    // was compiled from is not glibc's (QA cm F4: oniguruma's `init` of ascii.c was
    // `[libc]`'s, as glibc's fmtmsg.o has a static `init`). Not libgcc's or libstdc++'s:
    // their objects' statics may follow another file's `STT_FILE`.
    let local = index
        .and_then(|i| i.lookup_local(name))
        .filter(|x| match (origin, index) {
            (Some(Origin::Source(stem)), Some(i)) if names_only && x.name == super::LIBC => {
                i.has_source(stem, x)
            }
            _ => true,
        });
    // Without the build's archives only this machine's C library has files to match, and a
    // `-sys` crate's file of the same name is no glibc's: libgit2's `regexp.c`, `clone.c`
    // and `socket.c`, OpenSSL's and aws-lc's `err.c` were `[libc]`'s (QA be F3, bi F3), and
    // the code they call with them. glibc's own local names are matched above; a prefix the
    // crate's library puts on its names says the rest.
    let source = || match origin {
        Some(Origin::Source(stem)) if !ambiguous && !names_only => {
            index.and_then(|i| i.lookup_source(stem))
        }
        _ => None,
    };
    let prefix = hints
        .rust
        .then(|| c_prefix::crate_of(name, hints.openssl))
        .flatten();
    // A static that one crate's archives alone define, after a source file of that crate's
    // archive: defined there, as an exported symbol of its archive is (QA bu F5: all of
    // oniguruma's statics, each in the member of its file, read `heuristic`).
    let confirmed = local.filter(|x| match (origin, index) {
        (Some(Origin::Source(stem)), Some(i)) if !ambiguous && !names_only => i.has_source(stem, x),
        _ => false,
    });
    if let Some(x) = confirmed {
        return attr(names.intern(&x.name, x.sysroot), Confidence::Exact, NONE);
    }
    let found = local.or_else(source);
    match (found, prefix) {
        (Some(x), _) => attr(
            names.intern(&x.name, x.sysroot),
            Confidence::Heuristic,
            NONE,
        ),
        // No archive says: a prefix that a `-sys` crate's C library puts on its names.
        (None, Some(k)) => attr(names.intern(k, false), Confidence::Heuristic, NONE),
        (None, None) => attr(NONE, Confidence::Unattributed, NONE),
    }
}
