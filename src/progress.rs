//! The probe's progress bar on stderr, shown only when stderr is a terminal and not `-q`.
//! Stages report progress through a callback; this is the one that draws.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::options::Verbosity;
use crate::output::Output;

/// Where the probe is, for a progress bar.
pub struct Progress<'a> {
    /// e.g. `hello-server (static)`.
    pub label: &'a str,
    pub done: u64,
    pub total: u64,
}

pub struct ProbeBar(Option<ProgressBar>);

impl ProbeBar {
    pub fn new(out: &Output) -> Self {
        if !out.err_terminal || out.verbosity == Verbosity::Quiet {
            return ProbeBar(None);
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{prefix:>12.green.bold} [{bar:30}] {pos}/{len} {msg}")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix("Probing");
        ProbeBar(Some(bar))
    }

    pub fn update(&self, p: &Progress) {
        if let Some(b) = &self.0 {
            b.set_length(p.total);
            b.set_position(p.done);
            b.set_message(p.label.to_string());
        }
    }

    pub fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}
