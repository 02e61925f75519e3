//! What goes into an image: the binary, `/etc/passwd` and `/etc/group` for its user, the
//! closure of a regular build, the system data the binary opened at run time, and the extra
//! files of `image.files`; and what it opened that stays out, with the reason.
//!
//! The system data copied in ([`DATA_FILES`], [`DATA_DIRS`]): CA certificates, zoneinfo and
//! the name-service files a static glibc reads. Never copied ([`is_secret`]): host identity and
//! secrets. Left to the container runtime ([`is_runtime`]): `/proc`, `/sys`, `/dev` and the
//! files it mounts into every container.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::tarball::{Data, Entry, complete};
use crate::error::{Error, Result};
use crate::plan::ImageSettings;
use crate::report::{Artifact, FileWhy, ImageFile, LeftOut, LeftOutWhy};
use left::opened_files;

#[path = "contents_left.rs"]
mod left;

/// System data files copied in when the binary opened them.
pub const DATA_FILES: &[&str] = &[
    "/etc/ssl/cert.pem",
    "/etc/ssl/openssl.cnf",
    "/usr/lib/ssl/openssl.cnf",
    "/etc/pki/tls/cert.pem",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/networks",
    "/etc/mime.types",
];

/// Directories whose files are copied in when the binary opened them.
pub const DATA_DIRS: &[&str] = &[
    "/etc/ssl/certs/",
    "/usr/lib/ssl/certs/",
    "/etc/pki/tls/certs/",
    "/etc/pki/ca-trust/extracted/",
    "/usr/share/ca-certificates/",
    "/usr/local/share/ca-certificates/",
    "/usr/share/zoneinfo/",
];

const SECRET_FILES: &[&str] = &[
    "/etc/machine-id",
    "/var/lib/dbus/machine-id",
    "/etc/hostid",
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/krb5.keytab",
];

const SECRET_DIRS: &[&str] = &["/etc/ssh/", "/etc/ssl/private/", "/etc/sudoers.d/"];

/// Home directories: their files are never copied, whatever opened them.
const HOME_DIRS: &[&str] = &["/root/", "/home/"];

/// Parts of a path that mark credentials wherever they are.
const SECRET_PARTS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".docker",
    ".kube",
    ".netrc",
    ".git-credentials",
    ".pgpass",
];

/// Docker, podman and the kubelet write `/etc/hosts` into every container (QA ce F4: this
/// machine's, with its host names and mode 0755, went into the image).
const RUNTIME_FILES: &[&str] = &[
    "/etc/resolv.conf",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/mtab",
];

/// The dynamic loader's cache of library paths, which it does without: it then searches its
/// default directories, where the image puts the libraries (QA u, F1).
pub const LOADER_CACHE: &str = "/etc/ld.so.cache";
const RUNTIME_DIRS: &[&str] = &["/proc/", "/sys/", "/dev/"];

/// Host identity or a secret: never copied, whatever opened it.
pub fn is_secret(path: &str, home: Option<&str>) -> bool {
    credential(path) || in_home(path, home)
}

/// A path [`is_secret`] for being in a home directory alone (`/root/`, `/home/`, `home`),
/// with no credential's mark (SSH, GnuPG, cloud keys, `*.key`) anywhere in it.
pub fn only_home(path: &str, home: Option<&str>) -> bool {
    in_home(path, home) && !credential(path)
}

fn in_home(path: &str, home: Option<&str>) -> bool {
    HOME_DIRS.iter().any(|d| path.starts_with(d))
        || home.is_some_and(|h| !h.is_empty() && h != "/" && under(path, h))
}

/// Host identity, or a credential wherever it is.
fn credential(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    SECRET_FILES.contains(&path)
        || SECRET_DIRS.iter().any(|d| path.starts_with(d))
        || path.split('/').any(|part| SECRET_PARTS.contains(&part))
        || name.ends_with(".key")
        || ["id_rsa", "id_ecdsa", "id_ed25519", "id_dsa"]
            .iter()
            .any(|k| name.starts_with(k))
}

/// CA certificates, among the system data: the bundles and their directories.
pub fn is_ca(path: &str) -> bool {
    is_data(path)
        && (path.ends_with("/cert.pem")
            || DATA_DIRS
                .iter()
                .any(|d| path.starts_with(d) && (d.contains("cert") || d.contains("ca-trust"))))
}

