//! Whether the package's sources changed while `advise` ran: its builds take minutes each, and
//! a variant cargo built after an edit is compared with a base built before it (QA as F2: four
//! of mdbook's variants held a 300 KB table the base did not, their savings short by as much).

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// At most this many entries are looked at: a checkout larger than that is stamped by its
/// first ones (a stamp is a hint, never a failure).
const MAX_ENTRIES: usize = 200_000;

/// At most this many bytes are read to fingerprint files by their contents; files past it are
/// compared by size and modification time alone.
const MAX_READ: u64 = 256 << 20;

/// What one file was: its size, when it was last written, and a fingerprint of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    contents: Option<u64>,
}

impl FileStamp {
    /// Whether the file changed from `self` to `now`: by its bytes where both were read (QA
    /// cf F1: zoxide's build script writes its completion files again, the same bytes, on
    /// every build, and `advise` said the sources changed), else by size and time.
    fn differs(&self, now: &FileStamp) -> bool {
        match (self.contents, now.contents) {
            (Some(a), Some(b)) => self.len != now.len || a != b,
            _ => self.len != now.len || self.modified != now.modified,
        }
    }
}

/// What the files under a directory were at one moment, by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    files: BTreeMap<PathBuf, FileStamp>,
}

impl Stamp {
    /// The files under `root`, not under `skip` (the target dir) nor in a hidden directory
    /// (`.git`, whose objects change with a commit that changes no source); links not followed.
    pub fn of(root: &Path, skip: &Path) -> Stamp {
        let mut s = Stamp {
            files: BTreeMap::new(),
        };
        let mut stack = vec![root.to_path_buf()];
        let (mut seen, mut read) = (0usize, 0u64);
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                seen += 1;
                if seen > MAX_ENTRIES {
                    return s;
                }
                let path = e.path();
                let Ok(meta) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    let hidden = e.file_name().to_string_lossy().starts_with('.');
                    if !hidden && path != skip {
                        stack.push(path);
                    }
                } else if meta.is_file() {
                    let len = meta.len();
                    let contents = (read + len <= MAX_READ)
                        .then(|| fingerprint(&path))
                        .flatten();
                    read += contents.map_or(0, |_| len);
                    let modified = meta.modified().ok();
                    s.files.insert(
                        path,
                        FileStamp {
                            len,
                            modified,
                            contents,
                        },
                    );
                }
            }
        }
        s
    }

    /// The warning when `now` is not this stamp: the file that changed last (or was added or
    /// removed), relative to `root` where it is under it.
    pub fn changed(&self, now: &Stamp, root: &Path) -> Option<String> {
        let added_or_changed = now
            .files
            .iter()
            .filter(|(p, f)| self.files.get(*p).is_none_or(|before| before.differs(f)));
        let newest = added_or_changed
            .max_by_key(|(_, f)| f.modified)
            .map(|(p, _)| p);
        let removed = self.files.keys().find(|p| !now.files.contains_key(*p));
        let (which, how) = match (newest, removed) {
            (Some(p), _) => (p, "the newest changed file"),
            (None, Some(p)) => (p, "a file removed"),
            (None, None) => return None,
        };
        Some(format!(
            "the sources under `{}` changed while `advise` ran ({how}: `{}`): variants built \
             after the change hold other code than the base, so their sizes are not the \
             knobs' alone; run `advise` again on sources that do not change",
            root.display(),
            which.strip_prefix(root).unwrap_or(which).display()
        ))
    }
}

/// A fingerprint of the file's bytes (not for security: two stamps of one run compared).
fn fingerprint(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut h = std::hash::DefaultHasher::new();
    h.write(&bytes);
    Some(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_or_a_new_file_changes_the_stamp_and_the_target_dir_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let target = root.join("target");
        std::fs::create_dir_all(root.join("src")).expect("mkdir");
        std::fs::create_dir_all(&target).expect("mkdir");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        std::fs::write(root.join("src/main.rs"), "fn main() {}").expect("write");
        let before = Stamp::of(root, &target);
        assert_eq!(before.files.len(), 1);
        // Builds write the target dir; git writes `.git`: no change.
        std::fs::write(target.join("bin"), "x").expect("write");
        std::fs::write(root.join(".git/index"), "x").expect("write");
        assert_eq!(before.changed(&Stamp::of(root, &target), root), None);
        // An edit that keeps the size, dated later.
        let main = root.join("src/main.rs");
        std::fs::write(&main, "fn main() {1}").expect("write");
        let f = std::fs::File::options()
            .write(true)
            .open(&main)
            .expect("open");
        f.set_modified(SystemTime::now() + std::time::Duration::from_secs(5))
            .expect("mtime");
        let said = before.changed(&Stamp::of(root, &target), root);
        let said = said.unwrap_or_else(|| panic!("no change seen"));
        assert!(
            said.contains("(the newest changed file: `src/main.rs`)"),
            "{said}"
        );
        // A file added, then removed.
        let mid = Stamp::of(root, &target);
        std::fs::write(root.join("src/table.rs"), "").expect("write");
        let added = Stamp::of(root, &target);
        let said = mid
            .changed(&added, root)
            .unwrap_or_else(|| panic!("no file added"));
        assert!(
            said.contains("(the newest changed file: `src/table.rs`)"),
            "{said}"
        );
        std::fs::remove_file(root.join("src/table.rs")).expect("rm");
        let said = added.changed(&Stamp::of(root, &target), root);
        let said = said.unwrap_or_else(|| panic!("no file removed"));
        assert!(said.contains("(a file removed: `src/table.rs`)"), "{said}");
    }

    /// QA cf F1: zoxide's build script writes its completion files again on every build, the
    /// same bytes, later: no change of the sources. Other bytes of the same size, dated the
    /// same, are one.
    #[test]
    fn a_file_written_again_with_the_same_bytes_is_no_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let target = root.join("target");
        let file = root.join("contrib/completions/_zoxide");
        std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
        std::fs::write(&file, "#compdef zoxide").expect("write");
        let before = Stamp::of(root, &target);
        let at = |when: SystemTime| {
            let f = std::fs::File::options()
                .write(true)
                .open(&file)
                .expect("open");
            f.set_modified(when).expect("mtime");
        };
        let when = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::write(&file, "#compdef zoxide").expect("write");
        at(when);
        assert_eq!(before.changed(&Stamp::of(root, &target), root), None);
        let again = Stamp::of(root, &target);
        std::fs::write(&file, "#compdef zoxidE").expect("write");
        at(when);
        let said = again.changed(&Stamp::of(root, &target), root);
        let said = said.unwrap_or_else(|| panic!("other bytes not seen"));
        assert!(said.contains("`contrib/completions/_zoxide`"), "{said}");
    }
}
