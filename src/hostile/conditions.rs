//! The conditions, the privilege we have to set them up, and the command line for each.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::plan::ProbeSettings;

use super::privilege::{Privilege, setpriv};

/// The environment variables whose absence sends `home_dir`-style code to the passwd database.
const IDENTITY_VARS: [&str; 3] = ["HOME", "USER", "LOGNAME"];

/// An `nsswitch.conf` that names modules other than `files`: a static glibc binary that asks
/// these databases loads `libnss_*.so` at run time.
const NSSWITCH: &str = "\
passwd:   files systemd
group:    files systemd
shadow:   files
hosts:    files myhostname resolve mdns4_minimal mdns_minimal dns
services: files
";

/// The modules [`NSSWITCH`]'s `hosts` line names that a static glibc binary loads (`files` and
/// `dns` are built into glibc), and the directories the loader looks in for them. The mDNS
/// ones are the `_minimal` kind, which answer only `.local` names and give every other name
/// to the next module at once (loaded all the same: QA bk F5, a machine whose own hosts line
/// has `mdns4_minimal` and neither of the first two).
pub const HOST_MODULES: [&str; 4] = ["myhostname", "resolve", "mdns4_minimal", "mdns_minimal"];
const NSS_DIRS: [&str; 4] = [
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
];

/// The modules of the `hosts` line that this machine lacks (`libnss_NAME.so.2` in none of the
/// loader's directories): with all missing, no hostile condition makes a host lookup load a
/// module here (QA bj F2: static-web-server's DNS lookup was "not reproduced", as if safe).
pub fn missing_host_modules() -> Vec<&'static str> {
    HOST_MODULES
        .into_iter()
        .filter(|m| {
            !NSS_DIRS
                .iter()
                .any(|d| Path::new(d).join(format!("libnss_{m}.so.2")).exists())
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    NoHome,
    UnknownUid,
    NssModule,
    /// A process of an unknown uid beside the program, with `nss-module`'s `nsswitch.conf`.
    ForeignProcess,
    NoHomeUnknownUid,
    All,
    /// No condition: the run the others are compared with. Reported as a run of its own only
    /// when it crashed in the static build and not in the dynamic one (QA au F1: `eza -l` of a
    /// file whose owner the passwd file lacks crashed in `getpwuid_r` with no condition set).
    Plain,
}

impl Condition {
    pub const ALL: [Condition; 6] = [
        Condition::NoHome,
        Condition::UnknownUid,
        Condition::NssModule,
        Condition::ForeignProcess,
        Condition::NoHomeUnknownUid,
        Condition::All,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::NoHome => "no-home",
            Condition::UnknownUid => "unknown-uid",
            Condition::NssModule => "nss-module",
            Condition::ForeignProcess => "foreign-process",
            Condition::NoHomeUnknownUid => "no-home+unknown-uid",
            Condition::All => "all",
            Condition::Plain => "plain",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Condition::NoHome => "HOME, USER and LOGNAME unset",
            Condition::UnknownUid => {
                "run as a uid and gid missing from the passwd and group databases, with HOME \
                 as it was"
            }
            Condition::NssModule => {
                "an nsswitch.conf naming modules beyond `files`, for this run only"
            }
            Condition::ForeignProcess => {
                "a process of a uid missing from the passwd database runs beside the program, \
                 as on a host that runs containers; nss-module's nsswitch.conf"
            }
            Condition::NoHomeUnknownUid => {
                "HOME unset and an unknown uid (a container's usual lot)"
            }
            Condition::All => "no-home, unknown-uid and nss-module together",
            Condition::Plain => "no condition: the program run as the probe starts it",
        }
    }

    /// Runs made under it at most, while the program ends well (see [`super::foreign::TRIES`]).
    pub fn tries(self) -> u32 {
        match self {
            Condition::ForeignProcess => super::foreign::TRIES,
            _ => 1,
        }
    }

    /// The condition of this name, [`Condition::Plain`] included.
    pub fn named(name: &str) -> Option<Condition> {
        Condition::ALL
            .into_iter()
            .chain([Condition::Plain])
            .find(|c| c.name() == name)
    }
}

