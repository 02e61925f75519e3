//! The one place output goes through: the report to stdout, status and warnings to stderr.
//! Stages never print; `lib.rs` and the renderers write here.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Cargo's warning blocks passed to stderr so far, without their colours: `advise`'s
    /// builds pass each once (see `compile::once`).
    pub cargo_warnings: std::collections::HashSet<String>,
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
    /// The report on stdout, or in `--output FILE`, written whole or not at all.
    pub fn deliver(&mut self, text: &[u8], file: Option<&Path>) -> Result<()> {
        if let Some(path) = file {
            write_file(path, text).map_err(|e| e.naming("report"))?;
            self.status("Wrote", &format!("the report to {}", path.display()));
            return Ok(());
        }
        self.out
            .write_all(text)
            .and_then(|()| self.out.flush())
            .or_else(ignore_broken_pipe)
            .map_err(|e| Error::io("<stdout>", e))
    }

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
/// A symbolic link at `path` is written through: the file it points to is replaced, and the link
/// stays a link (see [`through_links`]).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, bytes, ".aotcheck-output.")
}

/// [`write_file`], with the temporary file's name starting with `prefix`.
pub fn write_atomically(path: &Path, bytes: &[u8], prefix: &str) -> Result<()> {
    // Errors name the file the user gave, not the temporary one beside it, nor a link's target.
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source: without_temp_path(source),
    };
    if in_place(path) {
        // A device, a pipe or a descriptor (`/dev/null`, `/dev/stdout`, a FIFO): written as a
        // shell's `>` would. Renaming over it would replace `/dev/null` with a regular file.
        return std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            });
    }
    let file = through_links(path)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".tmp")
        .tempfile_in(directory(&file))
        .map_err(write_err)?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(write_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(write_err)?;
    }
    tmp.persist(&file).map_err(|e| write_err(e.error))?;
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
    if in_place(path) {
        // Opening a FIFO to check it would wait for its reader: the write will say.
        return Ok(());
    }
    let path = &through_links(path)?;
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

/// Before any work, the files the run will write: a typo fails now, not after a long build
/// and probe, naming the file (the image's directory: `image::preflight`).
pub fn check_paths(opts: &crate::options::Options) -> Result<()> {
    let save = opts.gate.save_baseline.as_ref().and_then(|p| p.as_deref());
    for (path, what) in [(opts.output.as_deref(), "report"), (save, "baseline")] {
        path.map_or(Ok(()), check_writable)
            .map_err(|e| e.naming(what))?;
    }
    Ok(())
}

/// Whether `path` is written where it is rather than replaced: an existing file that is not a
/// regular one (a character device such as `/dev/null`, a FIFO, a socket), or a link through
/// `/proc` (`/dev/stdout` → `/proc/self/fd/1`), whose target the kernel alone can name (a pipe
/// has no path; a regular file there is the descriptor the shell opened).
fn in_place(path: &Path) -> bool {
    if let Ok(m) = std::fs::metadata(path)
        && !m.is_file()
        && !m.is_dir()
    {
        return true;
    }
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        // A file of /proc that exists: a new one cannot be made there (QA ar F7:
        // `/proc/nope.json` was let through, and failed after the build).
        if at.starts_with("/proc") {
            return at.exists();
        }
        match std::fs::read_link(&at) {
            Ok(target) => {
                at = match at.parent() {
                    Some(d) => d.join(target),
                    None => target,
                }
            }
            Err(_) => return false,
        }
    }
    false
}

/// Where a write to `path` lands so that a symbolic link there stays one: `path` itself, or,
/// when it is a link, the file it points to (through a chain of links, each relative one read
/// from its own link's directory). A dangling link gives its target when the target's directory
/// exists; else the error names `path` and says where the link points.
fn through_links(path: &Path) -> Result<PathBuf> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut at = path.to_path_buf();
    // As the kernel's limit on links followed in one lookup (ELOOP past it).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&at).map_err(err)?;
                at = match at.parent() {
                    Some(d) => d.join(target),
                    None => target,
                };
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && at != path => {
                if directory(&at).is_dir() {
                    return Ok(at);
                }
                return Err(err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "a symbolic link to `{}`, whose directory does not exist",
                        at.display()
                    ),
                )));
            }
            // A file, a directory, nothing (the file is new), or a reason the write will meet.
            _ => return Ok(at),
        }
    }
    Err(err(std::io::Error::from_raw_os_error(libc::ELOOP)))
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

/// `cargo aotcheck | head` closing the pipe early is the reader's choice, not our failure.
fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

