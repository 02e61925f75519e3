//! Reading cargo's diagnostics: the line that says what went wrong, without colours. A leaf:
//! the build (`compile`) and the workspace's `cargo metadata` both read them.

/// The first line starting with `error` in cargo's diagnostics, colours removed.
pub fn first_error(stderr: &str) -> Option<String> {
    let lines: Vec<String> = stderr.lines().map(strip_ansi).collect();
    let first = lines.iter().find(|l| l.starts_with("error"))?.trim_end();
    // The crate whose compilation failed, when cargo names it and the line does not: a
    // dependency's error read as the package's own (QA cm F3: syntect's `regex_impl`, which
    // needs one of bat's two regex features).
    let krate = lines.iter().find_map(|l| {
        let rest = l.strip_prefix("error: could not compile `")?;
        Some(rest.split('`').next()?.to_string())
    });
    Some(match krate {
        Some(k) if !first.starts_with("error: could not compile") => {
            format!("{first} (compiling `{k}`)")
        }
        _ => first.to_string(),
    })
}

/// A failed cargo command's stderr as an error message: cargo's own `error` line first (without
/// its `error: `), then its other lines as context, in their order (progress such as `Updating
/// crates.io index` and warnings come before the error, `Caused by:` and `help:` after it).
/// Without an `error` line, the whole text.
pub fn cargo_error(stderr: &str) -> String {
    let lines: Vec<String> = stderr
        .lines()
        .map(|l| strip_ansi(l).trim_end().to_string())
        .collect();
    let Some(at) = lines.iter().position(|l| l.starts_with("error")) else {
        return lines.join("\n").trim().to_string();
    };
    let head = &lines[at];
    let head = head
        .strip_prefix("error:")
        .map_or(head.as_str(), str::trim_start);
    let context: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|&(i, l)| i != at && !l.trim().is_empty())
        .map(|(_, l)| l.as_str())
        .collect();
    if context.is_empty() {
        head.to_string()
    } else {
        format!("{head}\n{}", context.join("\n"))
    }
}

/// `line` without ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_line_without_colours() {
        let text = "   Compiling x v0.1.0\n\x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: needs `core`\x1b[0m\nerror: could not compile `x`\n";
        assert_eq!(
            first_error(text).as_deref(),
            Some("error: needs `core` (compiling `x`)")
        );
        let alone = "error: could not compile `x` (bin \"x\") due to 1 previous error\n";
        assert_eq!(first_error(alone).as_deref(), Some(alone.trim_end()));
        assert_eq!(first_error("warning: unused\n"), None);
    }

    /// QA f#5: `--locked` with a stale lock file gave cargo's progress line as the headline.
    #[test]
    fn cargo_error_headline_is_cargo_error_line_not_its_progress() {
        let stderr = "    Updating crates.io index\n\
                      error: cannot update the lock file /p/Cargo.lock because --locked was \
                      passed to prevent this\n\
                      help: to generate the lock file without accessing the network, remove \
                      the --locked flag and use --offline instead.\n";
        let m = cargo_error(stderr);
        let mut lines = m.lines();
        assert_eq!(
            lines.next(),
            Some(
                "cannot update the lock file /p/Cargo.lock because --locked was passed to \
                 prevent this"
            )
        );
        assert_eq!(
            lines.collect::<Vec<_>>(),
            [
                "    Updating crates.io index",
                "help: to generate the lock file without accessing the network, remove the \
                 --locked flag and use --offline instead."
            ]
        );
        // Coloured, with `Caused by:` after it; and no error line at all.
        let m = cargo_error("\x1b[1m\x1b[31merror\x1b[0m: failed to parse\n\nCaused by:\n  bad\n");
        assert_eq!(m, "failed to parse\nCaused by:\n  bad");
        assert_eq!(cargo_error("  something odd\n"), "something odd");
    }
}