/// Where the replacement `nsswitch.conf` lives. It is kept (in our target dir) so that the
/// reproduce commands still work after the run.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let conf = dir.join("nsswitch.conf");
        // Never truncated in place: another run with this target dir may have it bind-mounted
        // over `/etc/nsswitch.conf` this moment, and would read it empty (a test saw a crash
        // under `all` vanish when run again). Left as it is when it holds the same words, else
        // replaced by a rename (a bind mount keeps the file it was made of).
        if std::fs::read(&conf).ok().as_deref() != Some(NSSWITCH.as_bytes()) {
            crate::output::write_atomically(&conf, NSSWITCH.as_bytes(), ".nsswitch.")?;
        }
        Ok(Scratch {
            dir: dir.to_path_buf(),
        })
    }

    fn nsswitch(&self) -> PathBuf {
        self.dir.join("nsswitch.conf")
    }
}

/// One command line, ready to spawn, and the same as a shell command.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub env_remove: Vec<&'static str>,
    pub env: Vec<(String, String)>,
    pub reproduce: String,
    /// The uid and gid of a process to run beside the program ([`super::foreign`]).
    pub beside: Option<(u32, u32)>,
}

impl Invocation {
    /// The same run under one of this executable's tracers: `me LEAD... PROGRAM ARGS...`,
    /// with the same environment, the process beside it and the reproduce line.
    pub fn under(&self, me: &Path, lead: Vec<OsString>) -> Invocation {
        let mut args = lead;
        args.push(self.program.clone());
        args.extend(self.args.iter().cloned());
        Invocation {
            program: me.into(),
            args,
            ..self.clone()
        }
    }
}

pub fn plain(binary: &Path, spec: &ProbeSettings) -> Invocation {
    build(binary, spec, false, &[], None)
}

fn build(
    binary: &Path,
    spec: &ProbeSettings,
    no_identity: bool,
    wrapper: &[String],
    beside: Option<(u32, u32)>,
) -> Invocation {
    let (args, mut env) = port_given(spec, crate::probe::free_port);
    // The run removes the identity variables after setting the probe's own: so does the
    // command shown (QA o: `env -u HOME ... HOME=/tmp/x pueued` put HOME back, and did not
    // reproduce the crash).
    if no_identity {
        env.retain(|(k, _)| !IDENTITY_VARS.contains(&k.as_str()));
    }
    let mut words: Vec<String> = wrapper.to_vec();
    words.push(binary.display().to_string());
    words.extend(args);
    let mut shown: Vec<String> = Vec::new();
    if no_identity || !env.is_empty() {
        shown.push("env".into());
        if no_identity {
            for v in IDENTITY_VARS {
                shown.push(format!("-u {v}"));
            }
        }
        for (k, v) in &env {
            shown.push(quote(&format!("{k}={v}")));
        }
    }
    shown.extend(words.iter().map(|w| quote(w)));
    let mut reproduce = shown.join(" ");
    if let Some(url) = readiness_url(spec, &env) {
        reproduce = with_request(&reproduce, &url);
    }
    if let Some((uid, gid)) = beside {
        reproduce = super::foreign::shown(uid, gid, &reproduce);
    }
    let mut all = words.into_iter().map(OsString::from);
    Invocation {
        program: all.next().unwrap_or_default(),
        args: all.collect(),
        env_remove: if no_identity {
            IDENTITY_VARS.to_vec()
        } else {
            Vec::new()
        },
        env,
        reproduce,
        beside,
    }
}

