//! The one place output goes through: the report to stdout, status and warnings to stderr.
//! Stages never print; `lib.rs` and the renderers write here.

use std::io::Write;
use std::path::Path;

use anstyle::{AnsiColor, Style};

use crate::error::{Error, Result};
use crate::options::Verbosity;

pub const HEADER: Style = Style::new().bold();
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
pub const BAD: Style = AnsiColor::Red.on_default().bold();
pub const DIM: Style = Style::new().dimmed();

pub struct Output<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Colour on stdout (the report).
    pub out_color: bool,
    /// Colour on stderr (status lines; also passed on to cargo).
    pub err_color: bool,
    /// stderr is a terminal: progress bars are welcome there.
    pub err_terminal: bool,
    pub verbosity: Verbosity,
}

/// `style` applied to `text` when `on`.
pub fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

impl Output<'_> {
    /// A cargo-style status line on stderr: `   Inspecting target/…/hello`.
    pub fn status(&mut self, verb: &str, message: &str) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        let verb = paint(self.err_color, GOOD, &format!("{verb:>12}"));
        // A closed stderr must not stop the work: status lines are a courtesy.
        let _ = writeln!(
            self.err,
            "{verb} {}",
            crate::format::printable(message, false)
        );
    }

    pub fn warn(&mut self, message: &str) {
        let label = paint(self.err_color, WARN, "warning");
        let _ = writeln!(
            self.err,
            "{label}: {}",
            crate::format::printable(message, true)
        );
    }
}

/// `bytes` written to `path` whole or not at all: into a temporary file in the same directory,
/// synced, then renamed over `path`. A failure leaves `path` as it was and no temporary file.
/// The new file keeps the mode of the one it replaces, else 0644 (not the temporary's 0600).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, bytes, ".aotcheck-output.")
}

/// [`write_file`], with the temporary file's name starting with `prefix`.
pub fn write_atomically(path: &Path, bytes: &[u8], prefix: &str) -> Result<()> {
    // Errors name the file the user gave, not the temporary one beside it.
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write {
            path,
            source: without_temp_path(source),
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".tmp")
        .tempfile_in(directory(path))
        .map_err(write_err(path))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(write_err(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(write_err(path))?;
    }
    tmp.persist(path).map_err(|e| write_err(path)(e.error))?;
    Ok(())
}

/// Before any work: can a file be created where `path` will be written? A typo in
/// `--output` or `--save-baseline` then costs a second, not a whole build and probe. The
/// error names `path` and gives the system's reason.
pub fn check_writable(path: &Path) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(err(std::io::ErrorKind::IsADirectory.into()));
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let probe = directory(path).join(format!(
        ".aotcheck-check.{}.{nanos}.tmp",
        std::process::id()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            // Best effort: the file is empty, and ours.
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        // Someone else's file of that name: the directory takes files.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(err(e)),
    }
}

/// The directory a file at `path` goes in.
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `tempfile` adds ` at path "…/.aotcheck-output.XXXX.tmp"` to its errors: the user never
/// named that file, so the reason is kept and the temporary path dropped.
fn without_temp_path(e: std::io::Error) -> std::io::Error {
    if e.get_ref().is_none() {
        return e;
    }
    let text = e.to_string();
    match text.split_once(" at path ") {
        Some((reason, _)) => std::io::Error::new(e.kind(), reason.to_string()),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the early check (the directory went away meanwhile): the error still names the
    /// file given, with the system's reason, and not the temporary file.
    #[test]
    fn a_failed_write_names_the_file_not_the_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gone/report.json");
        let e = write_file(&path, b"x")
            .expect_err("no directory")
            .to_string();
        assert_eq!(
            e,
            format!(
                "cannot write `{}`: No such file or directory (os error 2)",
                path.display()
            )
        );
        let e = check_writable(dir.path())
            .expect_err("a directory")
            .to_string();
        assert!(e.ends_with("is a directory"), "{e}");
        check_writable(&dir.path().join("ok.json")).expect("writable");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
