//! The probe's options laid over each other: the command line over the configuration, a
//! package's table over the workspace's.

use super::ProbeOptions;

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
