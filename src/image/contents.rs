//! What goes into an image: the binary, `/etc/passwd` and `/etc/group` for its user, and the
//! extra files of `image.files`.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::tarball::{Data, Entry, complete};
use crate::plan::ImageSettings;
use crate::report::{Artifact, FileWhy, ImageFile};

/// The image's files.
pub struct Contents {
    pub entries: Vec<Entry>,
    pub files: Vec<ImageFile>,
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
}

impl Builder {
    fn add(&mut self, path: &str, data: Data, mode: u32, why: FileWhy) {
        if self.why.contains_key(path) {
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
}

/// `/etc/passwd` and `/etc/group` with root and the image's user.
pub fn user_files(s: &ImageSettings) -> (String, String) {
    let u = &s.user;
    let mut passwd = String::from("root:x:0:0:root:/root:/sbin/nologin\n");
    let mut group = String::from("root:x:0:\n");
    if u.uid != 0 {
        passwd.push_str(&format!(
            "{n}:x:{}:{}:{n}:/nonexistent:/sbin/nologin\n",
            u.uid,
            u.gid,
            n = u.name
        ));
    }
    if u.gid != 0 {
        group.push_str(&format!("{}:x:{}:\n", u.name, u.gid));
    }
    (passwd, group)
}

/// What the image of `a` holds: `binary` is the file to ship (stripped or not).
pub fn assemble(a: &Artifact, s: &ImageSettings, binary: &Path) -> Contents {
    let mut b = Builder::default();
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
    b.add(&s.workdir, Data::Dir, 0o755, FileWhy::Binary);
    let entries = complete(b.entries);
    let files = listing(&entries, &b.why);
    Contents { entries, files }
}

/// The regular files of the image, in the layer's order, with their size and why.
fn listing(entries: &[Entry], why: &BTreeMap<String, (FileWhy, Option<String>)>) -> Vec<ImageFile> {
    entries
        .iter()
        .filter_map(|e| {
            let size = match &e.data {
                Data::Dir => return None,
                Data::Bytes(v) => v.len() as u64,
                Data::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
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
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_name_the_user() {
        let mut s = ImageSettings::for_bin("x");
        let (p, g) = user_files(&s);
        assert!(p.contains("\nnonroot:x:65532:65532:"), "{p}");
        assert!(g.contains("\nnonroot:x:65532:\n"), "{g}");
        s.user = crate::plan::ImageUser::numeric(0, 0);
        let (p, g) = user_files(&s);
        assert_eq!(p.lines().count(), 1);
        assert_eq!(g.lines().count(), 1);
    }
}
