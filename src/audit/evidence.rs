//! What a built binary proves: facts read once from its memory-mapped file.
//!
//! See FIELD-NOTES "Evidence in a binary": a static binary's `dlopen` proves nothing (std links
//! it into every static binary), nor do `.gnu.warning.*` sections or their
//! `__evoke_link_warning_*` symbols; NSS and iconv functions are removed by section GC when
//! unused, so their presence does prove something. A dynamic build's imports are exact.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use goblin::elf::{
    Elf,
    section_header::{SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS},
    sym,
};

use crate::error::Result;
use crate::inspect::Mapped;
use crate::report::LinkMode;

/// `.init_array` entries of a plain std binary: std's own (its argument setup) and the C
/// runtime's (crtbegin's `frame_dummy`).
pub const STD_INIT_ARRAY: u64 = 2;

/// A string found in an allocated section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub text: String,
    pub section: String,
}

#[derive(Debug, Default)]
pub struct Evidence {
    pub link: Option<LinkMode>,
    /// False when the file has no `.symtab` (stripped) and no analysis link names its code:
    /// symbol evidence is then unavailable.
    pub has_symtab: bool,
    /// `functions` are named by the binary's analysis link (the binary itself is stripped).
    pub symbols_borrowed: bool,
    /// Defined functions by name, with their size in bytes (any binding: static-pie symbols
    /// are mostly local). Two of one name are one entry, the larger size kept.
    pub functions: BTreeMap<String, u64>,
    /// Undefined dynamic symbols with their version, e.g. `dlopen@GLIBC_2.34`.
    pub imports: Vec<String>,
    pub needed: Vec<String>,
    /// The file names a program interpreter (`PT_INTERP`): something loads `needed`.
    pub interpreter: bool,
    pub init_array: u64,
    /// Section names starting with `linkme_`.
    pub linkme: Vec<String>,
    /// `OPENSSLDIR: "..."` values.
    pub openssldir: Vec<String>,
    /// Strings that start with a build-host path (see [`read`]'s `host_prefixes`).
    pub host_paths: Vec<Found>,
}

impl Evidence {
    /// How many function symbols belong to the Rust crate `krate` (legacy `_ZN` and v0 `_R`
    /// manglings both spell the crate as `<len><ident>`), and a readable example.
    pub fn crate_code(&self, krate: &str) -> (usize, Option<String>) {
        let ident = krate.replace('-', "_");
        let needle = format!("{}{ident}", ident.len());
        let direct = format!("_ZN{needle}");
        let mut count = 0;
        let mut example: Option<&String> = None;
        for f in self.functions.keys() {
            if !(f.starts_with("_ZN") || f.starts_with("_R")) {
                continue;
            }
            let hit = f.match_indices(&needle).any(|(i, _)| {
                // The length prefix fixes where the name ends; it must also start there.
                let before = f.as_bytes().get(i.wrapping_sub(1)).copied();
                before.is_some_and(|b| !b.is_ascii_digit())
            });
            if hit {
                count += 1;
                if example.is_none_or(|e| !e.starts_with(&direct) && f.starts_with(&direct)) {
                    example = Some(f);
                }
            }
        }
        (
            count,
            example.map(|e| demangle_legacy(e).unwrap_or_else(|| e.clone())),
        )
    }
}

/// `_ZN10libloading4util3foo17h0123456789abcdefE` → `libloading::util::foo`.
fn demangle_legacy(s: &str) -> Option<String> {
    let mut rest = s.strip_prefix("_ZN")?;
    let mut parts = Vec::new();
    while !rest.starts_with('E') {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let len: usize = rest.get(..digits)?.parse().ok()?;
        let part = rest.get(digits..digits + len)?;
        rest = rest.get(digits + len..)?;
        parts.push(part);
    }
    if parts
        .last()
        .is_some_and(|p| p.len() == 17 && p.starts_with('h'))
    {
        parts.pop();
    }
    Some(parts.join("::"))
}

/// Read the facts of the ELF file at `path`. `host_prefixes`: build-host directories (target
/// dirs, workspace root, `$CARGO_HOME`) whose appearance in the binary is evidence; the first
/// `target_dirs` of them are target directories. `symbols_from`: the analysis link the graph
/// stage matched to a stripped binary (same sections, same bytes): its functions are the
/// binary's.
pub fn read(
    path: &Path,
    link: LinkMode,
    host_prefixes: &[(PathBuf, bool)],
    symbols_from: Option<&Path>,
) -> Result<Evidence> {
    let mapped = Mapped::open(path)?;
    let bytes = mapped.bytes();
    // PE and Mach-O files have no evidence kinds of ours yet: an empty record, not an error.
    // An ELF file with a non-UTF-8 name is read as `inspect` reads it (`names::with_elf`).
    let read =
        crate::inspect::names::with_elf(bytes, |elf| of_elf(elf, bytes, link, host_prefixes));
    let mut ev = read.unwrap_or_else(|_| Evidence {
        link: Some(link),
        ..Evidence::default()
    });
    if let Some(other) = symbols_from.filter(|_| !ev.has_symtab)
        && let Ok(m) = Mapped::open(other)
        && let Ok(functions) = crate::inspect::names::with_elf(m.bytes(), functions)
        && !functions.is_empty()
    {
        ev.functions = functions;
        ev.has_symtab = true;
        ev.symbols_borrowed = true;
    }
    Ok(ev)
}

