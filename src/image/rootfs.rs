//! The root filesystem a start inside runs in: the layer unpacked, with the permissions its
//! entries give the image's user.
//!
//! The user namespace maps one uid: the image's user inside is the caller outside, so every
//! unpacked file (the caller's) is the image user's inside, whatever owner the layer gives it.
//! A program that writes to its root-owned working directory started here, and failed under
//! `docker run` (QA l: mdbook's `serve -d /book/out`). So each entry's owner bits are set to
//! what the layer's owner, group and mode let the image's user do (its owner bits when it owns
//! the entry, its group's when it is in the entry's group, else the others'), and the root
//! directory, which the layer does not carry, is root's 0755 as a container runtime makes it.
//! The image's root user needs none of this: it may do anything to any file.
//!
//! A container runtime gives the root filesystem a `/dev` with a few device nodes; programs
//! read `/dev/urandom` or write `/dev/null` at start (QA o: pueued panicked without
//! `/dev/random`). Made as root (`mknod` needs it), the same nodes are made here
//! ([`DEVICES`]); otherwise there is no `/dev`, and what the binary looks for there is named
//! as the runtime's.
//!
//! A runtime mounts `/proc` too: a `proc` directory is made for it when the layer has none,
//! on which the start inside binds the host's (see `inside.rs`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::plan::ImageUser;

/// The mode of the root directory a container runtime makes: root's, 0755.
const ROOT_DIR: (u32, u32, u32) = (0o755, 0, 0);

/// The character devices a container runtime puts in `/dev` (name, major, minor), as Docker's
/// and the OCI runtime specification's default devices; made with mode 0666.
pub const DEVICES: &[(&str, u64, u64)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
];

