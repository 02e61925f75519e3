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
        let _ = writeln!(self.err, "{verb} {message}");
    }

    pub fn warn(&mut self, message: &str) {
        let label = paint(self.err_color, WARN, "warning");
        let _ = writeln!(self.err, "{label}: {message}");
    }
}

/// `bytes` written to `path` whole or not at all: into a temporary file in the same directory,
/// synced, then renamed over `path`. A failure leaves `path` as it was and no temporary file.
/// The new file keeps the mode of the one it replaces, else 0644 (not the temporary's 0600).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".aotcheck-output.")
        .suffix(".tmp")
        .tempfile_in(dir)
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
    tmp.persist(path).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}
