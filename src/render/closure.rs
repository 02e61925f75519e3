//! The terminal report's closure: the binary and every shared library it needs, as the
//! loader would resolve them here, with their sizes.

use std::fmt::Write as _;

use super::Style;
use super::fill::labelled as row;
use crate::format::size;
use crate::output::{WARN, paint};
use crate::report::Binary;

pub fn render(s: &mut String, b: &Binary, st: &Style) {
    let c = st.color;
    let Some(total) = b.closure_size else {
        let why = match b.format.as_str() {
            "elf" => "n/a for an object (linked into a program, not loaded)",
            _ => "n/a for this format (not resolved)",
        };
        row(s, c, "closure", why);
        return;
    };
    if b.closure.is_empty() {
        row(
            s,
            c,
            "closure",
            &format!("{} (the binary alone)", size(total)),
        );
        return;
    }
    let missing = b.closure.iter().filter(|e| e.path.is_none()).count();
    let mut head = format!(
        "{} (the binary and {})",
        size(total),
        crate::format::count(b.closure.len() - missing, "library", "libraries")
    );
    if missing > 0 {
        let _ = write!(head, "; {missing} not found on this machine");
    }
    row(s, c, "closure", &head);
    let width = b.closure.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in &b.closure {
        let (sz, path) = match (&e.path, e.size) {
            (Some(p), Some(n)) => (size(n), where_found(&e.name, p).to_string()),
            _ => ("?".into(), paint(c, WARN, "not found")),
        };
        // The name is its path (the interpreter): nothing after the size.
        let _ = match path.is_empty() {
            true => writeln!(s, "    {:<width$}  {sz:>10}", e.name),
            false => writeln!(s, "    {:<width$}  {sz:>10}  {path}", e.name),
        };
    }
}

/// Where a library of the closure was found, without its name said again: its directory
/// (`/lib/x86_64-linux-gnu/` for `libc.so.6`), nothing when the name is the path, the path
/// whole when the file is named otherwise (QA aw F5: 52 rows of `inspect /usr/bin` ran to 101
/// to 120 columns with the name twice).
fn where_found<'p>(name: &str, path: &'p str) -> &'p str {
    if path == name {
        return "";
    }
    match path.strip_suffix(name) {
        Some(dir) if dir.ends_with('/') => dir,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA aw F5: a closure row said the library's name twice, in its name and at the end of
    /// its path (101 to 120 columns); the path's directory is enough, nothing when the name
    /// is the path, the whole path when the file is named otherwise.
    #[test]
    fn a_closure_row_names_the_library_once() {
        assert_eq!(
            where_found("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
            "/lib/x86_64-linux-gnu/"
        );
        assert_eq!(
            where_found("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"),
            ""
        );
        assert_eq!(
            where_found("libfoo.so.1", "/opt/lib/libbarfoo.so.1"),
            "/opt/lib/libbarfoo.so.1"
        );
        assert_eq!(
            where_found("libz.so.1", "/usr/lib/liblibz.so.1"),
            "/usr/lib/liblibz.so.1"
        );
    }
}
