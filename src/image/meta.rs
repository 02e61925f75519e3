//! Small facts an image is labelled with: its fixed time, the OCI architecture name, the
//! reference, the git revision, and shell quoting for the commands we show.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// `9999-12-31T23:59:59Z`: the last time RFC 3339 can write (`date -u -d @253402300799`).
const LAST_RFC3339_SECOND: u64 = 253_402_300_799;

/// The one time an image carries: its `created` and every file's mtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epoch {
    pub seconds: u64,
    /// `SOURCE_DATE_EPOCH`, `commit` or `zero`.
    pub from: &'static str,
}

impl Epoch {
    /// `SOURCE_DATE_EPOCH` (the reproducible-builds convention), else the time of the last
    /// commit of the workspace, else 0.
    pub fn find(workspace: &Path) -> Result<Epoch> {
        if let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH") {
            return Epoch::from_source_date_epoch(&v.to_string_lossy());
        }
        if let Some(seconds) =
            git(workspace, &["log", "-1", "--format=%ct"]).and_then(|t| t.parse().ok())
        {
            return Ok(Epoch {
                seconds,
                from: "commit",
            });
        }
        Ok(Epoch {
            seconds: 0,
            from: "zero",
        })
    }

    /// The value of `SOURCE_DATE_EPOCH`: whole seconds since 1970 whose date has a 4-digit
    /// year, as RFC 3339 (and so skopeo, umoci and the image-spec) requires of `created`.
    fn from_source_date_epoch(text: &str) -> Result<Epoch> {
        text.trim()
            .parse()
            .ok()
            .filter(|s| *s <= LAST_RFC3339_SECOND)
            .map(|seconds| Epoch {
                seconds,
                from: "SOURCE_DATE_EPOCH",
            })
            .ok_or_else(|| {
                Error::Usage(format!(
                    "SOURCE_DATE_EPOCH=`{text}` is not a number of seconds since 1970 (up to \
                     {LAST_RFC3339_SECOND}, 9999-12-31T23:59:59Z: RFC 3339 has 4-digit years)"
                ))
            })
    }

    /// RFC 3339 in UTC, e.g. `2024-05-01T12:00:00Z`.
    pub fn rfc3339(&self) -> String {
        let days = (self.seconds / 86_400) as i64;
        let rest = self.seconds % 86_400;
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `git -C dir ARGS`, trimmed stdout; `None` without git, outside a repository, or on error.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The commit the workspace is at, `-dirty` appended (as `git describe --dirty` does) when
/// tracked files below it differ from that commit: the binary was not built from it alone.
pub fn revision(workspace: &Path) -> Option<String> {
    let head = git(workspace, &["rev-parse", "--verify", "HEAD"])?;
    let changed = git(
        workspace,
        &["status", "--porcelain", "--untracked-files=no", "--", "."],
    );
    Some(match changed {
        Some(_) => format!("{head}-dirty"),
        None => head,
    })
}

/// The OCI (Go) name of an architecture as `inspect` names it.
pub fn oci_arch(arch: &str) -> String {
    match arch {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        "riscv" => "riscv64",
        other => other,
    }
    .to_string()
}

/// A repository name Docker accepts: lowercase letters, digits and single separators.
pub fn repository(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(['-', '_', '.']) {
            out.push(if matches!(c, '.' | '_') { c } else { '-' });
        }
    }
    let out = out.trim_end_matches(['-', '_', '.']).to_string();
    if out.is_empty() { "app".into() } else { out }
}

/// A tag Docker accepts (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`): `1.0.0+build` → `1.0.0-build`.
pub fn tag(version: &str) -> String {
    let mut t: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if t.is_empty() || t.starts_with(['.', '-']) {
        t.insert(0, '_');
        t.truncate(128);
    }
    t
}

pub use crate::format::shell_word as quote;

/// The OCI annotations of the manifest: created, version, revision and source when known.
pub(super) fn annotations(
    epoch: &Epoch,
    revision: Option<&str>,
    version: &str,
    source: Option<String>,
) -> BTreeMap<String, String> {
    let key = |k: &str| format!("org.opencontainers.image.{k}");
    let mut a = BTreeMap::new();
    a.insert(key("created"), epoch.rfc3339());
    a.insert(key("version"), version.to_string());
    if let Some(r) = revision {
        a.insert(key("revision"), r.to_string());
    }
    if let Some(src) = source {
        a.insert(key("source"), src);
    }
    a
}

/// The `ExposedPorts` of an image: its port when it has one or its start inside waits on one
/// (a `tcp`/`http` readiness, or `{port}` in its arguments or variables), as `PORT/tcp`.
pub fn exposed(port: Option<u16>, waits_on_port: bool, default: u16) -> Vec<String> {
    match (port, waits_on_port) {
        (Some(p), _) => vec![format!("{p}/tcp")],
        (None, true) => vec![format!("{default}/tcp")],
        (None, false) => Vec::new(),
    }
}

