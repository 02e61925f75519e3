//! A failed build, explained where the cause is one we recognise: a library without a static
//! archive, or static archives that need libraries the link line does not have.

use std::path::Path;

use super::{BuildRequest, Built, crate_of};
use crate::error::Error;
use crate::report::LinkMode;

/// Turn a failed build into an error that says what to do, when we recognise the cause.
pub(super) fn explain(stderr: &str, built: &Built, req: &BuildRequest) -> Error {
    let kind = req.link.as_str();
    if let Some(lib) = missing_library(stderr) {
        if req.link == LinkMode::Static
            && ["c", "m", "pthread", "dl", "rt", "util"].contains(&lib.as_str())
        {
            return Error::Prerequisite {
                what: format!("the static build cannot find glibc's static library (lib{lib}.a)"),
                help: "install `libc6-dev` (Debian/Ubuntu) or `glibc-static` (Fedora/RHEL), \
                       or build for musl if its target is installed (--target x86_64-unknown-linux-musl)"
                    .into(),
            };
        }
        let asked_by = asked_by(built, &lib);
        let by = if asked_by.is_empty() {
            // No build script asked: a crate's `#[link(name = ...)]` did (QA x: xcb's).
            "a crate's `#[link]` attribute".to_string()
        } else {
            format!("the build script of `{}`", asked_by.join("`, `"))
        };
        let others: Vec<String> = missing_libraries(stderr)
            .into_iter()
            .filter(|l| *l != lib)
            .map(|l| format!("`{l}`"))
            .collect();
        let also = match others.is_empty() {
            true => String::new(),
            false => format!(" (nor {})", others.join(", ")),
        };
        // A shared object the static build could not use, or none at all: then the regular
        // build fails alike, and `--link dynamic` is no way out (QA x, F1).
        if req.link == LinkMode::Static && has_shared(&lib, built, req.target) {
            return Error::Prerequisite {
                what: format!(
                    "the {kind} build cannot link the native library `{lib}`{also}, which {by} \
                     asked for: no static archive lib{lib}.a was found"
                ),
                help: format!(
                    "install the static archive of lib{lib}, enable the crate's \
                     `static`/`bundled` feature if it has one, or build the regular binary \
                     with `--link dynamic`"
                ),
            };
        }
        return Error::Prerequisite {
            what: format!(
                "the {kind} build cannot link the native library `{lib}`{also}, which {by} \
                 asked for: neither lib{lib}.a nor lib{lib}.so is in the linker's search paths"
            ),
            help: format!(
                "install lib{lib}'s development package (on Debian/Ubuntu usually \
                 `lib{lib}-dev`), or enable the crate's `static`/`bundled` feature if it has \
                 one; the regular build needs it too"
            ),
        };
    }
    let needy = undefined_in_archives(stderr);
    if !needy.is_empty() {
        return needs_more(&needy, stopped_early(stderr), built, req);
    }
    Error::BuildFailed(format!(
        "`cargo build` of the {kind} binary failed (its diagnostics are above)"
    ))
}

/// The packages whose build scripts asked to link library `lib` (`name@version` each).
fn asked_by(built: &Built, lib: &str) -> Vec<String> {
    built
        .build_scripts
        .iter()
        .filter(|b| {
            b.linked_libs
                .iter()
                .any(|l| l.rsplit(['=', ':']).next() == Some(lib))
        })
        .map(|b| crate_of(&b.package_id))
        .collect()
}

