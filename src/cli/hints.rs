//! Clap's errors, where the user's intent is plain, reworded to say what to do instead.

use std::ffi::OsString;

use super::FormatArg;
use clap::ValueEnum as _;

/// `cargo aotcheck -- --version`, as `cargo run -- ARGS` takes a program's arguments: clap
/// says "unrecognized subcommand '--version'" (QA k); the words say where they go instead.
pub(super) fn after_dashes(e: clap::Error, args: &[OsString]) -> clap::Error {
    let after = args.iter().skip_while(|a| *a != "--").nth(1);
    match after {
        Some(first) if e.kind() == clap::error::ErrorKind::InvalidSubcommand => clap::Error::raw(
            clap::error::ErrorKind::InvalidSubcommand,
            format!(
                "`{}` after `--`: the probed program's arguments are given one by one with \
                     --probe-arg (repeatable), e.g. `cargo aotcheck --probe-arg=--version`\n",
                first.to_string_lossy()
            ),
        ),
        _ => format_as_flag(e),
    }
}

/// `--html`, `--json`, `--markdown` or `--human` given as a flag: clap's nearest flag was
/// `--hostile` (QA an F3), which does something else entirely; the format is `--format`'s.
fn format_as_flag(e: clap::Error) -> clap::Error {
    if e.kind() == clap::error::ErrorKind::InvalidValue {
        return github_format(e);
    }
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return e;
    }
    // The argument clap did not know, not any argument that reads so (`--probe-arg --json`).
    let unknown = match e.get(clap::error::ContextKind::InvalidArg) {
        Some(clap::error::ContextValue::String(a)) => a.clone(),
        _ => return e,
    };
    let given = unknown.strip_prefix("--").and_then(|flag| {
        let name = flag.split_once('=').map_or(flag, |(n, _)| n);
        FormatArg::from_str(name, false)
            .ok()
            .map(|_| name.to_string())
    });
    match given {
        Some(name) => clap::Error::raw(
            clap::error::ErrorKind::UnknownArgument,
            format!(
                "`--{name}` is no flag: the report's format is `--format {name}` (with \
                 `-o FILE` to write it to a file)\n"
            ),
        ),
        // Cargo's flag for JSON, which a cargo user tries first (QA cf F11).
        None if unknown == "--message-format" || unknown.starts_with("--message-format=") => {
            clap::Error::raw(
                clap::error::ErrorKind::UnknownArgument,
                "`--message-format` is cargo's: the report's format is `--format human|json|\
                 markdown|html` (with `-o FILE` to write it to a file); cargo's own messages \
                 stay on stderr\n",
            )
        }
        None => e,
    }
}

/// `--format github` (QA av F7): no format of its own. GitHub's annotations come with any
/// format when `GITHUB_ACTIONS=true`, and a pull-request comment is `--format markdown`.
fn github_format(e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue};
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) => a.as_str(),
        _ => return e,
    };
    let value = match e.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => v.to_ascii_lowercase(),
        _ => return e,
    };
    if !arg.starts_with("--format") || !matches!(value.as_str(), "github" | "gha" | "actions") {
        return e;
    }
    clap::Error::raw(
        clap::error::ErrorKind::InvalidValue,
        format!(
            "`--format {value}` is no format: GitHub's annotations (`::error ...` on stderr) \
             come with any format when GITHUB_ACTIONS=true, as in an Actions job; \
             `--format markdown` writes a pull-request comment\n"
        ),
    )
}
