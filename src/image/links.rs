//! The host's symbolic links among the files an image copies, kept as links: a copied file
//! whose host path is a link that leads to another copied file becomes a link to that copy
//! (QA cl F3: a program that reads `/etc/ssl/certs` opened each CA under its own name and
//! under its hash link, `5ad8a5d6.0 -> Certainly_Root_R1.pem`, and the image held 145 such
//! links as second copies of the certificate: 220 KB of its 661 KB).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::attribute::embedded::normal;

use super::tarball::{Data, Entry};

/// How many links a chain may follow (as the kernel's `MAXSYMLINKS`).
const HOPS: usize = 40;

/// Makes each entry copied from a host path that is a link, one of whose hops is the host
/// path of another copied entry holding the same file, a relative link to that entry.
/// Returns how many became links.
pub fn linked(entries: &mut [Entry]) -> usize {
    let copied: HashMap<PathBuf, String> = entries
        .iter()
        .filter_map(|e| match &e.data {
            Data::File(src) => Some((src.clone(), e.path.clone())),
            _ => None,
        })
        .collect();
    let mut made = 0;
    for e in entries.iter_mut() {
        let Data::File(src) = &e.data else { continue };
        if let Some(to) = hop_in_image(src, &copied).filter(|to| *to != e.path) {
            e.data = Data::Link(relative(&e.path, &to));
            e.mode = 0o777;
            made += 1;
        }
    }
    made
}

/// The image path of the first hop of `src`'s chain of links that is copied too and is the
/// same file; `None` when `src` is no link or no hop is copied.
fn hop_in_image(src: &Path, copied: &HashMap<PathBuf, String>) -> Option<String> {
    let real = std::fs::canonicalize(src).ok()?;
    let mut at = src.to_path_buf();
    for _ in 0..HOPS {
        if !at.symlink_metadata().ok()?.is_symlink() {
            return None;
        }
        let target = std::fs::read_link(&at).ok()?;
        at = normal(&at.parent()?.join(target));
        if let Some(to) = copied.get(&at) {
            // Lexical `..` through a linked directory could name another file: only the same.
            return (std::fs::canonicalize(&at).ok()? == real).then(|| to.clone());
        }
    }
    None
}

/// The target of a link at the image path `from` that leads to the image path `to`, relative
/// to `from`'s directory (a link in the layer must not lead out of the root it is unpacked in).
fn relative(from: &str, to: &str) -> String {
    let dir: Vec<&str> = from.split('/').filter(|c| !c.is_empty()).collect();
    let dir = &dir[..dir.len().saturating_sub(1)];
    let to: Vec<&str> = to.split('/').filter(|c| !c.is_empty()).collect();
    let common = dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; dir.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, src: &Path) -> Entry {
        Entry {
            path: path.into(),
            data: Data::File(src.to_path_buf()),
            mode: 0o644,
            uid: 0,
            gid: 0,
        }
    }

    #[test]
    fn a_link_to_a_copied_file_stays_a_link() {
        let d = tempfile::tempdir().expect("tempdir");
        let (certs, share) = (d.path().join("certs"), d.path().join("share"));
        std::fs::create_dir_all(&certs).expect("mkdir");
        std::fs::create_dir_all(&share).expect("mkdir");
        std::fs::write(share.join("A.crt"), "A").expect("write");
        std::fs::write(share.join("B.crt"), "B").expect("write");
        // As Debian's: the name a link into the distribution's files, the hash a link to it.
        std::os::unix::fs::symlink(share.join("A.crt"), certs.join("A.pem")).expect("link");
        std::os::unix::fs::symlink("A.pem", certs.join("1a.0")).expect("link");
        std::os::unix::fs::symlink(share.join("B.crt"), certs.join("B.pem")).expect("link");
        // A hash link whose name is the only one copied stays a file.
        std::os::unix::fs::symlink("B.pem", certs.join("2b.0")).expect("link");
        let mut entries = vec![
            file("/etc/ssl/certs/A.pem", &certs.join("A.pem")),
            file("/etc/ssl/certs/1a.0", &certs.join("1a.0")),
            file("/etc/ssl/certs/2b.0", &certs.join("2b.0")),
            file("/usr/share/B.crt", &share.join("B.crt")),
        ];
        assert_eq!(linked(&mut entries), 2);
        assert!(matches!(&entries[0].data, Data::File(_)));
        assert!(
            matches!(&entries[1].data, Data::Link(t) if t == "A.pem"),
            "{entries:?}"
        );
        // Two hops on the host (2b.0 -> B.pem -> B.crt), one link in the image.
        assert!(
            matches!(&entries[2].data, Data::Link(t) if t == "../../../usr/share/B.crt"),
            "{entries:?}"
        );
        assert_eq!(entries[1].mode, 0o777);
        assert!(matches!(&entries[3].data, Data::File(_)));
    }

    #[test]
    fn a_lexical_hop_to_another_file_is_no_link() {
        let d = tempfile::tempdir().expect("tempdir");
        let (real, other) = (d.path().join("real"), d.path().join("other"));
        std::fs::create_dir_all(real.join("sub")).expect("mkdir");
        std::fs::create_dir_all(&other).expect("mkdir");
        std::fs::write(real.join("x"), "real").expect("write");
        std::fs::write(other.join("x"), "other").expect("write");
        // `dir/sub` is `real/sub`: `dir/sub/../x` is `real/x`, not the `dir/x` its text reads.
        std::fs::create_dir_all(d.path().join("dir")).expect("mkdir");
        std::os::unix::fs::symlink(real.join("sub"), d.path().join("dir/sub")).expect("link");
        std::os::unix::fs::symlink(other.join("x"), d.path().join("dir/x")).expect("link");
        std::os::unix::fs::symlink("../x", real.join("sub/y")).expect("link");
        let y = d.path().join("dir/sub/y");
        let mut entries = vec![file("/d/x", &d.path().join("dir/x")), file("/d/sub/y", &y)];
        assert_eq!(linked(&mut entries), 0, "{entries:?}");
    }

    #[test]
    fn relative_targets() {
        assert_eq!(
            relative("/etc/ssl/certs/a.0", "/etc/ssl/certs/a.pem"),
            "a.pem"
        );
        assert_eq!(relative("/etc/a", "/usr/share/b"), "../usr/share/b");
        assert_eq!(relative("/a", "/b"), "b");
    }
}
