//! What a traced run opened that the image leaves out, and why: a home's file, a secret, the
//! runtime's, a directory it listed; system data it opened goes in.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;

/// The files a run opened with `HOME` set to `home`: system data goes in (added to `b`), the
/// rest is listed with why. `image_home`: the image user's home, where a file of the run's
/// home would be (QA cr F4: starship probed with `--probe-env HOME=DIR` had its cache under
/// DIR called "not copied", the tool's own `HOME` taken for the run's).
pub(super) fn opened_files(
    b: &mut Builder,
    a: &Artifact,
    (opened, home): (&[String], Option<&str>),
    image_home: &str,
) -> Vec<LeftOut> {
    let mut left_out = BTreeSet::new();
    let home = home.map(str::to_string);
    // Directories after the files: one listed before its files were opened holds them (QA
    // co F5: `/etc/ssl/certs`, listed, then read file by file, was "not in the image").
    let (dirs, files): (Vec<&String>, Vec<&String>) =
        opened.iter().partition(|p| Path::new(p.as_str()).is_dir());
    for path in files.into_iter().chain(dirs) {
        let in_image = b.why.contains_key(path)
            || *path == a.path
            || a.binary
                .closure
                .iter()
                .any(|c| c.path.as_deref() == Some(path));
        let host = Path::new(path);
        if in_image {
            continue;
        }
        if host.is_dir() {
            if let Some(left) = directory_left_out(b, path, home.as_deref()) {
                left_out.insert(left);
            }
            continue;
        }
        let why = if is_runtime(path) {
            LeftOutWhy::Runtime
        } else if let Some(why) = private(path, home.as_deref()) {
            why
        } else if crate::image::local_ca::is_local(path) {
            LeftOutWhy::LocalCa
        } else if is_data(path) && host.is_file() {
            let without = (path == crate::image::local_ca::BUNDLE)
                .then(crate::image::local_ca::bundle_without_local)
                .flatten();
            // The CAs taken out of the bundle are left out as if opened (QA dl F1: xh opened
            // the bundle alone, and lost two CAs without a word).
            let data = match without {
                Some((bytes, local)) => {
                    let why = LeftOutWhy::LocalCaInBundle;
                    left_out.extend(local.into_iter().map(|p| (p, why)));
                    Data::Bytes(bytes)
                }
                None => Data::File(host.to_path_buf()),
            };
            b.add(path, data, host_mode(host), FileWhy::RuntimeData);
            continue;
        } else {
            LeftOutWhy::NotCopied
        };
        left_out.insert((path.clone(), why));
    }
    // A CA the run opened is not also said to be in the bundle; one file of each CA is named,
    // not its hash links too (QA do F6: four entries for two CAs).
    let opened_ca: BTreeSet<String> = left_out
        .iter()
        .filter(|(_, why)| *why == LeftOutWhy::LocalCa)
        .map(|(p, _)| p.clone())
        .collect();
    left_out.retain(|(p, why)| *why != LeftOutWhy::LocalCaInBundle || !opened_ca.contains(p));
    let cas: Vec<String> = left_out
        .iter()
        .filter(|(_, why)| matches!(why, LeftOutWhy::LocalCa | LeftOutWhy::LocalCaInBundle))
        .map(|(p, _)| p.clone())
        .collect();
    let links = crate::image::local_ca::hash_links(&cas);
    left_out.retain(|(p, _)| !links.contains(p));
    left_out
        .into_iter()
        .map(|(path, why)| LeftOut {
            in_image: (why == LeftOutWhy::Home)
                .then(|| in_image_home(&path, home.as_deref(), image_home))
                .flatten(),
            path,
            why,
        })
        .collect()
}

/// Where `path`, under the run's `home`, is under the image user's `image_home`; `None`
/// for a path elsewhere (another user's home) or a home of `/`.
pub(super) fn in_image_home(path: &str, home: Option<&str>, image_home: &str) -> Option<String> {
    let home = home?.trim_end_matches('/');
    (!home.is_empty() && under(path, home)).then(|| format!("{image_home}{}", &path[home.len()..]))
}

/// A directory the run opened (to list it: a file server's root) that the image holds nothing
/// of, neither under its own path nor copied from under it: left out, as a file would be (QA
/// bn F3: miniserve's served directory was in no list, and an image of it would serve
/// nothing). Not `/`, the runtime's directories, nor one that holds the image's files
/// (`/etc`, the workdir): those are there.
pub(super) fn directory_left_out(
    b: &Builder,
    path: &str,
    home: Option<&str>,
) -> Option<(String, LeftOutWhy)> {
    let dir = path.trim_end_matches('/');
    if dir.is_empty() || is_runtime(dir) {
        return None;
    }
    let holds = b.why.iter().any(|(image_path, (_, source))| {
        under(image_path, dir) || source.as_deref().is_some_and(|s| under(s, dir))
    });
    if holds {
        return None;
    }
    let why = private(dir, home).unwrap_or(LeftOutWhy::NotCopied);
    Some((dir.to_string(), why))
}

/// Why a path of a home directory, or one with the mark of a credential, is never copied: a
/// file of a home with no such mark is no secret, likely the program's own configuration.
/// `None` for any other path.
fn private(path: &str, home: Option<&str>) -> Option<LeftOutWhy> {
    is_secret(path, home).then(|| match only_home(path, home) {
        true => LeftOutWhy::Home,
        false => LeftOutWhy::Secret,
    })
}