/// The URL an `http` readiness requests, on the port the run is given (`env`'s `PORT`, where
/// [`port_given`] puts it); `None` for the other readinesses.
fn readiness_url(spec: &ProbeSettings, env: &[(String, String)]) -> Option<String> {
    let crate::options::Ready::Http { path, .. } = &spec.ready else {
        return None;
    };
    let port = match spec.ready.fixed_port() {
        Some(p) => p.to_string(),
        None => env.iter().rev().find(|(k, _)| k == "PORT")?.1.clone(),
    };
    Some(format!("http://127.0.0.1:{port}{path}"))
}

/// A server may crash answering the readiness request, not before (QA u, F4: a lookup made
/// per request, as sfz's listing does): the command shown starts it in the background, sends
/// that request with `curl` once it listens (or until it is gone), prints the answer's HTTP
/// status (`000`: none), stops the server a second later if it is still there, and ends with
/// its status (143: it was stopped). It waited on a server that answered 403 for ever (QA bd
/// F2).
fn with_request(command: &str, url: &str) -> String {
    format!(
        "{command} & until code=$(curl -s -o /dev/null -w '%{{http_code}}' {}) || ! kill -0 $! \
         2>/dev/null; do sleep 0.1; done; echo \"HTTP $code\"; sleep 1; kill $! 2>/dev/null; \
         wait $!",
        quote(url)
    )
}

/// The arguments and environment of a run, with the port it is given written in: `{port}`
/// replaced and `PORT` set, as the probe gives them, when the readiness waits on a port or
/// `{port}` is used. The probe then uses that port (the user's `PORT` is the one a `tcp` or
/// `http` readiness waits on), and the reproduce command runs what the tool ran; it kept
/// `{port}` and had no `PORT` (QA l: mdbook's `serve -p '{port}'` failed by hand with
/// "invalid port value"). The port: the readiness's own, the user's `PORT`, else a free one
/// (`free`), taken now, as the run is about to start.
fn port_given(
    spec: &ProbeSettings,
    free: impl Fn() -> std::io::Result<u16>,
) -> (Vec<String>, Vec<(String, String)>) {
    use crate::options::Ready;
    let waits = matches!(spec.ready, Ready::Tcp(_) | Ready::Http { .. });
    let named = spec.args.iter().any(|a| a.contains("{port}"))
        || spec.env.iter().any(|(_, v)| v.contains("{port}"));
    let users = spec
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "PORT")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.contains("{port}"));
    let port = match (spec.ready.fixed_port(), users) {
        _ if !waits && !named => None,
        (Some(p), _) => Some(p.to_string()),
        (None, Some(v)) => Some(v),
        (None, None) => free().ok().map(|p| p.to_string()),
    };
    let Some(port) = port else {
        return (spec.args.clone(), spec.env.clone());
    };
    let args = spec
        .args
        .iter()
        .map(|a| a.replace("{port}", &port))
        .collect();
    let mut env: Vec<(String, String)> = spec
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.replace("{port}", &port)))
        .collect();
    if !env.iter().any(|(k, _)| k == "PORT") {
        env.push(("PORT".into(), port));
    }
    (args, env)
}

/// The command line for `condition`, or why it cannot be set up here.
pub fn invocation(
    condition: Condition,
    binary: &Path,
    spec: &ProbeSettings,
    privilege: &Privilege,
    scratch: &Scratch,
) -> std::result::Result<Invocation, String> {
    let wrapper = wrapper(condition, privilege, scratch)?;
    let no_identity = matches!(
        condition,
        Condition::NoHome | Condition::NoHomeUnknownUid | Condition::All
    );
    let beside = match (condition, privilege) {
        (Condition::ForeignProcess, Privilege::Root { uid, gid }) => Some((*uid, *gid)),
        _ => None,
    };
    Ok(build(binary, spec, no_identity, &wrapper, beside))
}

