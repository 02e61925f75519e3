//! CA certificates this machine trusts of its own, not its distribution's: an administrator's
//! (`/usr/local/share/ca-certificates`), a proxy's, a host certificate (`ssl-cert-snakeoil`).
//! A program that reads the system's CAs (rustls-native-certs reads every file of
//! `/etc/ssl/certs`) opened them too, and the image copied them as trusted roots (QA cl F1:
//! a sandbox's TLS-intercepting egress CA and the host's snakeoil certificate in oha's
//! image). They are left out, and so are their copies in the bundle.

use std::path::{Path, PathBuf};

/// The certificate directory of Debian's layout, where each CA of the distribution is a link
/// into [`DISTRIBUTION`].
const CERTS: &str = "/etc/ssl/certs/";

/// Where Debian's `ca-certificates` package keeps the distribution's CAs.
const DISTRIBUTION: &str = "/usr/share/ca-certificates/";

/// The bundle `update-ca-certificates` writes: every trusted CA, local ones included.
pub const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Whether `path`, a file of [`CERTS`] other than the bundle, is no CA of the distribution's:
/// it does not lead into [`DISTRIBUTION`]. Only on a machine of that layout (the directory
/// exists): elsewhere every file would read as local.
pub fn is_local(path: &str) -> bool {
    is_local_in(Path::new("/"), path)
}

/// As [`is_local`], in the root filesystem at `root`.
fn is_local_in(root: &Path, path: &str) -> bool {
    let distribution = root.join(DISTRIBUTION.trim_start_matches('/'));
    if !path.starts_with(CERTS) || path == BUNDLE || !distribution.is_dir() {
        return false;
    }
    let real = std::fs::canonicalize(root.join(path.trim_start_matches('/')));
    real.is_ok_and(|real| !real.starts_with(&distribution))
}

/// The bundle's bytes without the certificates of the local files of [`CERTS`], and those
/// files whose certificates it held, in name order (the report names them: QA dl F1, a
/// client that opens the bundle alone lost two CAs without a word); `None` when it holds none
/// of them (it is copied as it is).
pub fn bundle_without_local() -> Option<(Vec<u8>, Vec<String>)> {
    bundle_without_local_in(Path::new("/"))
}

/// As [`bundle_without_local`], in the root filesystem at `root`.
fn bundle_without_local_in(root: &Path) -> Option<(Vec<u8>, Vec<String>)> {
    let at = |p: &str| root.join(p.trim_start_matches('/'));
    let mut files: Vec<(String, Vec<String>)> = std::fs::read_dir(at(CERTS))
        .ok()?
        .flatten()
        .map(|e| format!("{CERTS}{}", e.file_name().to_string_lossy()))
        .filter(|p| is_local_in(root, p))
        .filter_map(|p| Some((blocks(&std::fs::read_to_string(at(&p)).ok()?), p)))
        .map(|(b, p)| (p, b))
        .collect();
    files.sort();
    let bundle = std::fs::read_to_string(at(BUNDLE)).ok()?;
    let local: Vec<String> = files.iter().flat_map(|f| f.1.clone()).collect();
    let kept = without(&bundle, &local)?;
    let all = blocks(&bundle);
    let named = files
        .into_iter()
        .filter(|(_, b)| b.iter().any(|b| all.contains(b)))
        .map(|(p, _)| p)
        .collect();
    Some((kept, named))
}

/// The paths of `paths` that are OpenSSL's hash links (`6ca38420.0`, which
/// `update-ca-certificates` makes) to the same certificate as another path of `paths`: the one
/// that is named is the other (QA do F6: each CA listed twice).
pub fn hash_links(paths: &[String]) -> std::collections::BTreeSet<String> {
    hash_links_in(Path::new("/"), paths)
}

/// As [`hash_links`], in the root filesystem at `root`.
fn hash_links_in(root: &Path, paths: &[String]) -> std::collections::BTreeSet<String> {
    let real = |p: &str| std::fs::canonicalize(root.join(p.trim_start_matches('/'))).ok();
    let is_hash = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or_default();
        name.split_once('.').is_some_and(|(hash, n)| {
            hash.len() == 8
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
        })
    };
    let named: Vec<(&String, Option<PathBuf>)> = paths
        .iter()
        .filter(|p| !is_hash(p))
        .map(|p| (p, real(p)))
        .collect();
    paths
        .iter()
        .filter(|p| is_hash(p))
        .filter(|p| {
            let target = real(p);
            target.is_some() && named.iter().any(|(o, r)| o != p && *r == target)
        })
        .cloned()
        .collect()
}

