//! The tar entries of a layer (and of the layout's tar): every parent directory present, sorted
//! so a directory comes right before what it holds, numeric owners, one fixed mtime.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// What a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Data {
    Dir,
    Bytes(Vec<u8>),
    File(PathBuf),
    /// A symbolic link to this target, as written in the link (relative to its directory).
    Link(String),
}

/// One entry of the layer: an absolute path in the image, its bytes, mode and numeric owner.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub data: Data,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Path components, so that a directory sorts right before what it holds.
fn sort_key(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty()).collect()
}

/// The entries with every parent directory added (root-owned, 0755), sorted, one per path
/// (the first given wins).
pub fn complete(entries: Vec<Entry>) -> Vec<Entry> {
    let mut by_path: BTreeMap<Vec<String>, Entry> = BTreeMap::new();
    for e in entries {
        let parts: Vec<String> = sort_key(&e.path).iter().map(|s| s.to_string()).collect();
        if parts.is_empty() {
            // The root directory is implicit.
            continue;
        }
        for i in 1..parts.len() {
            by_path.entry(parts[..i].to_vec()).or_insert_with(|| Entry {
                path: format!("/{}", parts[..i].join("/")),
                data: Data::Dir,
                mode: 0o755,
                uid: 0,
                gid: 0,
            });
        }
        by_path.entry(parts).or_insert(e);
    }
    by_path.into_values().collect()
}

fn header(
    kind: tar::EntryType,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: u64,
) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(u64::from(uid));
    h.set_gid(u64::from(gid));
    h.set_size(size);
    h.set_mtime(mtime);
    h
}

/// Append one entry (a directory's name ends in `/`).
pub fn append<W: Write>(b: &mut tar::Builder<W>, e: &Entry, mtime: u64) -> Result<()> {
    let rel = e.path.trim_start_matches('/');
    let failed = |err: io::Error| Error::Write {
        path: PathBuf::from(&e.path),
        source: err,
    };
    match &e.data {
        Data::Dir => {
            let mut h = header(tar::EntryType::Directory, e.mode, e.uid, e.gid, 0, mtime);
            b.append_data(&mut h, format!("{rel}/"), io::empty())
                .map_err(failed)
        }
        Data::Bytes(bytes) => {
            let n = bytes.len() as u64;
            let mut h = header(tar::EntryType::Regular, e.mode, e.uid, e.gid, n, mtime);
            b.append_data(&mut h, rel, bytes.as_slice()).map_err(failed)
        }
        Data::File(src) => {
            let f = File::open(src).map_err(|err| Error::io(src, err))?;
            let n = f.metadata().map_err(|err| Error::io(src, err))?.len();
            let mut h = header(tar::EntryType::Regular, e.mode, e.uid, e.gid, n, mtime);
            // `take`: a file that grows while it is read must not break the tar's framing.
            b.append_data(&mut h, rel, f.take(n)).map_err(failed)
        }
        Data::Link(target) => {
            let mut h = header(tar::EntryType::Symlink, 0o777, e.uid, e.gid, 0, mtime);
            b.append_link(&mut h, rel, target).map_err(failed)
        }
    }
}