/// The files a container runtime writes into every container's `/etc` (Docker, podman and the
/// kubelet bind their own over the image's), each with what is written here when the layer has
/// none: the host's own file for `resolv.conf`, else a fixed text. QA cw F1: hexyl given
/// `/etc/hostname` did not start here and started under a runtime.
pub const RUNTIME_ETC: &[(&str, Option<&str>)] = &[
    ("hostname", Some("aotcheck\n")),
    (
        "hosts",
        Some("127.0.0.1\tlocalhost aotcheck\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
    ),
    ("resolv.conf", None),
];

/// How many entries of one directory, all it holds, one `chmod` names by a glob.
const GLOB_FROM: usize = 4;

/// An unpacked root filesystem. Dropped, it is removed (its directories writable again first).
pub struct Rootfs {
    dir: tempfile::TempDir,
    /// The entries whose mode differs from the layer's (relative to the root, `.` the root
    /// itself), with the mode they got.
    changed: Vec<(PathBuf, u32)>,
    /// Every directory, with its mode: made writable again before the removal.
    dirs: Vec<(PathBuf, u32)>,
    /// The device nodes of [`DEVICES`] were made in its `/dev`.
    devices: bool,
    /// Its `proc` directory was made (the layer has none).
    made_proc: bool,
    /// Its `proc` is a directory (the layer's or made), not a link out of it nor a file: the
    /// host's `/proc` can be bound on it.
    pub proc_dir: bool,
    /// The files of [`RUNTIME_ETC`] written in its `/etc` (the layer has none of them).
    made_etc: Vec<&'static str>,
}

/// Why a layer could not be unpacked: our side (no room, no scratch directory: the start
/// inside is skipped) or the layer's (a defect of the image).
pub enum Unpack {
    Skipped(String),
    Broken(String),
}

/// The mode `user` sees an entry of `mode`, owned by `uid:gid`, with: the bits that apply to
/// it moved to the owner's place (inside the namespace it owns every file).
pub fn as_seen_by(user: &ImageUser, mode: u32, uid: u32, gid: u32) -> u32 {
    if user.uid == 0 {
        return mode;
    }
    let bits = if uid == user.uid {
        (mode >> 6) & 0o7
    } else if gid == user.gid {
        (mode >> 3) & 0o7
    } else {
        mode & 0o7
    };
    (mode & !0o700) | (bits << 6)
}

/// Unpack the layer `blob` into a fresh directory under `scratch`, as `user` sees it.
pub fn unpack(blob: &Path, scratch: &Path, user: &ImageUser) -> Result<Rootfs, Unpack> {
    let dir = tempfile::Builder::new()
        .prefix("rootfs-")
        .tempdir_in(scratch)
        .map_err(|e| {
            Unpack::Skipped(format!(
                "cannot make a root filesystem in {}: {e}",
                scratch.display()
            ))
        })?;
    let mut fs = Rootfs {
        dir,
        changed: Vec::new(),
        dirs: Vec::new(),
        devices: false,
        made_proc: false,
        proc_dir: false,
        made_etc: Vec::new(),
    };
    let file = std::fs::File::open(blob)
        .map_err(|e| Unpack::Skipped(format!("cannot read the layer: {e}")))?;
    let later = unpack_entries(&mut fs, file, user)?;
    // Before the modes: the root may be one its owner cannot write in.
    let proc = fs.dir.path().join("proc");
    // Not made (no room): no `/proc` inside, as before there was one.
    fs.made_proc = proc.symlink_metadata().is_err() && std::fs::create_dir(&proc).is_ok();
    fs.proc_dir = proc.symlink_metadata().is_ok_and(|m| m.is_dir());
    fs.made_etc = runtime_etc(fs.dir.path());
    set_dir_modes(&mut fs, later)?;
    // As root only (`mknod` needs it): otherwise none is made, and no `/dev` either.
    fs.devices = make_devices(fs.dir.path()).is_ok();
    Ok(fs)
}

/// Write the files of [`RUNTIME_ETC`] the layer lacks into `root/etc` (made when the layer has
/// none; not through a link out of the root), as a runtime would; those written.
fn runtime_etc(root: &Path) -> Vec<&'static str> {
    let etc = root.join("etc");
    let dir = etc.symlink_metadata();
    if dir.as_ref().is_ok_and(|m| !m.is_dir())
        || (dir.is_err() && std::fs::create_dir(&etc).is_err())
    {
        return Vec::new();
    }
    let mut made = Vec::new();
    for &(name, text) in RUNTIME_ETC {
        let path = etc.join(name);
        if path.symlink_metadata().is_ok() {
            continue;
        }
        let host = || std::fs::read(Path::new("/etc").join(name)).unwrap_or_default();
        let bytes = text.map_or_else(host, |t| t.as_bytes().to_vec());
        if std::fs::write(&path, bytes).is_ok() && set_mode(&path, 0o644).is_ok() {
            made.push(name);
        }
    }
    made
}

/// A layer that cannot be unpacked: broken, unless the machine ran out of room for it.
fn broken(e: std::io::Error) -> Unpack {
    let why = format!("cannot unpack the layer: {e}");
    use std::io::ErrorKind::{OutOfMemory, QuotaExceeded, StorageFull};
    if matches!(e.kind(), StorageFull | QuotaExceeded | OutOfMemory) {
        Unpack::Skipped(why)
    } else {
        Unpack::Broken(why)
    }
}

/// A directory whose mode is set last: (path, mode seen, the layer's mode; none for the root,
/// which is not in the layer).
type Later = (PathBuf, u32, Option<u32>);

/// Every entry of the gzipped layer in `file` unpacked into `fs`, files with the mode `user`
/// sees; the directories come back, for [`set_dir_modes`].
fn unpack_entries(
    fs: &mut Rootfs,
    file: std::fs::File,
    user: &ImageUser,
) -> Result<Vec<Later>, Unpack> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(false);
    // Directories' modes last, deepest first: one the user may not write would stop what it
    // holds from being unpacked.
    let mut later: Vec<Later> = vec![(PathBuf::from("."), root_dir_mode(user), None)];
    for entry in archive.entries().map_err(broken)? {
        let mut e = entry.map_err(broken)?;
        let h = e.header();
        let kind = h.entry_type();
        let owner = (h.uid(), h.gid(), h.mode());
        let path = e.path().map_err(broken)?.into_owned();
        if !e.unpack_in(fs.dir.path()).map_err(broken)? {
            return Err(Unpack::Broken(format!(
                "cannot unpack the layer: its entry {} leaves the root",
                path.display()
            )));
        }
        if kind.is_symlink() || kind.is_hard_link() {
            continue;
        }
        let (Ok(uid), Ok(gid), Ok(mode)) = owner else {
            continue;
        };
        let (uid, gid) = (uid as u32, gid as u32);
        let mode = mode & 0o7777;
        let seen = as_seen_by(user, mode, uid, gid);
        if kind.is_dir() {
            let _ = set_mode(&fs.dir.path().join(&path), 0o700 | seen);
            later.push((path, seen, Some(mode)));
        } else if seen != mode {
            set_mode(&fs.dir.path().join(&path), seen).map_err(broken)?;
            fs.changed.push((path, seen));
        }
    }
    Ok(later)
}