/// The functions a file defines, by name, with their sizes (see [`Evidence::functions`]).
fn functions(elf: &Elf) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for s in elf.syms.iter() {
        if s.st_type() != sym::STT_FUNC || s.st_shndx == 0 {
            continue;
        }
        if let Some(name) = elf.strtab.get_at(s.st_name) {
            let size = out.entry(name.to_string()).or_insert(0);
            *size = s.st_size.max(*size);
        }
    }
    out
}

/// The facts of a parsed ELF file (see [`read`]).
fn of_elf(elf: &Elf, bytes: &[u8], link: LinkMode, host_prefixes: &[(PathBuf, bool)]) -> Evidence {
    let mut ev = Evidence {
        link: Some(link),
        has_symtab: !elf.syms.is_empty(),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        interpreter: elf.interpreter.is_some(),
        ..Evidence::default()
    };
    ev.functions = functions(elf);
    let versym = elf.versym.as_ref();
    let version_names = version_names(elf);
    for (i, s) in elf.dynsyms.iter().enumerate() {
        if !s.is_import() {
            continue;
        }
        let Some(name) = elf.dynstrtab.get_at(s.st_name).filter(|n| !n.is_empty()) else {
            continue;
        };
        let version = versym
            .and_then(|v| v.get_at(i))
            .and_then(|v| version_names.iter().find(|(idx, _)| *idx == v.version()))
            .map(|(_, n)| n.as_str());
        ev.imports.push(match version {
            Some(v) => format!("{name}@{v}"),
            None => name.to_string(),
        });
    }
    let ptr = if elf.is_64 { 8 } else { 4 };
    for sh in &elf.section_headers {
        let name = elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("");
        if name == ".init_array" {
            ev.init_array = sh.sh_size / ptr;
        }
        if name.starts_with("linkme_") {
            ev.linkme.push(name.to_string());
        }
        // Data the program can read at run time: allocated, with bytes, not code.
        let alloc = sh.sh_flags & u64::from(SHF_ALLOC) != 0;
        let code = sh.sh_flags & u64::from(SHF_EXECINSTR) != 0;
        if !alloc || code || sh.sh_type == SHT_NOBITS || name.starts_with(".gnu.warning") {
            continue;
        }
        let start = usize::try_from(sh.sh_offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(sh.sh_size).unwrap_or(0));
        let Some(data) = bytes.get(start..end) else {
            continue;
        };
        scan_strings(data, name, host_prefixes, &mut ev);
    }
    ev
}