/// The width cargo's progress bar gets: `COLUMNS`, else 100.
pub fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
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

    /// A chain of links (one relative, one absolute) is written through to its last target;
    /// each link stays a link, and nothing else is left in either directory.
    #[test]
    fn a_write_through_a_chain_of_links_keeps_the_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir(d.join("baselines")).expect("mkdir");
        std::fs::write(d.join("baselines/main.json"), "old").expect("write");
        std::os::unix::fs::symlink("baselines/main.json", d.join("baseline.json")).expect("ln");
        std::os::unix::fs::symlink(d.join("baseline.json"), d.join("chain.json")).expect("ln");
        check_writable(&d.join("chain.json")).expect("writable");
        write_file(&d.join("chain.json"), b"new").expect("write through");
        for link in ["baseline.json", "chain.json"] {
            let m = std::fs::symlink_metadata(d.join(link)).expect("meta");
            assert!(m.file_type().is_symlink(), "{link} is no longer a link");
        }
        let target = std::fs::read_to_string(d.join("baselines/main.json")).expect("read");
        assert_eq!(target, "new");
        let mut left: Vec<_> = std::fs::read_dir(d.join("baselines"))
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        left.extend(
            std::fs::read_dir(d)
                .expect("dir")
                .filter_map(|e| e.ok().map(|e| e.file_name())),
        );
        left.sort();
        assert_eq!(
            left,
            ["baseline.json", "baselines", "chain.json", "main.json"]
        );
    }

    /// A dangling link: its target is created when its directory exists; else the error names
    /// the link given and where it points. A loop of links is the system's ELOOP.
    #[test]
    fn a_dangling_link_writes_its_target_or_says_where_it_points() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::os::unix::fs::symlink("new.json", d.join("link.json")).expect("ln");
        write_file(&d.join("link.json"), b"x").expect("write through");
        assert_eq!(std::fs::read(d.join("new.json")).expect("read"), b"x");
        assert!(
            std::fs::symlink_metadata(d.join("link.json"))
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        let gone = d.join("gone.json");
        std::os::unix::fs::symlink("nodir/x.json", &gone).expect("ln");
        for e in [check_writable(&gone), write_file(&gone, b"x")] {
            assert_eq!(
                e.expect_err("no directory").to_string(),
                format!(
                    "cannot write `{}`: a symbolic link to `{}`, whose directory does not exist",
                    gone.display(),
                    d.join("nodir/x.json").display()
                )
            );
        }
        std::os::unix::fs::symlink("loop2", d.join("loop1")).expect("ln");
        std::os::unix::fs::symlink("loop1", d.join("loop2")).expect("ln");
        let e = write_file(&d.join("loop1"), b"x").expect_err("a loop");
        assert!(e.to_string().contains("os error 40"), "{e}");
    }

    /// A FIFO (as a device such as `/dev/null`) is written into, not replaced: the reader at
    /// the other end gets the bytes and the path stays a FIFO. Renaming over it, as for a
    /// regular file, turned `--output /dev/null` into a regular `/dev/null` for the machine.
    #[test]
    fn a_fifo_is_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("report.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .output()
            .expect("mkfifo runs");
        assert!(made.status.success(), "mkfifo: {made:?}");
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = fifo.clone();
        // Detached: if the FIFO were replaced, this open would wait for ever, and the test
        // fails on the checks below instead of hanging.
        std::thread::spawn(move || {
            let _ = tx.send(std::fs::read(&reader).ok());
        });
        check_writable(&fifo).expect("writable");
        write_file(&fifo, b"{\"report\": 1}").expect("write into the FIFO");
        let kind = std::fs::symlink_metadata(&fifo).expect("meta").file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the reader got the bytes");
        assert_eq!(got.as_deref(), Some(&b"{\"report\": 1}"[..]));
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }

    /// `/dev/stdout` and `/dev/fd/N` lead through `/proc`, where a pipe has no path to replace:
    /// they are written in place, as a shell's `>` would.
    #[test]
    fn links_through_proc_are_written_in_place() {
        assert!(in_place(Path::new("/dev/stdout")));
        assert!(in_place(Path::new("/proc/self/fd/2")));
        assert!(in_place(Path::new("/dev/null")));
        // No new file can be made in /proc: checked as any path, and refused (QA ar F7).
        assert!(!in_place(Path::new("/proc/nope.json")));
        assert!(check_writable(Path::new("/proc/nope.json")).is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(!in_place(&dir.path().join("new.json")));
        std::fs::write(dir.path().join("old.json"), "x").expect("write");
        assert!(!in_place(&dir.path().join("old.json")));
    }
}