/// The directories' modes, deepest first, the root last (and first made writable again).
fn set_dir_modes(fs: &mut Rootfs, mut later: Vec<Later>) -> Result<(), Unpack> {
    let depth = |p: &Path| match p.as_os_str() == "." {
        true => 0,
        false => p.components().count(),
    };
    later.sort_by_key(|(p, ..)| std::cmp::Reverse(depth(p)));
    for (path, seen, layer) in later {
        set_mode(&fs.dir.path().join(&path), seen).map_err(broken)?;
        if layer != Some(seen) {
            fs.changed.push((path.clone(), seen));
        }
        fs.dirs.push((path, seen));
    }
    Ok(())
}

/// The nodes of [`DEVICES`] in `root/dev` (made, 0755, when the layer has none); a node the
/// layer has is left as it is.
fn make_devices(root: &Path) -> nix::Result<()> {
    use nix::sys::stat::{Mode, SFlag, makedev, mknod};
    let dev = root.join("dev");
    // Never through a link: a layer's `dev -> /dev` would have the nodes made on the host.
    let made_dir = match dev.symlink_metadata() {
        Ok(m) if m.is_dir() => false,
        Ok(_) => return Err(nix::Error::EEXIST),
        Err(_) => true,
    };
    if made_dir {
        std::fs::create_dir(&dev).map_err(|_| nix::Error::EIO)?;
        let _ = set_mode(&dev, 0o755);
    }
    let mut made = Vec::new();
    let mut each = || -> nix::Result<()> {
        for &(name, major, minor) in DEVICES {
            let node = dev.join(name);
            if node.symlink_metadata().is_err() {
                mknod(&node, SFlag::S_IFCHR, Mode::empty(), makedev(major, minor))?;
                made.push(node.clone());
                // The mode as given, whatever the umask took from it.
                set_mode(&node, 0o666).map_err(|_| nix::Error::EIO)?;
            }
        }
        Ok(())
    };
    let result = each();
    if result.is_err() {
        // Not allowed (not root): the root filesystem as the layer has it.
        for node in made {
            let _ = std::fs::remove_file(node);
        }
        if made_dir {
            let _ = std::fs::remove_dir(&dev);
        }
    }
    result
}

