//! `image.files` entries whose source is a directory: the tree's regular files, each at its
//! place under the path in the image, as `COPY DIR /srv/www` copies one (QA bn F4: a file
//! server's directory had to be listed file by file). Links are followed only to files inside
//! the directory; anything else is an error that names it.

use std::path::{Path, PathBuf};

/// At most this many files from one directory: a mistyped `/` is an error, not a huge layer.
const MAX_FILES: usize = 10_000;

/// The (path in the image, file here) pairs of directory `from` put at `to`, sorted; an error
/// in words when the tree holds what cannot be copied.
pub(super) fn files_of(to: &str, from: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let root = from
        .canonicalize()
        .map_err(|e| format!("cannot read `{}`: {e}", from.display()))?;
    let mut out = Vec::new();
    walk(&root, from, to, &mut out)?;
    if out.is_empty() {
        return Err(format!(
            "`{}` is a directory with no file in it: nothing to copy",
            from.display()
        ));
    }
    Ok(out)
}

fn walk(root: &Path, dir: &Path, to: &str, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let unreadable = |p: &Path, e: std::io::Error| format!("cannot read `{}`: {e}", p.display());
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(dir, e))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            return Err(format!("`{}`: a name that is not UTF-8", path.display()));
        };
        let inside = format!("{to}/{name}");
        let kind = e.file_type().map_err(|err| unreadable(&path, err))?;
        if kind.is_dir() {
            walk(root, &path, &inside, out)?;
            continue;
        }
        let file = if kind.is_symlink() {
            let target = path.canonicalize().map_err(|err| unreadable(&path, err))?;
            if !target.starts_with(root) || !target.is_file() {
                return Err(format!(
                    "`{}` is a link to `{}`, not to a file inside the directory: list what the \
                     image needs of it in `image.files` by itself",
                    path.display(),
                    target.display()
                ));
            }
            target
        } else if kind.is_file() {
            path
        } else {
            return Err(format!(
                "`{}` is neither a file nor a directory",
                path.display()
            ));
        };
        out.push((inside, file));
        if out.len() > MAX_FILES {
            return Err(format!(
                "more than {MAX_FILES} files under the directory: name the ones the image \
                 needs"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_its_files_at_their_places_and_links_stay_inside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let www = dir.path().join("www");
        std::fs::create_dir_all(www.join("css/empty")).expect("mkdir");
        std::fs::write(www.join("index.html"), "hi").expect("write");
        std::fs::write(www.join("css/site.css"), "b{}").expect("write");
        std::os::unix::fs::symlink("index.html", www.join("home.html")).expect("link");
        let got = files_of("/srv/www", &www).expect("files");
        let root = www.canonicalize().expect("canonical");
        assert_eq!(
            got,
            [
                (
                    "/srv/www/css/site.css".to_string(),
                    root.join("css/site.css")
                ),
                ("/srv/www/home.html".to_string(), root.join("index.html")),
                ("/srv/www/index.html".to_string(), root.join("index.html")),
            ]
        );
        // A link out of the tree is named, not followed.
        std::fs::write(dir.path().join("secret"), "x").expect("write");
        std::os::unix::fs::symlink("../secret", www.join("out")).expect("link");
        let e = files_of("/srv/www", &www).expect_err("a link out");
        assert!(
            e.contains("out` is a link to") && e.contains("not to a file inside"),
            "{e}"
        );
        // No file at all.
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let e = files_of("/srv/e", &empty).expect_err("empty");
        assert!(e.contains("no file in it"), "{e}");
    }
}