/// A link that failed on symbols static archives need and nothing defines (QA j: diesel_cli's
/// `libpq.a` needs GSSAPI and OpenSSL, which `libpq.so` would have brought itself): which
/// archives, who asked for them, which symbols, and what to do. `capped`: the linker stopped
/// at its error limit, so the symbols are some of those missing (QA m: hurl's `libcurl.a`
/// read as needing 20 symbols, all libssh2's; it needs 377, of OpenSSL, nghttp2, LDAP...).
fn needs_more(
    needy: &[(String, Vec<String>)],
    capped: bool,
    built: &Built,
    req: &BuildRequest,
) -> Error {
    let each: Vec<String> = needy
        .iter()
        .map(|(path, symbols)| {
            // `/usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/libcurl.a` as the
            // file it is.
            let path = &std::fs::canonicalize(path)
                .map_or_else(|_| path.clone(), |p| p.display().to_string());
            let p = Path::new(path);
            let file = p
                .file_name()
                .map_or(path.clone(), |f| f.to_string_lossy().into_owned());
            // The system's archives by their path; a build script's (in the target dir) by name.
            let shown = if p.starts_with(&req.target_dir) {
                file.clone()
            } else {
                path.clone()
            };
            let lib = file
                .strip_suffix(".a")
                .map(|f| f.strip_prefix("lib").unwrap_or(f))
                .unwrap_or(&file);
            let by = asked_by(built, lib);
            let by = if by.is_empty() {
                String::new()
            } else {
                format!(" (the build script of `{}` asked for it)", by.join("`, `"))
            };
            let listed: Vec<String> = symbols.iter().take(3).map(|s| format!("`{s}`")).collect();
            let more = match symbols.len().saturating_sub(3) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let noun = if symbols.len() == 1 {
                "symbol"
            } else {
                "symbols"
            };
            let least = if capped { "at least " } else { "" };
            format!(
                "`{shown}`{by} needs {least}{} {noun} that nothing on the link line defines \
                 ({}{more})",
                symbols.len(),
                listed.join(", ")
            )
        })
        .collect();
    let stopped = if capped {
        " (the linker stopped at its error limit: more symbols, of other libraries too, may \
         be missing)"
    } else {
        ""
    };
    Error::Prerequisite {
        what: format!(
            "the {} build cannot link: {}{stopped}",
            req.link.as_str(),
            each.join("; ")
        ),
        help: "a static archive does not bring the libraries it needs, as a shared library \
               does: enable the crate's `bundled`/`static` feature if it has one (it builds the \
               library with what it needs), link the missing libraries as well, or build the \
               regular binary with `--link dynamic`"
            .into(),
    }
}

/// Per static archive (its path, in the order the linker named them), the undefined symbols
/// its members refer to: lld's `undefined symbol: NAME` followed by `>>> ... in archive
/// PATH`, or GNU ld's `PATH.a(member.o): in function ...` followed by `undefined reference to
/// `NAME'`. Symbols the program's own objects refer to are not here.
fn undefined_in_archives(stderr: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |archive: &str, symbol: &str| {
        let k = match out.iter().position(|(a, _)| a == archive) {
            Some(k) => k,
            None => {
                out.push((archive.to_string(), Vec::new()));
                out.len() - 1
            }
        };
        if !out[k].1.iter().any(|s| s == symbol) {
            out[k].1.push(symbol.to_string());
        }
    };
    let mut symbol: Option<&str> = None;
    let mut archive: Option<&str> = None;
    for line in stderr.lines() {
        if let Some((_, name)) = line.split_once("undefined symbol: ") {
            symbol = Some(name.trim());
        } else if let (Some((_, path)), Some(name)) = (line.split_once(" in archive "), symbol) {
            add(path.trim(), name);
        } else if let Some(i) = line.find(".a(").filter(|_| line.contains("): in function")) {
            let start = line[..i].rfind([' ', '\t']).map_or(0, |k| k + 1);
            archive = Some(&line[start..i + 2]);
        } else if let (Some((_, rest)), Some(a)) =
            (line.split_once("undefined reference to `"), archive)
        {
            let name = rest.split('\'').next().unwrap_or(rest);
            add(a, name);
        }
    }
    out
}

/// Whether the linker stopped reporting at its error limit (lld's `--error-limit`, 20 by
/// default): the undefined symbols it named are then only the first ones.
fn stopped_early(stderr: &str) -> bool {
    stderr.contains("too many errors emitted, stopping now")
}

