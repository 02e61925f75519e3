//! Whether the package's sources changed while `advise` ran: its builds take minutes each, and
//! a variant cargo built after an edit is compared with a base built before it (QA as F2: four
//! of mdbook's variants held a 300 KB table the base did not, their savings short by as much).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// At most this many entries are looked at: a checkout larger than that is stamped by its
/// first ones (a stamp is a hint, never a failure).
const MAX_ENTRIES: usize = 200_000;

/// What the files under a directory were at one moment: how many, their bytes, and the newest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    files: usize,
    bytes: u64,
    newest: Option<(SystemTime, PathBuf)>,
}

impl Stamp {
    /// The files under `root`, not under `skip` (the target dir) nor in a hidden directory
    /// (`.git`, whose objects change with a commit that changes no source); links not followed.
    pub fn of(root: &Path, skip: &Path) -> Stamp {
        let mut s = Stamp {
            files: 0,
            bytes: 0,
            newest: None,
        };
        let mut stack = vec![root.to_path_buf()];
        let mut seen = 0usize;
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
                    s.files += 1;
                    s.bytes += meta.len();
                    if let Ok(t) = meta.modified()
                        && s.newest.as_ref().is_none_or(|(n, _)| t > *n)
                    {
                        s.newest = Some((t, path));
                    }
                }
            }
        }
        s
    }

    /// The warning when `now` is not this stamp: the file that changed last, relative to
    /// `root` where it is under it.
    pub fn changed(&self, now: &Stamp, root: &Path) -> Option<String> {
        if self == now {
            return None;
        }
        let which = match &now.newest {
            Some((_, p)) => format!(
                " (the newest file: `{}`)",
                p.strip_prefix(root).unwrap_or(p).display()
            ),
            None => String::new(),
        };
        Some(format!(
            "the sources under `{}` changed while `advise` ran{which}: variants built after the \
             change hold other code than the base, so their sizes are not the knobs' alone; run \
             `advise` again on sources that do not change",
            root.display()
        ))
    }
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
        assert_eq!(before.files, 1);
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
        assert!(said.contains("(the newest file: `src/main.rs`)"), "{said}");
        // A file added.
        let mid = Stamp::of(root, &target);
        std::fs::write(root.join("src/table.rs"), "").expect("write");
        assert!(mid.changed(&Stamp::of(root, &target), root).is_some());
    }
}
