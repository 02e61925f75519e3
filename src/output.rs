//! The one place output goes through: the report to stdout, status and warnings to stderr.
//! Stages never print; `lib.rs` and the renderers write here.

use std::io::Write;

use anstyle::{AnsiColor, Style};

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