/// `lld: error: unable to find library -lfoo` or GNU ld's `cannot find -lfoo`.
fn missing_library(stderr: &str) -> Option<String> {
    missing_libraries(stderr).into_iter().next()
}

/// Every library the linker could not find, each once, in the order it said so.
fn missing_libraries(stderr: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in stderr.lines() {
        for marker in ["unable to find library -l", "cannot find -l"] {
            if let Some(i) = line.find(marker) {
                let rest = &line[i + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'))
                    .collect();
                let name = name.trim_end_matches(['.', ':']).to_string();
                if !name.is_empty() && !found.contains(&name) {
                    found.push(name);
                }
            }
        }
    }
    found
}

/// Whether `lib{lib}.so` is in the build scripts' search paths or the linker's own.
fn has_shared(lib: &str, built: &Built, target: &str) -> bool {
    let so = format!("lib{lib}.so");
    super::linked::search_dirs(&built.build_scripts, target)
        .iter()
        .any(|d| d.join(&so).exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_library_from_lld_and_gnu_ld() {
        assert_eq!(
            missing_library("rust-lld: error: unable to find library -ludev\n").as_deref(),
            Some("udev")
        );
        assert_eq!(
            missing_library("/usr/bin/ld: cannot find -lc: No such file or directory").as_deref(),
            Some("c")
        );
        assert_eq!(missing_library("error: could not compile `x`"), None);
        // QA x: xcb asks for three; each is named once.
        let three = "rust-lld: error: unable to find library -lxcb-render\n\
                     rust-lld: error: unable to find library -lxcb-shape\n\
                     rust-lld: error: unable to find library -lxcb-render\n";
        assert_eq!(missing_libraries(three), ["xcb-render", "xcb-shape"]);
    }

    #[test]
    fn undefined_symbols_of_archives_from_lld_and_gnu_ld() {
        let lld = "  = note: rust-lld: error: undefined symbol: gss_wrap
          >>> referenced by fe-secure-gssapi.c
          >>>               fe-secure-gssapi.o:(pg_GSS_write) in archive /usr/lib/x86_64-linux-gnu/libpq.a
          >>> referenced by fe-secure-gssapi.c
          >>>               fe-secure-gssapi.o:(pg_GSS_read) in archive /usr/lib/x86_64-linux-gnu/libpq.a

          rust-lld: error: undefined symbol: SSL_CTX_new
          >>> referenced by fe-secure-openssl.c
          >>>               fe-secure-openssl.o:(initialize_SSL) in archive /usr/lib/x86_64-linux-gnu/libpq.a
          >>> referenced by mariadb_lib.c
          >>>               mariadb_lib.o:(mysql_ssl) in archive /usr/lib/x86_64-linux-gnu/libmariadb.a

          rust-lld: error: undefined symbol: own_code_needs_this
          >>> referenced by main.rs
          >>>               main.o:(main)
";
        assert_eq!(
            undefined_in_archives(lld),
            [
                (
                    "/usr/lib/x86_64-linux-gnu/libpq.a".to_string(),
                    vec!["gss_wrap".to_string(), "SSL_CTX_new".to_string()]
                ),
                (
                    "/usr/lib/x86_64-linux-gnu/libmariadb.a".to_string(),
                    vec!["SSL_CTX_new".to_string()]
                ),
            ]
        );
        let gnu = "/usr/bin/ld: /usr/lib/x86_64-linux-gnu/libpq.a(fe-gssapi-common.o): in function `pg_GSS_error_int':
(.text+0x2f): undefined reference to `gss_display_status'
/usr/bin/ld: (.text+0x5c): undefined reference to `gss_release_buffer'
";
        assert_eq!(
            undefined_in_archives(gnu),
            [(
                "/usr/lib/x86_64-linux-gnu/libpq.a".to_string(),
                vec![
                    "gss_display_status".to_string(),
                    "gss_release_buffer".to_string()
                ]
            )]
        );
        assert!(undefined_in_archives("error: could not compile `x`").is_empty());
    }
}