/// The mode of the root directory as `user` sees it.
fn root_dir_mode(user: &ImageUser) -> u32 {
    let (mode, uid, gid) = ROOT_DIR;
    as_seen_by(user, mode, uid, gid)
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

impl Rootfs {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Shell commands that give the entries of a root filesystem unpacked in `"$d"` (by `tar
    /// --no-same-owner -p`) the modes this one has: `chmod MODE PATH...`, one per mode, joined
    /// with `&&`; empty when no mode differs from the layer's.
    pub fn chmods(&self) -> String {
        // In the order they were set (a directory after what it holds): a run of one mode
        // is one `chmod`.
        let mut runs: Vec<(u32, Vec<String>)> = Vec::new();
        for (path, mode) in &self.changed {
            let p = if path.as_os_str() == "." {
                "\"$d\"".to_string()
            } else {
                format!("\"$d\"/{}", super::meta::quote(&path.display().to_string()))
            };
            match runs.last_mut() {
                Some((m, paths)) if m == mode => paths.push(p),
                _ => runs.push((*mode, vec![p])),
            }
        }
        runs.iter()
            .map(|(mode, paths)| format!("chmod {mode:o} {}", self.globbed(paths).join(" ")))
            .collect::<Vec<_>>()
            .join(" && ")
    }

    /// `paths` (as [`Rootfs::chmods`] writes them), those that are every entry of their
    /// directory, [`GLOB_FROM`] or more with no hidden name, as one `"$d"/DIR/*` (QA cl F4: 291
    /// CA certificates made a `reproduce` command of 12,898 characters).
    fn globbed(&self, paths: &[String]) -> Vec<String> {
        let parent = |p: &str| p.rsplit_once('/').map(|(dir, _)| dir.to_string());
        let mut out: Vec<String> = Vec::new();
        for p in paths {
            let Some(dir) = parent(p) else {
                out.push(p.clone());
                continue;
            };
            let glob = format!("{dir}/*");
            if out.contains(&glob) {
                continue;
            }
            let group: Vec<&String> = paths
                .iter()
                .filter(|q| parent(q).as_ref() == Some(&dir))
                .collect();
            let on_disk = dir
                .strip_prefix("\"$d\"/")
                .map(|rel| self.dir.path().join(rel))
                .and_then(|d| std::fs::read_dir(d).ok())
                .and_then(not_links);
            let plain = group.iter().all(|q| {
                let name = q.rsplit('/').next().unwrap_or_default();
                !name.starts_with('.') && !name.contains('\'')
            });
            let whole = group.len() >= GLOB_FROM && on_disk == Some(group.len());
            // A quoted name (a space, a quote) is named as it is.
            if whole && plain && !dir.contains('\'') {
                out.push(glob);
            } else {
                out.push(p.clone());
            }
        }
        out
    }

    /// The `proc` directory made (before the modes: the root may become one its owner cannot
    /// write in), [`Rootfs::chmods`], then the commands that make the device nodes this one
    /// has: what makes a root filesystem unpacked in `"$d"` this one.
    pub fn setup(&self) -> String {
        let mut steps = Vec::new();
        if self.made_proc {
            steps.push("mkdir \"$d\"/proc".to_string());
        }
        if !self.made_etc.is_empty() {
            steps.push("mkdir -p \"$d\"/etc".to_string());
        }
        for &(name, text) in RUNTIME_ETC
            .iter()
            .filter(|(n, _)| self.made_etc.contains(n))
        {
            steps.push(match text {
                Some(t) => format!(
                    "printf '{}' > \"$d\"/etc/{name}",
                    t.replace('\t', "\\t").replace('\n', "\\n")
                ),
                None => format!(
                    "{{ cp /etc/{name} \"$d\"/etc/{name} 2>/dev/null || : > \"$d\"/etc/{name}; }}"
                ),
            });
        }
        steps.push(self.chmods());
        if self.devices {
            steps.push("test ! -L \"$d\"/dev && mkdir -p \"$d\"/dev".into());
            for (name, major, minor) in DEVICES {
                steps.push(format!(
                    "{{ test -e \"$d\"/dev/{name} || mknod -m 666 \"$d\"/dev/{name} c {major} {minor}; }}"
                ));
            }
        }
        steps.retain(|s| !s.is_empty());
        steps.join(" && ")
    }
}

/// How many entries of a directory are no links, when every link there leads to a name of the
/// same directory (a `chmod DIR/*` through it then changes only what it changes anyway: the
/// CA hash links beside the certificates); `None` otherwise.
fn not_links(dir: std::fs::ReadDir) -> Option<usize> {
    let mut n = 0;
    for e in dir {
        let e = e.ok()?;
        if !e.file_type().ok()?.is_symlink() {
            n += 1;
        } else if std::fs::read_link(e.path()).ok()?.components().count() != 1 {
            return None;
        }
    }
    Some(n)
}

impl Drop for Rootfs {
    fn drop(&mut self) {
        // Writable again, so that the directory can be removed.
        for (path, mode) in self.dirs.iter().rev() {
            let _ = set_mode(&self.dir.path().join(path), mode | 0o700);
        }
    }
}

#[cfg(test)]
#[path = "rootfs_tests.rs"]
mod tests;