/// A warning for each entrypoint argument that names the loopback address (`127.0.0.1`,
/// `localhost:PORT`, `[::1]`): a server that listens there inside a container answers only
/// inside it. The start inside shares the host's network, so it cannot tell. `server`: the
/// program is probed as one (a readiness other than `exit`); a program that exits is given
/// no server's advice (QA ce F3: rustscan's `-a 127.0.0.1` is the host it scans).
pub fn loopback_warnings(args: &[String], inherited: bool, server: bool) -> Vec<String> {
    let whence = if inherited {
        " (taken from the probe's arguments)"
    } else {
        ""
    };
    args.iter()
        .filter(|a| is_loopback_argument(a))
        .map(|a| {
            // A URL is where a client connects (QA ay F3: xh's `http://127.0.0.1:18765/` got
            // a server's advice, `0.0.0.0`, which a client cannot connect to); so is any
            // address of a program that exits.
            if a.contains("://") || !server {
                return format!(
                    "the image's argument `{a}`{whence} names the loopback address: in a \
                     container that is the container itself, so a program that connects there \
                     reaches nothing of this machine (and a server that listens there is not \
                     reachable from outside it); set `image.args` with the address it must use \
                     there"
                );
            }
            // The argument with every address in its place (QA am F7: `0.0.0.0:{port}` did not
            // fit a server that takes the address and the port apart).
            // IPv6's loopback gets IPv6's any-address (QA bp F4: `0.0.0.0` in place of `::1`
            // stops a server listening on IPv6).
            let (host, any) = [
                ("127.0.0.1", "0.0.0.0"),
                ("[::1]", "[::]"),
                ("::1", "::"),
                ("localhost", "0.0.0.0"),
            ]
            .into_iter()
            .find(|(h, _)| a.contains(h))
            .unwrap_or((a.as_str(), "0.0.0.0"));
            let instead = a.replacen(host, any, 1);
            let set = match inherited {
                true => "set `image.args`",
                false => "change `image.args`",
            };
            format!(
                "the image's argument `{a}`{whence} names the loopback address: a server that \
                 listens there in a container is not reachable from outside it; {set}, with \
                 `{instead}` in its place"
            )
        })
        .collect()
}

fn is_loopback_argument(a: &str) -> bool {
    // An option's value after `=` counts alone (QA bn F1: `--interfaces=::1`).
    let value = a.rsplit_once('=').map_or(a, |(_, v)| v);
    a.contains("127.0.0.1")
        || a.contains("[::1]")
        || a.contains("localhost:")
        || ["::1", "localhost"].contains(&value)
}

/// Whether an argument names the loopback address (then [`loopback_warnings`] said it).
pub fn names_loopback(args: &[String]) -> bool {
    args.iter().any(|a| is_loopback_argument(a))
}

/// The warning for a program that, started inside the image, listened on loopback alone
/// (its default, as no argument named it: mdbook's `localhost`, QA bk F1): the run inside
/// shares this machine's network, where that answers, but a container's published port
/// (`docker run -p`) does not reach it.
pub fn listened_on_loopback(port: u16) -> String {
    format!(
        "started inside the image, it listened on port {port} of the loopback address alone \
         (its own default: no argument names an address): the run inside shares this \
         machine's network, where that answers, but in a container the loopback address is \
         the container's, and a published port (`docker run -p`) does not reach it; make it \
         listen on every interface, `0.0.0.0` or `::` (by its option or variable for the \
         address, in `image.args` or `image.env`)"
    )
}

/// The warning for a program that read `/sys` on this machine and started inside the image,
/// whose start has none (a container runtime mounts one): what it sizes from there (CPUs, a
/// cgroup's CPU quota or memory limit) it sized otherwise in that start (QA bt F6: tokio's
/// worker threads from `cpu.cfs_quota_us`). `None` when no path of `opened` is under `/sys`.
pub fn started_without_sys<'a>(opened: impl Iterator<Item = &'a str>) -> Option<String> {
    let sys: Vec<&str> = opened.filter(|p| p.starts_with("/sys/")).collect();
    let first = sys.first()?;
    let more = match sys.len() - 1 {
        0 => String::new(),
        n => format!(" and {}", crate::format::count(n, "more", "more")),
    };
    // What it reads there, said for the files read (QA cl F6: jemalloc's transparent huge
    // page setting was said to size CPUs and cgroup limits).
    let sizing = |p: &&str| p.contains("cgroup") || p.starts_with("/sys/devices/system/cpu");
    let what = if sys.iter().any(sizing) {
        "what it sizes from there (CPUs, a cgroup's CPU quota or memory limit, as tokio sizes \
         its worker threads) it sized otherwise in that start, so its threads and memory under \
         a runtime may differ"
    } else if sys
        .iter()
        .all(|p| p.starts_with("/sys/kernel/mm/transparent_hugepage"))
    {
        "the kernel's huge-page setting, which an allocator (jemalloc) reads to use huge pages \
         or not, it read otherwise in that start, so its memory under a runtime may differ"
    } else {
        "what it read there it did not find in that start, so it may run otherwise under a \
         runtime"
    };
    Some(format!(
        "started inside the image with no `/sys`, which a container runtime mounts; on this \
         machine the program read {first}{more}: {what}"
    ))
}

/// The flags a probe of a program that exits is often given to time its start, which an image
/// rarely wants to run on every start.
const PROBE_ONLY: &[&str] = &["--version", "-V", "--help", "-h", "version", "help"];

/// A warning when the entrypoint's arguments are the probe's (`inherited`: `image.args` is not
/// set) and nothing but a version or help flag: every `docker run IMAGE ARGS` then runs
/// `PROGRAM --version ARGS` (QA ci F8: tealdeer's image, probed with `--version`).
pub fn probe_flag_warning(entrypoint: &[String], inherited: bool) -> Option<String> {
    let (program, args) = entrypoint.split_first()?;
    if !inherited || args.is_empty() || !args.iter().all(|a| PROBE_ONLY.contains(&a.as_str())) {
        return None;
    }
    let args = args.join(" ");
    Some(format!(
        "the image's entrypoint is `{program} {args}`, the probe's arguments, as `image.args` \
         is not set: every `docker run IMAGE ARGS` runs `{program} {args} ARGS`; set \
         `image.args = []` to ship the program alone (its start inside then gives it the \
         probe's arguments, as `docker run IMAGE {args}` would)"
    ))
}

#[cfg(test)]
#[path = "meta_tests.rs"]
mod tests;
