//! The files `inspect` writes must not be files it reads: `inspect X -o X` replaced the
//! binary with its own report, whole and silently (QA dj F2, lost data).

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// For `inspect`: the report and the baseline it writes are none of the files it inspects
/// (see [`not_inspected`]).
pub fn check(opts: &crate::options::Options) -> Result<()> {
    let crate::options::Command::Inspect { files, .. } = &opts.command else {
        return Ok(());
    };
    let save = opts.gate.save_baseline.as_ref().and_then(|p| p.as_deref());
    for (path, flag) in [
        (opts.output.as_deref(), ("--output", "the report")),
        (save, ("--save-baseline", "the baseline")),
    ] {
        if let Some(p) = path {
            not_inspected(p, flag, files)?;
        }
    }
    Ok(())
}

/// An error when `out` (the `--output` or `--save-baseline` file: the flag and what it writes)
/// exists and is a file
/// the run inspects: one of `files` (the same file: device and inode, links followed), or a
/// binary inside one of them that is a directory, which the walk would read. A report written
/// beside the binaries (`dist/report.md`, again on the next run) is no such file.
pub fn not_inspected(out: &Path, (flag, what): (&str, &str), files: &[PathBuf]) -> Result<()> {
    let Ok(meta) = std::fs::metadata(out) else {
        return Ok(());
    };
    if !meta.is_file() {
        return Ok(());
    }
    let real = std::fs::canonicalize(out).ok();
    let refused = |why: String| {
        Err(Error::Usage(format!(
            "{flag} `{}` {why}: {what} would replace it; write it elsewhere",
            out.display()
        )))
    };
    for f in files {
        let Ok(m) = std::fs::metadata(f) else {
            continue;
        };
        if (m.dev(), m.ino()) == (meta.dev(), meta.ino()) {
            return refused(format!("is `{}`, a file this run inspects", f.display()));
        }
        let inside = m.is_dir()
            && real
                .as_ref()
                .zip(std::fs::canonicalize(f).ok())
                .is_some_and(|(r, d)| r.starts_with(d));
        if inside && is_binary(out) {
            return refused(format!(
                "is a binary in `{}`, a directory this run inspects",
                f.display()
            ));
        }
    }
    Ok(())
}

/// Whether the file starts as a binary the walk reports (see `batch::binary_magic`).
fn is_binary(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| super::batch::binary_magic(&head).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: (&str, &str) = ("--output", "the report");

    /// The report file may be neither an argument (through a link too) nor a binary inside a
    /// directory argument; a new file, or a report beside the binaries, is fine.
    #[test]
    fn a_report_may_not_replace_a_file_inspected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("app");
        std::fs::write(&bin, b"\x7fELF\x02\x01\x01").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&bin, &link).expect("link");
        let report = dir.path().join("report.md");
        std::fs::write(&report, b"# a report").expect("write");
        let files = [bin.clone()];
        let e = not_inspected(&link, OUT, &files).expect_err("the binary itself");
        assert!(e.to_string().contains("a file this run inspects"), "{e}");
        let baseline = ("--save-baseline", "the baseline");
        let e = not_inspected(&bin, baseline, &files).expect_err("the baseline over it");
        assert!(
            e.to_string().contains(": the baseline would replace it"),
            "{e}"
        );
        let folder = [dir.path().to_path_buf()];
        let e = not_inspected(&bin, OUT, &folder).expect_err("a binary in the folder");
        assert!(
            e.to_string().contains("a directory this run inspects"),
            "{e}"
        );
        assert!(not_inspected(&report, OUT, &folder).is_ok());
        assert!(not_inspected(&dir.path().join("new.md"), OUT, &folder).is_ok());
        assert!(not_inspected(Path::new("/dev/null"), OUT, &files).is_ok());
    }
}
