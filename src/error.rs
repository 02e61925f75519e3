//! Errors at stage boundaries. Each says what failed, on which file or crate, and what to do.
//! Every one of them means "the tool could not do its job" (exit code 2).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file the user named for one purpose (`--baseline`, `--config-file`, `--output`), which
    /// the message says: `cannot read the baseline `x.json`: ...` ([`Error::naming`]).
    #[error("cannot {verb} the {what} `{path}`: {source}")]
    Named {
        verb: &'static str,
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}`: {reason}")]
    Malformed { path: PathBuf, reason: String },

    #[error("`{path}`: {message}")]
    Config { path: PathBuf, message: String },

    /// A file of separate debug information (`objcopy --only-keep-debug`): an ELF file whose
    /// sections of code hold no bytes (QA dj F1: read as a static-pie binary, with a stripped
    /// size larger than the file and a glibc floor of "none").
    #[error("`{path}`: {}", debug_info_words(.build_id.as_deref()))]
    DebugInfo {
        path: PathBuf,
        build_id: Option<String>,
    },

    /// An ELF core dump: a process's memory, not a program (QA dn F13: it got a stripped size,
    /// a closure and constructors). Named, an error; in a folder, skipped.
    #[error("`{path}`: {CORE_DUMP_WORDS}")]
    CoreDump { path: PathBuf },

    /// A configuration value refused, named by its key (in full from its file's top: see
    /// `config::layer`).
    #[error("`{path}`: `{key}`: {message}")]
    ConfigKey {
        path: PathBuf,
        key: String,
        message: String,
    },

    #[error("{0}")]
    Usage(String),

    #[error("`cargo metadata` failed: {0}")]
    Metadata(String),

    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{what}\n  help: {help}")]
    Prerequisite { what: String, help: String },

    #[error("{0}")]
    BuildFailed(String),

    #[error("interrupted: stopped the work in progress; no file was left half-written")]
    Interrupted,

    /// A binary inspected earlier in the run is another file now (QA ad: a second build in the
    /// same target directory uplifted its binary there, and one report described both).
    #[error(
        "`{path}` changed while it was being checked (another build in the same target \
         directory replaced it?): run again, or give this run a `--target-dir` of its own"
    )]
    Replaced { path: String },

    /// The startup probe got no run of some binary to ready (details in the report); a line
    /// for each binary when several, escaped where it is made (`probe::all_failed`).
    #[error("{0}")]
    ProbeFailed(String),

    /// `inspect`: files (or directories without a binary) that could not be inspected, each
    /// named on its own line and in the report; `total` counts them and the binaries reported.
    /// Said as paths, not counted against the files opened: a directory without a binary is
    /// one, and the files of a directory that are not binaries are skipped, not failed (QA m:
    /// "Inspecting 6 files" then "2 of 5 files", one of them a directory).
    #[error(
        "{} could not be inspected, {} (each failure is named above and in the report)",
        crate::format::count(*failed, "path", "paths"),
        if total - failed == 1 { "1 binary was".to_string() } else {
            format!("{} binaries were", total - failed)
        }
    )]
    Incomplete { failed: usize, total: usize },
}

impl Error {
    /// Whether the message has lines of its own (cargo's or a TOML parser's output, a hint
    /// under the error): the others are one line, and a line break in them comes from a file
    /// name, to be escaped when printed (see `format::printable`).
    pub fn multi_line(&self) -> bool {
        matches!(
            self,
            Error::Prerequisite { .. }
                | Error::BuildFailed(_)
                | Error::ProbeFailed(_)
                | Error::Metadata(_)
                | Error::Config { .. }
                | Error::ConfigKey { .. }
        )
    }

    /// A failed build of `--baseline-ref`'s revision (`source`: `git:REV (COMMIT)`) said to be
    /// that revision's, whose diagnostics name its files (QA w, F12: it read as this tree's).
    pub fn of_baseline(self, source: &str) -> Self {
        let whose = format!(" (the baseline's build, {source}, in a temporary worktree)");
        match self {
            Error::BuildFailed(m) => Error::BuildFailed(format!("{m}{whose}")),
            Error::Prerequisite { what, help } => Error::Prerequisite {
                what: format!("{what}{whose}"),
                help,
            },
            other => other,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// This error, for a file the user named as `what` (`baseline`, `report`): a read or write
    /// of it says so (`cannot read the baseline `x.json`: ...`); any other error as it is.
    pub fn naming(self, what: &'static str) -> Self {
        match self {
            Error::Io { path, source } => Error::Named {
                verb: "read",
                what,
                path,
                source,
            },
            Error::Write { path, source } => Error::Named {
                verb: "write",
                what,
                path,
                source,
            },
            other => other,
        }
    }

    pub fn malformed(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Malformed {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What [`Error::CoreDump`] says after the path.
pub(crate) const CORE_DUMP_WORDS: &str =
    "a core dump (ELF type CORE), not a program: inspect the program that dumped it";

/// What [`Error::DebugInfo`] says after the path.
pub(crate) fn debug_info_words(build_id: Option<&str>) -> String {
    let of = build_id.map_or_else(String::new, |b| format!(" of build id {b}"));
    format!(
        "separate debug information{of} (`objcopy --only-keep-debug`: its sections of code hold \
         no bytes), not a binary; inspect the binary it belongs to"
    )
}