/// Provided by the container runtime in every container.
pub fn is_runtime(path: &str) -> bool {
    RUNTIME_FILES.contains(&path)
        || RUNTIME_DIRS
            .iter()
            .any(|d| path.starts_with(d) || path == d.trim_end_matches('/'))
}

/// System data that an image should carry when the binary reads it.
pub fn is_data(path: &str) -> bool {
    DATA_FILES.contains(&path) || DATA_DIRS.iter().any(|d| path.starts_with(d))
}

fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// The image's files and what stays out.
pub struct Contents {
    pub entries: Vec<Entry>,
    pub files: Vec<ImageFile>,
    pub left_out: Vec<LeftOut>,
}

/// Host permission bits, without write for group and others.
fn host_mode(path: &Path) -> u32 {
    std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o755)
}

/// Collects entries with why each is there; the first of a path wins.
#[derive(Default)]
struct Builder {
    entries: Vec<Entry>,
    why: BTreeMap<String, (FileWhy, Option<String>)>,
    /// The first two entries that cannot both be in the layer (`config` refuses the settings
    /// that would give them; a regular build's libraries or the data it opens can still).
    clash: Option<String>,
}

impl Builder {
    fn add(&mut self, path: &str, data: Data, mode: u32, why: FileWhy) {
        let dir = matches!(data, Data::Dir);
        if let Some(&(had, _)) = self.why.get(path) {
            let had_dir = self
                .entries
                .iter()
                .any(|e| e.path == path && matches!(e.data, Data::Dir));
            // An extra file replaces the host's copy of system data; the rest must agree.
            let fine = (had_dir && dir)
                || (!had_dir
                    && !dir
                    && (had == why || (had, why) == (FileWhy::Extra, FileWhy::RuntimeData)));
            if !fine {
                self.clashes(format!(
                    "`{path}` ({}) and `{path}` ({})",
                    had.as_str(),
                    why.as_str()
                ));
            }
            return;
        }
        // A file with something below it, or below a file.
        let other = self.entries.iter().find(|e| {
            (!matches!(e.data, Data::Dir) && below(path, &e.path)) || (!dir && below(&e.path, path))
        });
        if let Some(e) = other {
            let had = self.why.get(&e.path).map_or("", |w| w.0.as_str());
            self.clashes(format!(
                "`{}` ({had}) and `{path}` ({})",
                e.path,
                why.as_str()
            ));
            return;
        }
        let source = match &data {
            Data::File(p) => Some(p.display().to_string()),
            _ => None,
        };
        self.why.insert(path.to_string(), (why, source));
        self.entries.push(Entry {
            path: path.to_string(),
            data,
            mode,
            uid: 0,
            gid: 0,
        });
    }

    /// A directory owned by `owner` (uid, gid): the user's home. A directory already there
    /// (the workdir, when it is the home) becomes the owner's.
    fn add_dir_owned(&mut self, path: &str, mode: u32, owner: (u32, u32)) {
        self.add(path, Data::Dir, mode, FileWhy::User);
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.path == path && matches!(e.data, Data::Dir))
        {
            (e.uid, e.gid) = owner;
        }
    }

    fn clashes(&mut self, both: String) {
        self.clash.get_or_insert(both);
    }
}

