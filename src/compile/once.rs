//! Cargo's warnings said once over `advise`'s builds: each variant compiles the package's own
//! crate again, and cargo repeats its warnings every time (QA bp F6: tokei's, 1,146 lines of
//! stderr over the variants, which buried the progress lines). A warning block (from a line
//! that starts `warning:` to the blank line after it) that an earlier build of this run wrote
//! (`Output::cargo_warnings`) is left out; everything else passes as it comes.

use std::collections::HashSet;
use std::io::Write;

/// A writer that passes cargo's stderr to `inner`, each warning block once per run.
pub struct OnceWarnings<'a> {
    inner: &'a mut dyn Write,
    /// The blocks written so far in the run.
    seen: &'a mut HashSet<String>,
    /// The part of a line not ended yet.
    line: Vec<u8>,
    /// The warning block being read, held until it ends.
    block: Option<Vec<u8>>,
}

impl<'a> OnceWarnings<'a> {
    pub fn new(inner: &'a mut dyn Write, seen: &'a mut HashSet<String>) -> Self {
        OnceWarnings {
            inner,
            seen,
            line: Vec::new(),
            block: None,
        }
    }

    fn line_done(&mut self, line: Vec<u8>) -> std::io::Result<()> {
        let plain = plain(&line);
        let text = plain.trim_end_matches(['\n', '\r']);
        if let Some(block) = self.block.as_mut() {
            block.extend_from_slice(&line);
            if text.is_empty() {
                return self.block_done();
            }
            return Ok(());
        }
        if !text.starts_with("warning:") {
            return self.inner.write_all(&line);
        }
        self.block = Some(line);
        // `warning: `x` (bin "x") generated 5 warnings`: a block of one line.
        if text.contains(" generated ") && text.contains(" warning") {
            return self.block_done();
        }
        Ok(())
    }

    fn block_done(&mut self) -> std::io::Result<()> {
        let Some(block) = self.block.take() else {
            return Ok(());
        };
        if self.seen.insert(plain(&block)) {
            self.inner.write_all(&block)?;
        }
        Ok(())
    }
}

impl Write for OnceWarnings<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                let line = std::mem::take(&mut self.line);
                self.line_done(line)?;
            }
        }
        // A line not ended yet (a progress bar's `\r`) passes at once, outside a block.
        let held = plain(&self.line);
        // Held while it may still become `warning:` (its colour sequence not done yet, too).
        let maybe = held.starts_with("warning:") || "warning:".starts_with(held.as_str());
        if self.block.is_none() && !maybe {
            let part = std::mem::take(&mut self.line);
            self.inner.write_all(&part)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Drop for OnceWarnings<'_> {
    fn drop(&mut self) {
        let rest = std::mem::take(&mut self.line);
        match self.block.as_mut() {
            Some(b) => {
                b.extend_from_slice(&rest);
                let _ = self.block_done();
            }
            None => {
                let _ = self.inner.write_all(&rest);
            }
        }
        let _ = self.inner.flush();
    }
}

/// `bytes` as text without ANSI colour sequences.
fn plain(bytes: &[u8]) -> String {
    crate::diagnostics::strip_ansi(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two builds writing the same warning (coloured the second time): it is written once;
    /// other lines, another warning and a progress line without its end pass as they come.
    #[test]
    fn a_warning_a_build_wrote_before_is_left_out() {
        let first = "   Compiling t v0.1.0\nwarning: function `only_in_this_test_a` is never \
                     used\n --> src/main.rs:4:4\n  |\n\nwarning: `t` (bin \"t\") generated 1 \
                     warning\n    Finished `release`\n";
        let second = "   Compiling t v0.1.0\n\u{1b}[33mwarning\u{1b}[0m: function \
                      `only_in_this_test_a` is never used\n --> src/main.rs:4:4\n  |\n\n\
                      warning: function `only_in_this_test_b` is never used\n\n\
                      warning: `t` (bin \"t\") generated 1 warning\n    Building [=> ] 1/2\r";
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        {
            let mut w = OnceWarnings::new(&mut out, &mut seen);
            w.write_all(first.as_bytes()).expect("write");
        }
        let mut again = Vec::new();
        {
            let mut w = OnceWarnings::new(&mut again, &mut seen);
            // In pieces, as a pipe gives them.
            for piece in second.as_bytes().chunks(7) {
                w.write_all(piece).expect("write");
            }
        }
        assert_eq!(String::from_utf8_lossy(&out), first);
        assert_eq!(
            String::from_utf8_lossy(&again),
            "   Compiling t v0.1.0\nwarning: function `only_in_this_test_b` is never used\n\n    \
             Building [=> ] 1/2\r"
        );
    }
}
