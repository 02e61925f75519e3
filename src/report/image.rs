//! The OCI image of a binary (`--image`). Owned by the image stage (`src/image/`).
//!
//! Sizes are bytes; digests are `sha256:HEX` as the OCI descriptors write them.

use serde::{Deserialize, Serialize};

use super::{FailedRun, Memory, Stats};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Image {
    /// The OCI image layout directory (`oci-layout`, `index.json`, `blobs/`).
    pub layout: String,
    /// The same layout in one tar that also carries Docker's `manifest.json`, for
    /// `docker load` and `podman load`.
    pub tar: String,
    /// `NAME:TAG` as the tar's `manifest.json` and the layout's `ref.name` give it.
    pub reference: String,
    pub manifest_digest: String,
    pub config_digest: String,
    /// The gzip layer, as the manifest names it.
    pub layer_digest: String,
    /// The uncompressed layer's digest (the config's `rootfs.diff_ids`).
    pub diff_id: String,
    /// OCI names: `amd64`, `arm64`, ...; `linux`.
    pub architecture: String,
    pub os: String,
    /// What a pull transfers: the manifest, the config and the layer blob.
    pub compressed_size: u64,
    /// The layer uncompressed (the tar that is unpacked).
    pub uncompressed_size: u64,
    /// The image's `created` time and every file's mtime (RFC 3339).
    pub created: String,
    /// Where that time came from: `SOURCE_DATE_EPOCH`, `commit` (the last commit's time) or
    /// `zero` (1970-01-01).
    pub created_from: String,
    /// `UID:GID` of the image's `User`, and its name in the image's `/etc/passwd`.
    pub user: String,
    pub user_name: String,
    /// The user's home in the image, a directory of its own (mode 0700) that the layer holds
    /// (QA br F8: in no list, though the program writes there); empty in older reports.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home: String,
    pub workdir: String,
    pub entrypoint: Vec<String>,
    /// Where the entrypoint's arguments came from, when it has some: `probe` (the probe's
    /// arguments, `--probe-arg` or `probe_args`) or `image.args` (QA aw F4: `/app/btm
    /// --version` with no word of where `--version` came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_from: Option<String>,
    pub env: Vec<String>,
    /// e.g. `8080/tcp`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed_ports: Vec<String>,
    /// The binary in the image has no symbols or debug info (`strip = false` keeps them).
    pub stripped: bool,
    /// Every regular file in the image, in the layer's order.
    pub files: Vec<ImageFile>,
    /// How the files the binary needs at run time were found.
    pub trace: Trace,
    /// Files the binary opened at run time (traced on this machine) that the image does not
    /// hold, and why each was left out.
    #[serde(default)]
    pub not_in_image: Vec<LeftOut>,
    /// The binary started inside the image's own root filesystem.
    pub in_image: InImage,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageFile {
    /// Absolute path in the image.
    pub path: String,
    pub size: u64,
    /// Octal, e.g. `0755`.
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    pub why: FileWhy,
    /// The file on this machine it was copied from; `None` for files written by us.
    pub source: Option<String>,
    /// A symbolic link's target, relative to its directory (as on this machine, where the
    /// source is a link to another file of the image); `size` is then 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Why a file is in the image.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum FileWhy {
    /// The program itself.
    Binary,
    /// `/etc/passwd` or `/etc/group`, with an entry for the image's user.
    User,
    /// The dynamic loader named in `PT_INTERP` (regular builds).
    Interpreter,
    /// A shared library of the closure (regular builds).
    Library,
    /// System data the binary opened at run time (CA certificates, zoneinfo, ...).
    RuntimeData,
    /// Listed in `image.files`.
    Extra,
}

impl Image {
    /// What `not_in_image` holds, as its heading says: files the run opened, and the CAs of a
    /// bundle it opened where it has some (QA do F6).
    pub fn left_out_heading(&self) -> &'static str {
        let bundled = |l: &LeftOut| l.why == LeftOutWhy::LocalCaInBundle;
        match self.not_in_image.iter().any(bundled) {
            true => "opened at run time on this machine, or in a CA bundle it opened",
            false => "opened at run time on this machine",
        }
    }

    /// The entrypoint's argument that `path` is or leads to: the start inside sees the first
    /// directory not found, `/tmp` of the argument `/tmp/www`.
    pub fn argument_of(&self, path: &str) -> Option<&str> {
        self.entrypoint
            .iter()
            .skip(1)
            .map(String::as_str)
            .find(|a| {
                a.starts_with('/')
                    && (*a == path
                        || a.strip_prefix(path)
                            .is_some_and(|r| path == "/" || r.starts_with('/')))
            })
    }
}

impl FileWhy {
    pub fn as_str(self) -> &'static str {
        match self {
            FileWhy::Binary => "the binary",
            FileWhy::User => "the image's user",
            FileWhy::Interpreter => "dynamic loader",
            FileWhy::Library => "shared library",
            FileWhy::RuntimeData => "opened at run time (system data)",
            FileWhy::Extra => "image.files",
        }
    }
}

/// The traced run that finds the files a binary opens.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Trace {
    /// A run was traced (`false`: see `reason`).
    pub traced: bool,
    /// Why there was no traced run, or what went wrong in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Distinct files opened successfully, the binary's own start included.
    pub opened: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeftOut {
    pub path: String,
    pub why: LeftOutWhy,
    /// A file of this machine's `$HOME` (`why: home`): where the image's user would have it,
    /// under its own home (QA br F2: zoxide's `/root/.local/share/zoxide/db.zo` is
    /// `/home/nonroot/...` in the image, where `image.files` must put one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_image: Option<String>,
}

