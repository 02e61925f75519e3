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
mod tests {
    use super::*;

    #[test]
    fn a_read_of_sys_is_said_with_the_start_that_had_none() {
        // QA cl F6: jemalloc's read of the huge-page setting sizes no CPUs.
        let thp = ["/sys/kernel/mm/transparent_hugepage/enabled"];
        let w = started_without_sys(thp.into_iter()).expect("a warning");
        assert!(
            w.contains("the kernel's huge-page setting") && !w.contains("CPUs"),
            "{w}"
        );
        let none = ["/proc/self/cgroup", "/etc/passwd", "/system/x"];
        assert_eq!(started_without_sys(none.into_iter()), None);
        let w = started_without_sys(
            [
                "/proc/self/cgroup",
                "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
            ]
            .into_iter(),
        )
        .expect("a warning");
        assert!(
            w.contains("the program read /sys/fs/cgroup/cpu/cpu.cfs_quota_us and 1 more:"),
            "{w}"
        );
        assert!(
            w.starts_with("started inside the image with no `/sys`"),
            "{w}"
        );
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |s| {
            Epoch {
                seconds: s,
                from: "zero",
            }
            .rfc3339()
        };
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        // `date -u -d @1700000000 +%FT%TZ`
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn source_date_epoch_beyond_year_9999_is_refused() {
        let e = |t: &str| Epoch::from_source_date_epoch(t).map(|e| e.rfc3339());
        // `date -u -d @253402300799 +%FT%TZ`
        assert_eq!(
            e("253402300799").ok().as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(e(" 0 ").ok().as_deref(), Some("1970-01-01T00:00:00Z"));
        for bad in ["253402300800", "99999999999999", "-1", "1.5", "abc", ""] {
            let msg = e(bad).expect_err(bad).to_string();
            assert!(
                msg.contains("is not a number of seconds since 1970") && msg.contains(bad),
                "{msg}"
            );
        }
    }

    #[test]
    fn names_and_tags_are_what_docker_accepts() {
        assert_eq!(repository("Hello_Server"), "hello_server");
        assert_eq!(repository("--x"), "x");
        assert_eq!(repository("ü"), "app");
        assert_eq!(tag("1.0.0+build.5"), "1.0.0-build.5");
        assert_eq!(tag("-rc"), "_-rc");
        assert_eq!(oci_arch("x86_64"), "amd64");
        assert_eq!(quote("/app/x"), "/app/x");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn an_image_exposes_the_port_its_start_inside_waits_on() {
        assert_eq!(exposed(Some(3000), false, 8080), ["3000/tcp"]);
        assert_eq!(exposed(None, true, 8080), ["8080/tcp"]);
        assert!(exposed(None, false, 8080).is_empty());
    }

    #[test]
    fn loopback_arguments_are_named_and_others_are_not() {
        let args: Vec<String> = [
            "-i",
            "127.0.0.1",
            "--port",
            "8080",
            "--upstream",
            "http://db:5432",
        ]
        .map(String::from)
        .to_vec();
        let w = loopback_warnings(&args, true, true);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("`127.0.0.1` (taken from the probe's arguments)"),
            "{w:?}"
        );
        assert!(
            w[0].ends_with("set `image.args`, with `0.0.0.0` in its place"),
            "{w:?}"
        );
        for (a, instead) in [
            ("localhost:3000", "0.0.0.0:3000"),
            ("[::1]:80", "[::]:80"),
            ("--listen=127.0.0.1:9", "--listen=0.0.0.0:9"),
            ("::1", "::"),
            ("--interfaces=::1", "--interfaces=::"),
            ("--host=localhost", "--host=0.0.0.0"),
        ] {
            let w = loopback_warnings(&[a.into()], false, true);
            assert_eq!(w.len(), 1, "{a}");
            // Its own `image.args` are changed, not set (QA bp F4).
            assert!(w[0].contains("; change `image.args`, with"), "{w:?}");
            assert!(
                w[0].ends_with(&format!("with `{instead}` in its place")),
                "{w:?}"
            );
        }
        assert!(
            loopback_warnings(
                &[
                    "0.0.0.0:8080".into(),
                    "mylocalhost".into(),
                    "--x=a::1".into()
                ],
                false,
                true
            )
            .is_empty()
        );
        // QA ay F3: a URL is a client's target, not given a server's `0.0.0.0`.
        let w = loopback_warnings(&["http://127.0.0.1:18765/".into()], true, true);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("a program that connects there"), "{w:?}");
        assert!(!w[0].contains("0.0.0.0"), "{w:?}");
        // QA ce F3: a program that exits (rustscan `-a 127.0.0.1`) is a client of the address:
        // `0.0.0.0` in its place would change what it does.
        let w = loopback_warnings(&["-a".into(), "127.0.0.1".into()], true, false);
        // QA ci F8: a version flag taken from the probe is said; set by `image.args`, or with
        // another argument, it is not.
        let ep = |args: &[&str]| -> Vec<String> {
            std::iter::once("/app/tldr")
                .chain(args.iter().copied())
                .map(String::from)
                .collect()
        };
        let said = probe_flag_warning(&ep(&["--version"]), true).expect("a warning");
        assert!(
            said.starts_with("the image's entrypoint is `/app/tldr --version`, the probe's"),
            "{said}"
        );
        assert!(said.contains("runs `/app/tldr --version ARGS`"), "{said}");
        assert_eq!(probe_flag_warning(&ep(&["--version"]), false), None);
        assert_eq!(probe_flag_warning(&ep(&["--list"]), true), None);
        assert_eq!(probe_flag_warning(&ep(&[]), true), None);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("a program that connects there"), "{w:?}");
        assert!(!w[0].contains("0.0.0.0"), "{w:?}");
    }
}