fn version_names(elf: &Elf) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    if let Some(verneed) = elf.verneed.as_ref() {
        for need in verneed.iter() {
            for aux in need.iter() {
                if let Some(n) = elf.dynstrtab.get_at(aux.vna_name) {
                    out.push((aux.vna_other, n.to_string()));
                }
            }
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let off = hay.get(i..)?.iter().position(|&b| b == first)?;
        i += off;
        if hay.get(i..i + needle.len()) == Some(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A printable run starting at `at` (Rust strings are not NUL-terminated, so neighbours can
/// run together; a following `/rustc/...` source path is cut off).
fn run_at(data: &[u8], at: usize) -> String {
    let run: Vec<u8> = data
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take(1024)
        .take_while(|&&b| (0x21..0x7f).contains(&b) && b != b'"' && b != b'\'')
        .copied()
        .collect();
    let mut s = String::from_utf8_lossy(&run).into_owned();
    if let Some(i) = s.get(1..).and_then(|t| t.find("/rustc/")) {
        s.truncate(i + 1);
    }
    s
}

/// A C or C++ source file's path, as `__FILE__` writes it into an `assert`'s message
/// (tree-sitter's `…/src/./query.c`, QA i).
fn is_c_source(text: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".inc",
    ];
    EXTENSIONS.iter().any(|e| text.ends_with(e))
}

/// A Rust source file's path (`file!()` of a panic or a `log` record), also when the string
/// after it runs on: a file that a build script generates and `include!`s from `OUT_DIR`
/// (QA bx F1: tokei's `…/out/language_type.rs`, read as `language_type.rsArduino`, the next
/// constant's start). Its last component has `.rs` followed by its end or by what no file
/// extension goes on with (an upper-case letter, a sign).
fn is_rust_source(text: &str) -> bool {
    let last = text.rsplit('/').next().unwrap_or(text);
    last.match_indices(".rs").any(|(i, _)| {
        last[i + 3..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    })
}

fn scan_strings(data: &[u8], section: &str, prefixes: &[(PathBuf, bool)], ev: &mut Evidence) {
    const OPENSSLDIR: &[u8] = b"OPENSSLDIR: \"";
    let mut at = 0;
    while let Some(i) = find(data, OPENSSLDIR, at) {
        let value = run_at(data, i + OPENSSLDIR.len());
        if !ev.openssldir.contains(&value) {
            ev.openssldir.push(value);
        }
        at = i + OPENSSLDIR.len();
    }
    // Longest prefix first, so the most specific one classifies a string.
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for (prefix, is_target) in prefixes {
        let Some(p) = prefix.to_str().filter(|p| p.len() > 4) else {
            continue;
        };
        let needle = format!("{}/", p.trim_end_matches('/'));
        let mut at = 0;
        while let Some(i) = find(data, needle.as_bytes(), at) {
            at = i + needle.len();
            if seen.iter().any(|&(s, e)| (s..e).contains(&i)) {
                continue;
            }
            let text = run_at(data, i);
            seen.push((i, i + text.len()));
            // A source path in a panic message, or a C `assert`'s `__FILE__`, is no run-time
            // file access.
            let source = is_c_source(&text)
                || if *is_target {
                    is_rust_source(&text)
                } else {
                    text.contains(".rs")
                };
            if !source && !ev.host_paths.iter().any(|f| f.text == text) {
                ev.host_paths.push(Found {
                    text,
                    section: section.to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_read_well() {
        assert_eq!(
            demangle_legacy("_ZN10libloading4util3foo17h0123456789abcdefE").as_deref(),
            Some("libloading::util::foo")
        );
        assert_eq!(demangle_legacy("_ZN3foo"), None);
    }

    #[test]
    fn crate_code_matches_whole_length_prefixed_names() {
        let ev = Evidence {
            functions: [
                "_ZN10libloading4util3foo17h0123456789abcdefE",
                "_ZN11xlibloading3bar17h0123456789abcdefE",
                "_RNvCs1234_10libloading3baz",
                "getaddrinfo",
            ]
            .into_iter()
            .map(|n| (n.to_string(), 0))
            .collect(),
            ..Evidence::default()
        };
        let (n, example) = ev.crate_code("libloading");
        assert_eq!(n, 2);
        assert_eq!(example.as_deref(), Some("libloading::util::foo"));
        assert_eq!(ev.crate_code("llvm-sys").0, 0);
    }

    #[test]
    fn host_paths_skip_panic_locations_and_cut_neighbours() {
        let prefixes = [
            (PathBuf::from("/w/target"), true),
            (PathBuf::from("/home/u/.cargo"), false),
        ];
        let data = b"x/w/target/release/build/a-1/out/g.txt/rustc/abc/library/core/src/x.rs\0\
                     /home/u/.cargo/registry/src/i/libc-0.2/src/unix/mod.rsattempt\0\
                     /home/u/.cargo/registry/src/i/tree-sitter-0.26/src/./query.c\0\
                     /w/target/release/build/b-2/out/gen/parser.h\0\
                     /w/target/release/build/t-3/out/language_type.rsArduino\0\
                     /w/target/release/build/t-3/out/data.rsa\0\
                     OPENSSLDIR: \"/usr/lib/ssl\"\0";
        let mut ev = Evidence::default();
        scan_strings(data, ".rodata", &prefixes, &mut ev);
        // A generated source's path with the next constant run on (QA bx F1) is a source
        // path; a file of another extension is not.
        let found = |text: &str| Found {
            text: text.into(),
            section: ".rodata".into(),
        };
        assert_eq!(
            ev.host_paths,
            [
                found("/w/target/release/build/a-1/out/g.txt"),
                found("/w/target/release/build/t-3/out/data.rsa")
            ]
        );
        assert_eq!(ev.openssldir, ["/usr/lib/ssl"]);
    }

    /// A static program with one non-UTF-8 symbol name (goblin refuses such a file): its
    /// evidence is still read (here: the NSS lookup it links, as `nm` shows it).
    #[test]
    fn a_non_utf8_name_does_not_hide_the_evidence() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("l.c");
        std::fs::write(
            &src,
            b"#include <pwd.h>\nint foo(void) __asm__(\"caf\xe9\");\n\
              int foo(void) { return getpwnam(\"x\") != 0; }\n\
              int main(void) { return foo(); }\n",
        )
        .expect("write");
        let bin = dir.path().join("l");
        let built = std::process::Command::new("gcc")
            .args(["-O1", "-static"])
            .arg(&src)
            .arg("-o")
            .arg(&bin)
            .status()
            .expect("gcc");
        assert!(built.success());
        assert!(
            Elf::parse(&std::fs::read(&bin).expect("read")).is_err(),
            "goblin refuses it"
        );
        let ev = read(&bin, LinkMode::Static, &[], None).expect("evidence");
        assert!(ev.has_symtab);
        assert!(
            ev.functions.contains_key("getpwnam"),
            "{:?}",
            ev.functions.len()
        );
    }
}
