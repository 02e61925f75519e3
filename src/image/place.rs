//! Putting an image in place: the layout's tar (with Docker's `manifest.json`) written beside
//! it, both renamed into place, and the check that a target is ours to replace (its
//! `index.json`, in the layout or in the tar, carries the [`MARKER`] annotation).

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::tarball::{Data, Entry, append, complete};
use crate::error::{Error, Result};

/// The `index.json` annotation that marks a layout (and its tar) as ours.
pub const MARKER: &str = "dev.cargo-aotcheck.image";

/// Where one image goes: the layout directory and the tar beside it.
#[derive(Debug, Clone)]
pub struct Target {
    pub layout: PathBuf,
    pub tar: PathBuf,
}

/// The layout as one tar (sorted, fixed mtime) plus Docker's `manifest.json`, in a temporary
/// file beside the target.
pub(super) fn write_tar(
    layout: &Path,
    files: &[(&str, Vec<u8>); 2],
    docker: &[u8],
    digests: &[&String; 3],
    mtime: u64,
    parent: &Path,
    name: &str,
) -> Result<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tar.tmp-"))
        .tempfile_in(parent)
        .map_err(|e| Error::Write {
            path: parent.to_path_buf(),
            source: e,
        })?;
    let mut entries = vec![Entry {
        path: "/manifest.json".into(),
        data: Data::Bytes(docker.to_vec()),
        mode: 0o644,
        uid: 0,
        gid: 0,
    }];
    for (file, bytes) in files {
        entries.push(Entry {
            path: format!("/{file}"),
            data: Data::Bytes(bytes.clone()),
            mode: 0o644,
            uid: 0,
            gid: 0,
        });
    }
    for d in digests {
        entries.push(Entry {
            path: format!("/blobs/sha256/{d}"),
            data: Data::File(layout.join("blobs/sha256").join(d)),
            mode: 0o644,
            uid: 0,
            gid: 0,
        });
    }
    let out = BufWriter::with_capacity(1 << 20, tmp.as_file());
    let mut b = tar::Builder::new(out);
    for e in complete(entries) {
        append(&mut b, &e, mtime)?;
    }
    let wrote = |e: io::Error| Error::Write {
        path: tmp.path().to_path_buf(),
        source: e,
    };
    b.into_inner().map_err(wrote)?.flush().map_err(wrote)?;
    Ok(tmp)
}

/// A temporary directory beside the target, for the layout being written.
pub(super) fn scratch_dir(parent: &Path, name: &str) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .tempdir_in(parent)
        .map_err(|e| Error::Write {
            path: parent.to_path_buf(),
            source: e,
        })
}

/// Rename the finished layout and tar into place; a previous image of ours goes.
pub(super) fn place(
    tmp: tempfile::TempDir,
    tar: tempfile::NamedTempFile,
    target: &Target,
) -> Result<()> {
    // Temporary files are private; an image is for others to read.
    use std::os::unix::fs::PermissionsExt;
    for (path, mode) in [(tmp.path(), 0o755), (tar.path(), 0o644)] {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            source: e,
        })?;
    }
    let moved = |path: &Path| {
        let path = path.to_path_buf();
        move |e: io::Error| Error::Write { path, source: e }
    };
    if target.layout.exists() {
        // Aside first, then the new one in: a reader never finds half an image.
        let old = tempfile::Builder::new()
            .prefix(".old-")
            .tempdir_in(target.layout.parent().unwrap_or(Path::new(".")))
            .map_err(moved(&target.layout))?;
        let aside = old.path().join("layout");
        fs::rename(&target.layout, &aside).map_err(moved(&target.layout))?;
        fs::rename(tmp.keep(), &target.layout).map_err(moved(&target.layout))?;
        drop(old);
    } else {
        fs::rename(tmp.keep(), &target.layout).map_err(moved(&target.layout))?;
    }
    tar.persist(&target.tar)
        .map_err(|e| moved(&target.tar)(e.error))?;
    Ok(())
}

/// Refuse a target that holds something we did not write.
pub fn check_ours(target: &Target) -> Result<()> {
    let foreign = |path: &Path| {
        Error::Usage(format!(
            "`{}` holds something cargo-aotcheck did not write: not overwritten (remove it, or \
             pass another directory to --image)",
            path.display()
        ))
    };
    let marked = |index: &[u8]| {
        serde_json::from_slice::<Value>(index)
            .ok()
            .is_some_and(|v| v["annotations"][MARKER].is_string())
    };
    if let Ok(meta) = fs::symlink_metadata(&target.layout) {
        let index = fs::read(target.layout.join("index.json")).unwrap_or_default();
        if !meta.is_dir() || !marked(&index) {
            return Err(foreign(&target.layout));
        }
    }
    if let Ok(meta) = fs::symlink_metadata(&target.tar) {
        let ours = meta.is_file()
            && File::open(&target.tar)
                .ok()
                .is_some_and(|f| tar_index(f).is_some_and(|index| marked(&index)));
        if !ours {
            return Err(foreign(&target.tar));
        }
    }
    Ok(())
}

/// The `index.json` inside a tar, if there is one.
fn tar_index(f: File) -> Option<Vec<u8>> {
    let mut archive = tar::Archive::new(f);
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry.path().ok()?.as_os_str() == "index.json" {
            let mut v = Vec::new();
            entry.read_to_end(&mut v).ok()?;
            return Some(v);
        }
    }
    None
}

/// What `--image` can refuse before anything is built, so that no long build is lost to it:
/// an `--image` path that is a file, a `SOURCE_DATE_EPOCH` that is no date.
pub fn preflight(plan: &crate::plan::Plan) -> Result<()> {
    if plan.options.image.is_none() {
        return Ok(());
    }
    not_a_file(&plan.dirs.image)?;
    // A path that holds what this tool did not write, refused before the build as after it
    // (QA cr F5: a cold build of starship, 18 minutes, then the refusal).
    use crate::options::LinkChoice;
    use crate::report::LinkMode;
    let modes: &[LinkMode] = match plan.options.link {
        LinkChoice::Static => &[LinkMode::Static],
        LinkChoice::Dynamic => &[LinkMode::Dynamic],
        LinkChoice::Compare => &[LinkMode::Static, LinkMode::Dynamic],
    };
    for bin in &plan.bins {
        for &link in modes {
            let name = &bin.target.name;
            let at = plan.dirs.image.join(&bin.target.package).join(name);
            check_ours(&super::target_at(&at, link))?;
        }
    }
    super::meta::Epoch::find(plan.workspace.root()).map(|_| ())
}

/// The image's directory is one, or can be made: its nearest existing ancestor is a
/// directory (QA aq F8: `--image /dev/null/x` was found out after the build).
pub(super) fn not_a_file(dir: &Path) -> Result<()> {
    let mut at = dir;
    while std::fs::symlink_metadata(at).is_err() {
        match at.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(p) => at = p,
            None => return Ok(()),
        }
    }
    if at.is_dir() {
        return Ok(());
    }
    let what = match at == dir {
        true => "is not a directory".to_string(),
        false => format!("cannot be made: `{}` is not a directory", at.display()),
    };
    Err(Error::Usage(format!(
        "--image `{}`: {what} (images are written below it)",
        dir.display()
    )))
}