impl LeftOut {
    /// Why it is not in the image, in words, with where the image's user would have it.
    pub fn said(&self) -> String {
        match (&self.why, &self.in_image) {
            (LeftOutWhy::Home, Some(there)) => format!(
                // The run's: this machine's, or the probe's `HOME` (QA cs F3).
                "in the run's home directory (the program's own file?): not copied; the image's \
                 user would have it at {there}, where `image.files` puts one unless the program \
                 makes it itself"
            ),
            _ => self.why.as_str().to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum LeftOutWhy {
    /// Host identity or a secret (`/etc/machine-id`, `/etc/shadow`, keys, home directories):
    /// never copied.
    Secret,
    /// `/proc`, `/sys`, `/dev`, `/etc/resolv.conf`, ...: a container runtime provides them.
    Runtime,
    /// Outside the system data that is copied: opened at run time, not in the image.
    NotCopied,
    /// In a home directory on this machine, with no mark of a credential: most often the
    /// program's own configuration, which a run wrote there (QA aw F3: btm's `bottom.toml`
    /// was said to be "host identity or secret"). Not copied: the image's user has its own.
    Home,
    /// Opened under a path the probe's arguments name and `image.args`, which the image runs
    /// with instead, does not (QA bj F3: static-web-server's `--root` on this machine, where
    /// the image serves `/srv/www`).
    ProbeArgument,
    /// A CA certificate this machine trusts of its own, not its distribution's (QA cl F1: a
    /// proxy's egress CA, the host's snakeoil certificate): never copied, nor its copy in the
    /// bundle.
    LocalCa,
    /// A CA of [`LeftOutWhy::LocalCa`]'s kind that the run did not open but that is in the
    /// bundle it opened (`/etc/ssl/certs/ca-certificates.crt`): taken out of the image's copy
    /// of it (QA do F6: they stood as "opened at run time").
    LocalCaInBundle,
    /// A program the run started (`exec`), which the image does not hold (QA cr F3: starship's
    /// `/usr/sbin/ip netns identify`, whose libraries were listed as the binary's).
    Program,
}

impl LeftOutWhy {
    pub fn as_str(self) -> &'static str {
        match self {
            LeftOutWhy::Secret => "host identity or secret, never copied",
            LeftOutWhy::Runtime => "provided by the container runtime",
            LeftOutWhy::NotCopied => "opened at run time, not in the image",
            LeftOutWhy::Home => {
                "in a home directory on this machine (the program's own file?): not copied, \
                 `image.files` puts one in"
            }
            LeftOutWhy::ProbeArgument => {
                "under a path of the probe's arguments, which the image does not run with \
                 (`image.args`)"
            }
            LeftOutWhy::LocalCa => {
                "a CA this machine trusts of its own, not its distribution's: never copied, \
                 nor its copy in the bundle (`image.files` puts one in)"
            }
            LeftOutWhy::LocalCaInBundle => {
                "a CA this machine trusts of its own, not its distribution's, in the CA bundle it \
                 opened: taken out of the image's copy of the bundle (`image.files` puts one in)"
            }
            LeftOutWhy::Program => {
                "a program it ran on this machine, not in the image: what it runs it for fails \
                 there (`image.files` puts one in, with what that program needs)"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum InImageOutcome {
    /// Every counted run inside the image got ready.
    Started,
    /// Some run inside the image did not get ready (see `failed_runs`, `missing`).
    Failed,
    /// Not run: no namespaces, `--no-probe`, or no image (see `reason`).
    #[default]
    Skipped,
}

impl InImageOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            InImageOutcome::Started => "started",
            InImageOutcome::Failed => "failed",
            InImageOutcome::Skipped => "skipped",
        }
    }
}

/// The startup probe run inside the image's root filesystem (unpacked from the layer written),
/// as the image's user, in a private user and mount namespace.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InImage {
    pub outcome: InImageOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A shell command that runs it the same way by hand, from the layer blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
    /// The readiness condition (the probe's).
    #[serde(default)]
    pub ready: String,
    /// Counted runs that got ready, and runs that did not.
    pub runs: u32,
    pub failures: u32,
    /// From spawn to ready, the namespaces' set-up (and the bind of `/proc`) included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_ms: Option<Stats>,
    #[serde(default)]
    pub memory_kib: Memory,
    #[serde(default)]
    pub failed_runs: Vec<FailedRun>,
    /// The same binary got ready in the host probe; `None`: not probed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on_host: Option<bool>,
    /// Paths it tried to open, run or look up (`stat`, `access`, `readlink`) inside the image
    /// that are not there (a traced run in the image), those it opened on the host first.
    #[serde(default)]
    pub missing: Vec<Missing>,
    /// Paths the traced run inside was not allowed to open, make or run (EACCES, EPERM,
    /// EROFS): the image gives them to another user than its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<String>,
    /// It got ready on sockets bound to loopback alone (`127.0.0.1`, `::1`): the run inside
    /// shares this machine's network, where that answers; a container's published port does
    /// not reach it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub loopback_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Missing {
    pub path: String,
    /// The host run opened it: the image lacks what the binary had there.
    pub opened_on_host: bool,
}