/// What checks, before the program runs under `condition`, that the condition can be set up
/// and the program executed in it: the same wrapper around `sh -c 'test -x "$0"'`, which
/// exits 0 only if `setpriv`, `unshare` and `mount` all did their part. `None` when the
/// condition needs no wrapper. The wrapper's own failure is thus told from the program's by
/// a run of its own, not by what the program writes to stderr (it may say `sh: ...` too).
pub fn setup_check(
    condition: Condition,
    binary: &Path,
    privilege: &Privilege,
    scratch: &Scratch,
) -> std::result::Result<Option<Invocation>, String> {
    let mut words = wrapper(condition, privilege, scratch)?;
    if words.is_empty() {
        return Ok(None);
    }
    words.extend([
        "sh".into(),
        "-c".into(),
        "test -x \"$0\" || { echo \"cannot execute $0 under this condition (uid $(id -u))\" >&2; \
         exit 1; }"
            .into(),
        binary.display().to_string(),
    ]);
    let reproduce = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
    let mut all = words.into_iter().map(OsString::from);
    Ok(Some(Invocation {
        program: all.next().unwrap_or_default(),
        args: all.collect(),
        env_remove: Vec::new(),
        env: Vec::new(),
        reproduce,
        beside: None,
    }))
}

/// The wrapper words in front of the program for `condition`, or why there is none here.
fn wrapper(
    condition: Condition,
    privilege: &Privilege,
    scratch: &Scratch,
) -> std::result::Result<Vec<String>, String> {
    let conf = scratch.nsswitch().display().to_string();
    let bind = |then: &str| -> Vec<String> {
        vec![
            "sh".into(),
            "-c".into(),
            format!("mount --bind \"$1\" /etc/nsswitch.conf && shift && exec {then}\"$@\""),
            "sh".into(),
            conf.clone(),
        ]
    };
    let s = |v: &[&str]| -> Vec<String> { v.iter().map(|x| x.to_string()).collect() };
    Ok(match (condition, privilege) {
        (Condition::NoHome | Condition::Plain, _) => Vec::new(),
        (_, Privilege::Neither(why)) => return Err(format!("skipped: {why}")),
        (Condition::UnknownUid | Condition::NoHomeUnknownUid, Privilege::Root { uid, gid }) => {
            setpriv(*uid, *gid)
        }
        (
            Condition::UnknownUid | Condition::NoHomeUnknownUid,
            Privilege::UserNamespace { uid, gid },
        ) => userns(*uid, *gid),
        (Condition::ForeignProcess, Privilege::UserNamespace { .. }) => {
            return Err(
                "skipped: needs root (a process of another uid, which a user namespace \
                 cannot start beside the program)"
                    .into(),
            );
        }
        (Condition::NssModule | Condition::ForeignProcess, Privilege::Root { .. }) => [
            s(&["unshare", "--mount", "--propagation", "private", "--"]),
            bind(""),
        ]
        .concat(),
        (Condition::NssModule, Privilege::UserNamespace { .. }) => [
            s(&["unshare", "--user", "--map-root-user", "--mount", "--"]),
            bind(""),
        ]
        .concat(),
        (Condition::All, Privilege::Root { uid, gid }) => {
            let then = format!("{} ", setpriv(*uid, *gid).join(" "));
            [
                s(&["unshare", "--mount", "--propagation", "private", "--"]),
                bind(&then),
            ]
            .concat()
        }
        (Condition::All, Privilege::UserNamespace { uid, gid }) => {
            let then = format!("{} ", userns(*uid, *gid).join(" "));
            [
                s(&["unshare", "--user", "--map-root-user", "--mount", "--"]),
                bind(&then),
            ]
            .concat()
        }
    })
}

fn userns(uid: u32, gid: u32) -> Vec<String> {
    vec![
        "unshare".into(),
        "--user".into(),
        format!("--map-user={uid}"),
        format!("--map-group={gid}"),
        "--".into(),
    ]
}

pub use crate::format::shell_word as quote;

#[cfg(test)]
#[path = "conditions_tests.rs"]
mod tests;
