//! The startup probe's flags, shared by the main command and `advise`.

use clap::Args;

use crate::config::{parse_duration, parse_probe_timeout};
use crate::options::{ProbeOptions, Ready};

#[derive(Debug, Args)]
#[command(next_help_heading = "Startup probe")]
pub(super) struct ProbeArgs {
    // The help text is clap's: its brackets are no links.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// When a started binary counts as ready: exit (status 0; exit:1, exit:0,1 or exit:any for
    /// others), line:REGEX (stdout or stderr), tcp[:PORT], http[:PORT][/PATH][#STATUS] (2xx/3xx
    /// unless STATUS) [default: exit]
    #[arg(long, value_name = "COND", value_parser = Ready::parse)]
    ready: Option<Ready>,

    /// Counted runs per binary [default: 20]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    runs: Option<u32>,

    /// Runs before the counted ones, not counted [default: 3]
    #[arg(long, value_name = "N")]
    warmup: Option<u32>,

    /// Per-run limit from start to ready, at least 1ms, e.g. 2s, 500ms [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = parse_probe_timeout,
          allow_hyphen_values = true)]
    probe_timeout: Option<std::time::Duration>,

    /// Time between SIGTERM and SIGKILL when stopping the program [default: 2s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration,
          allow_hyphen_values = true)]
    grace: Option<std::time::Duration>,

    /// Argument for the probed binary, passed verbatim; `{port}` becomes the port in PORT
    /// (repeatable)
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    probe_arg: Vec<String>,

    /// Environment variable for the probed binary (repeatable), over the config's `probe_env`
    /// of the same name; `{port}` is replaced in VALUE. `PORT=N` with `--ready tcp`/`http` and
    /// no port: the probe waits on N
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    probe_env: Vec<(String, String)>,

    /// Do not start the built binaries (with --hostile, --ready, --probe-timeout, --probe-arg
    /// and --probe-env still set how the hostile runs start and wait)
    #[arg(long, conflicts_with_all = ["runs", "warmup", "grace"])]
    no_probe: bool,
}

impl ProbeArgs {
    /// `--ready`, `--probe-timeout`, `--probe-arg` and `--probe-env` go with `--no-probe` only
    /// to set how `--hostile` runs start and wait (a server never exits: with `exit` readiness
    /// every hostile run timed out; QA k: tokei without its `src` argument scanned the target
    /// directory), and `--ready` and `--probe-arg` to set `--image`'s entrypoint and port
    /// (QA s: refused, while the config's `ready` and `probe_args` did set them).
    pub(super) fn check(&self, hostile: bool, image: bool) -> Result<(), clap::Error> {
        let set: Vec<&str> = [
            (self.ready.is_some(), "--ready", true),
            (self.probe_timeout.is_some(), "--probe-timeout", false),
            (!self.probe_arg.is_empty(), "--probe-arg", true),
            (!self.probe_env.is_empty(), "--probe-env", false),
        ]
        .into_iter()
        .filter_map(|(set, flag, for_image)| (set && !(image && for_image)).then_some(flag))
        .collect();
        if !self.no_probe || hostile || set.is_empty() {
            return Ok(());
        }
        let image_too = if image {
            ""
        } else {
            " (and, with --image, --ready and --probe-arg set its entrypoint and port)"
        };
        Err(clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            format!(
                "the argument '--no-probe' cannot be used with {}: with --no-probe they only \
                 set how --hostile runs start and wait{image_too}\n",
                set.join(", ")
            ),
        ))
    }
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !k.contains('\0') => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}`: expected KEY=VALUE")),
    }
}

impl From<ProbeArgs> for ProbeOptions {
    fn from(a: ProbeArgs) -> Self {
        ProbeOptions {
            enabled: a.no_probe.then_some(false),
            ready: a.ready,
            runs: a.runs,
            warmup: a.warmup,
            timeout: a.probe_timeout,
            grace: a.grace,
            args: (!a.probe_arg.is_empty()).then_some(a.probe_arg),
            env: (!a.probe_env.is_empty()).then_some(a.probe_env),
        }
    }
}