/// `bundle` without the PEM blocks of `local`; `None` when it holds none of them.
fn without(bundle: &str, local: &[String]) -> Option<Vec<u8>> {
    let all = blocks(bundle);
    let kept: Vec<&String> = all.iter().filter(|b| !local.contains(b)).collect();
    (kept.len() < all.len()).then(|| {
        let text: String = kept.iter().map(|b| format!("{b}\n")).collect();
        text.into_bytes()
    })
}

/// The PEM blocks of `text` (`-----BEGIN ...` to `-----END ...-----`), each trimmed.
fn blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("-----BEGIN ") {
            current = Some(vec![line]);
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
            if line.starts_with("-----END ") {
                out.push(lines.join("\n"));
                current = None;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_certificates_leave_the_bundle() {
        let pem =
            |body: &str| format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----");
        let bundle = format!("{}\n{}\n{}\n", pem("AAA"), pem("LOCAL"), pem("BBB"));
        let kept = without(&bundle, &[pem("LOCAL")]).expect("one removed");
        let kept = String::from_utf8(kept).expect("utf-8");
        assert_eq!(blocks(&kept), [pem("AAA"), pem("BBB")]);
        assert_eq!(without(&bundle, &[pem("OTHER")]), None);
        assert!(!is_local(BUNDLE));
        assert!(!is_local("/etc/hosts"));
        // A root of Debian's layout: one CA of the distribution (a link into it, and a hash
        // link to that), one of the machine's own, and the bundle of both.
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path();
        std::fs::create_dir_all(r.join("usr/share/ca-certificates/mozilla")).expect("mkdir");
        std::fs::create_dir_all(r.join("etc/ssl/certs")).expect("mkdir");
        let ours = r.join("usr/share/ca-certificates/mozilla/A.crt");
        std::fs::write(&ours, pem("AAA")).expect("write");
        std::os::unix::fs::symlink(&ours, r.join("etc/ssl/certs/A.pem")).expect("link");
        std::os::unix::fs::symlink("A.pem", r.join("etc/ssl/certs/aaaa.0")).expect("link");
        std::fs::write(r.join("etc/ssl/certs/proxy.pem"), pem("LOCAL")).expect("write");
        std::fs::write(r.join("etc/ssl/certs/ca-certificates.crt"), &bundle).expect("write");
        assert!(!is_local_in(r, "/etc/ssl/certs/A.pem"));
        assert!(!is_local_in(r, "/etc/ssl/certs/aaaa.0"));
        assert!(is_local_in(r, "/etc/ssl/certs/proxy.pem"));
        assert!(!is_local_in(r, BUNDLE));
        let (kept, named) = bundle_without_local_in(r).expect("the proxy's CA removed");
        assert_eq!(
            blocks(&String::from_utf8_lossy(&kept)),
            [pem("AAA"), pem("BBB")]
        );
        assert_eq!(named, ["/etc/ssl/certs/proxy.pem"]);
        // The hash link of the machine's own CA goes with the file it leads to (QA do F6);
        // one to nothing else named, or a file that only looks like a hash, stays.
        std::os::unix::fs::symlink("proxy.pem", r.join("etc/ssl/certs/0123abcd.0")).expect("ln");
        std::fs::write(r.join("etc/ssl/certs/fedcba98.1"), pem("OTHER")).expect("write");
        let listed = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .map(|n| format!("/etc/ssl/certs/{n}"))
                .collect()
        };
        let all = listed(&["0123abcd.0", "fedcba98.1", "proxy.pem"]);
        let links: Vec<String> = hash_links_in(r, &all).into_iter().collect();
        assert_eq!(links, listed(&["0123abcd.0"]));
        assert!(hash_links_in(r, &listed(&["0123abcd.0"])).is_empty());
        // Without the distribution's directory, no file reads as local.
        std::fs::remove_file(&ours).expect("rm");
        std::fs::remove_dir_all(r.join("usr")).expect("rm");
        assert!(!is_local_in(r, "/etc/ssl/certs/proxy.pem"));
    }
}
