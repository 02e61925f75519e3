//! How the image starts its program: the entrypoint and `Env` its config gets, `{port}`
//! replaced, the ports it exposes, and the arguments and environment of the start inside it.

use super::meta;
use crate::plan::{ImageSettings, ProbeSettings};

/// `PATH` of every image (Docker's default).
pub(super) const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The port `{port}` stands for in an image without `image.port` or a fixed readiness port.
pub(super) const DEFAULT_PORT: u16 = 8080;

/// `{port}` in an image argument or variable: the image's port, else 8080.
pub(super) fn with_port(s: &str, port: Option<u16>) -> String {
    s.replace("{port}", &port.unwrap_or(DEFAULT_PORT).to_string())
}

/// The image's `Env`: `PATH` first (`image.env`'s, else Docker's default), then the rest of
/// `image.env`, `{port}` replaced.
pub(super) fn environment(env: &[(String, String)], port: Option<u16>) -> Vec<(String, String)> {
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map_or(PATH, |(_, v)| v);
    std::iter::once(("PATH".to_string(), with_port(path, port)))
        .chain(
            env.iter()
                .filter(|(k, _)| k != "PATH")
                .map(|(k, v)| (k.clone(), with_port(v, port))),
        )
        .collect()
}

/// The environment a container runtime gives the image's user: the image's `Env`, with `HOME`
/// set to the user's home where `Env` has none, as Docker, runc and podman do from the image's
/// `/etc/passwd` (QA br F4: without it zoxide looked its user up through NSS, a path no
/// container takes).
pub(super) fn with_home(env: &[(String, String)], home: &str) -> Vec<(String, String)> {
    let mut v = env.to_vec();
    if !v.iter().any(|(k, _)| k == "HOME") {
        v.push(("HOME".into(), home.into()));
    }
    v
}

/// What the image's config says to run: its entrypoint's arguments and its `Env`, `{port}`
/// replaced, and the port that stands for.
pub(super) struct Run<'a> {
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    pub port: u16,
    /// `{port}` was in the image's arguments or variables: the binary gets its port there.
    pub port_given: bool,
}

/// The image's start, as configured (`image.args`, else the probe's arguments) and with the
/// port `{port}` stands for.
pub(super) struct Launch {
    /// The arguments as written, before `{port}` is replaced.
    pub raw_args: Vec<String>,
    /// The binary's path in the image, then its arguments.
    pub entrypoint: Vec<String>,
    /// The image's `Env` (see [`environment`]).
    pub env: Vec<(String, String)>,
    /// `image.port`, else the readiness check's fixed port.
    pub port: Option<u16>,
    /// `{port}` was in the image's arguments or variables.
    pub port_given: bool,
    /// The config's `ExposedPorts`.
    pub ports: Vec<String>,
    /// What the entrypoint's arguments mean for a container (loopback, probe-only flags).
    pub warnings: Vec<String>,
}

impl Launch {
    pub fn of(s: &ImageSettings, start: &ProbeSettings) -> Launch {
        let port = s.port.or(start.ready.fixed_port());
        let raw_args: Vec<String> = s.args.clone().unwrap_or_else(|| start.args.clone());
        let mut entrypoint = vec![s.path.clone()];
        entrypoint.extend(raw_args.iter().map(|x| with_port(x, port)));
        let port_given =
            (raw_args.iter().chain(s.env.iter().map(|(_, v)| v))).any(|x| x.contains("{port}"));
        let waits = port_given || start.ready.waits_on_port();
        let server = !start.ready.is_exit();
        let mut warnings = meta::loopback_warnings(&entrypoint[1..], s.args.is_none(), server);
        warnings.extend(meta::probe_flag_warning(&entrypoint, s.args.is_none()));
        Launch {
            env: environment(&s.env, port),
            ports: meta::exposed(port, waits, DEFAULT_PORT),
            raw_args,
            entrypoint,
            port,
            port_given,
            warnings,
        }
    }

    /// The arguments of the start inside the image. `image.args = []` ships the program bare:
    /// its start inside is `docker run IMAGE ARGS` with the probe's arguments (QA ck F1:
    /// tealdeer, shipped bare, printed its usage inside).
    pub fn inside_args(&self, s: &ImageSettings, start: &ProbeSettings) -> Vec<String> {
        match s.args.as_ref().is_some_and(Vec::is_empty) {
            true => start.args.iter().map(|x| with_port(x, self.port)).collect(),
            false => self.entrypoint[1..].to_vec(),
        }
    }

    /// The start inside the image, with these arguments and this environment.
    pub fn run<'a>(&self, args: &'a [String], env: &'a [(String, String)]) -> Run<'a> {
        Run {
            args,
            env,
            port: self.port.unwrap_or(DEFAULT_PORT),
            port_given: self.port_given,
        }
    }

    /// Where the entrypoint's arguments come from, when it has any.
    pub fn args_from(&self, s: &ImageSettings) -> Option<&'static str> {
        (!self.raw_args.is_empty()).then_some(match s.args.is_some() {
            true => "image.args",
            false => "probe",
        })
    }
}

/// The home of the host run: the probe's `HOME`, where it gives one, from the directory the run
/// starts in when relative (QA cs F3: `HOME=xhhome`).
pub(super) fn host_home(probe: Option<&ProbeSettings>) -> Option<String> {
    let home = probe.and_then(|p| p.env.iter().rev().find(|(k, _)| k == "HOME"));
    home.map(|(_, v)| {
        let cwd = std::env::current_dir().unwrap_or_default();
        cwd.join(v).display().to_string()
    })
}
