//! The probe's options laid over each other: the command line over the configuration, a
//! package's table over the workspace's.

use super::{ProbeOptions, Ready};

/// The `PORT` the user gives a program the probe waits on by the port it is given
/// (`--probe-env PORT=N`, the last one given: `Command::envs` keeps the last): `None` when the
/// readiness names its own port or waits on none, or `PORT` is not given or is `{port}`; an
/// error, in words, when it is no port number (1-65535). Checked when the plan is made and
/// again for each run (an image's `PORT` too).
pub fn users_port(ready: &Ready, env: &[(String, String)]) -> Option<Result<u16, String>> {
    let waits = matches!(ready, Ready::Tcp(_) | Ready::Http { .. }) && ready.fixed_port().is_none();
    let (_, v) = env.iter().rev().find(|(k, _)| k == "PORT")?;
    if !waits || v.contains("{port}") {
        return None;
    }
    Some(
        v.trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                format!(
                    "--probe-env PORT={v}: with --ready {ready} the probe waits on the port the \
                     program is given in PORT, and `{v}` is not a port number (1-65535)"
                )
            }),
    )
}

impl ProbeOptions {
    /// Fill what is not given here from `fallback` (e.g. the command line over the config).
    /// Arguments are taken whole from the first side that sets them; the environment is merged
    /// by name, this side's value winning (QA cu F3: one `--probe-env` on the command line
    /// dropped the config's `_ZO_DATA_DIR`, and the probed program wrote to the real home).
    pub fn or(self, fallback: ProbeOptions) -> ProbeOptions {
        ProbeOptions {
            enabled: self.enabled.or(fallback.enabled),
            ready: self.ready.or(fallback.ready),
            runs: self.runs.or(fallback.runs),
            warmup: self.warmup.or(fallback.warmup),
            timeout: self.timeout.or(fallback.timeout),
            grace: self.grace.or(fallback.grace),
            args: self.args.or(fallback.args),
            env: merged(self.env, fallback.env),
        }
    }
}

/// `fallback`'s variables with `over`'s laid on them: a name both set takes `over`'s value, in
/// `fallback`'s place; the others keep their order, `over`'s new ones last.
fn merged(
    over: Option<Vec<(String, String)>>,
    fallback: Option<Vec<(String, String)>>,
) -> Option<Vec<(String, String)>> {
    let Some(mut env) = fallback else {
        return over;
    };
    for (k, v) in over.into_iter().flatten() {
        match env.iter_mut().find(|(name, _)| *name == k) {
            Some(slot) => slot.1 = v,
            None => env.push((k, v)),
        }
    }
    Some(env)
}