/// `inner` lies strictly below `outer`.
fn below(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The home directory of the image's user, which the image carries (owned by the user, mode
/// 0700, as distroless's `nonroot` has `/home/nonroot`): a program that resolves its home (a
/// config directory, `canonicalize` of it) finds one. It was `/nonexistent`, and watchexec
/// failed inside its image for it (QA k).
pub fn home(s: &ImageSettings) -> String {
    home_of(&s.user)
}

/// The home directory of `u` in the image.
pub fn home_of(u: &crate::plan::ImageUser) -> String {
    match u.uid {
        0 => "/root".to_string(),
        _ => format!("/home/{}", u.name),
    }
}

/// `/etc/passwd` and `/etc/group` with root and the image's user.
pub fn user_files(s: &ImageSettings) -> (String, String) {
    let u = &s.user;
    let mut passwd = String::from("root:x:0:0:root:/root:/sbin/nologin\n");
    let mut group = String::from("root:x:0:\n");
    if u.uid != 0 {
        passwd.push_str(&format!(
            "{n}:x:{}:{}:{n}:{}:/sbin/nologin\n",
            u.uid,
            u.gid,
            home(s),
            n = u.name
        ));
    }
    if u.gid != 0 {
        group.push_str(&format!("{}:x:{}:\n", u.name, u.gid));
    }
    (passwd, group)
}

/// What goes in whatever the program opens: the binary, `image.files`, the user's files and,
/// for a regular build, its loader and libraries.
fn given(b: &mut Builder, a: &Artifact, s: &ImageSettings, binary: &Path) {
    b.add(
        &s.path,
        Data::File(binary.to_path_buf()),
        0o755,
        FileWhy::Binary,
    );
    // Its source is the binary in the target dir (the stripped copy is scratch).
    if let Some(w) = b.why.get_mut(&s.path) {
        w.1 = Some(a.path.clone());
    }
    for (to, from) in &s.files {
        b.add(
            to,
            Data::File(from.clone()),
            host_mode(from),
            FileWhy::Extra,
        );
    }
    let (passwd, group) = user_files(s);
    b.add(
        "/etc/passwd",
        Data::Bytes(passwd.into_bytes()),
        0o644,
        FileWhy::User,
    );
    b.add(
        "/etc/group",
        Data::Bytes(group.into_bytes()),
        0o644,
        FileWhy::User,
    );
    // A regular build: the loader at the path the binary names, each library where it was found.
    let interp = a.binary.interpreter.as_deref();
    for c in &a.binary.closure {
        let Some(found) = &c.path else { continue };
        let (at, why) = match interp {
            Some(i) if c.name == i => (i, FileWhy::Interpreter),
            _ => (found.as_str(), FileWhy::Library),
        };
        let from = PathBuf::from(found);
        b.add(at, Data::File(from.clone()), host_mode(&from), why);
    }
}

/// What the image of `a` holds: `binary` is the file to ship (stripped or not), `opened` the
/// files a traced run opened successfully on this machine (`None`: not traced), with `HOME`
/// set to `host_home` (the probe's `--probe-env HOME=...`; `None`: this tool's own). An error
/// when two of its files cannot both be in one layer.
pub fn assemble(
    a: &Artifact,
    s: &ImageSettings,
    binary: &Path,
    (opened, programs, host_home): (Option<&[String]>, &[String], Option<&str>),
) -> Result<Contents> {
    let mut b = Builder::default();
    given(&mut b, a, s, binary);
    let host_home = host_home
        .map(str::to_string)
        .or_else(|| std::env::var("HOME").ok());
    let mut left_out = opened_files(
        &mut b,
        a,
        (opened.unwrap_or_default(), host_home.as_deref()),
        &home(s),
    );
    // The programs it ran that the image does not hold (QA cr F3).
    left_out.extend(
        programs
            .iter()
            .filter(|p| !b.why.contains_key(*p))
            .map(|p| LeftOut {
                path: p.clone(),
                why: LeftOutWhy::Program,
                in_image: None,
            }),
    );
    if s.workdir != "/" {
        b.add(&s.workdir, Data::Dir, 0o755, FileWhy::Binary);
    }
    b.add_dir_owned(&home(s), 0o700, (s.user.uid, s.user.gid));
    if let Some(both) = b.clash {
        return Err(Error::Usage(format!(
            "the image of `{}` cannot hold both {both}: one is a file where the other needs a \
             directory, or both take one path (set another `image.path`, `image.workdir` or \
             `image.files` destination)",
            a.name
        )));
    }
    super::links::linked(&mut b.entries);
    let entries = complete(b.entries);
    let files = listing(&entries, &b.why);
    Ok(Contents {
        entries,
        files,
        left_out,
    })
}

/// The regular files of the image, in the layer's order, with their size and why.
fn listing(entries: &[Entry], why: &BTreeMap<String, (FileWhy, Option<String>)>) -> Vec<ImageFile> {
    entries
        .iter()
        .filter_map(|e| {
            let (size, link) = match &e.data {
                Data::Dir => return None,
                Data::Bytes(v) => (v.len() as u64, None),
                Data::File(p) => (std::fs::metadata(p).map_or(0, |m| m.len()), None),
                Data::Link(to) => (0, Some(to.clone())),
            };
            let (why, source) = why.get(&e.path)?.clone();
            Some(ImageFile {
                path: e.path.clone(),
                size,
                mode: format!("{:04o}", e.mode),
                uid: e.uid,
                gid: e.gid,
                why,
                source,
                link,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "contents_tests.rs"]
mod tests;
