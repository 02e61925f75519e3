//! Which paths of an image can coexist: the binary, the working directory, the extra files of
//! `image.files`, and what the tool puts there itself (`/etc/passwd`, `/etc/group`, the system
//! data it copies in). Two claims collide when they take the same path (unless both are
//! directories) or when one lies below a path another makes a file: a layer with both either
//! silently loses one or cannot be unpacked. The configuration refuses such settings at load.

pub use super::contents::is_runtime;
use super::contents::{DATA_DIRS, DATA_FILES};

/// The files the image carries for its user (`contents::user_files`).
pub const USER_FILES: [&str; 2] = ["/etc/passwd", "/etc/group"];

/// Something that takes a path in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// `image.path`.
    Binary(String),
    /// `image.workdir`.
    Workdir(String),
    /// A destination of `image.files`.
    Extra(String),
    /// `/etc/passwd` or `/etc/group`, written for the image's user.
    UserFile(&'static str),
    /// A system data file copied in when the binary opens it.
    DataFile(&'static str),
    /// A directory whose files are copied in when the binary opens them.
    DataDir(&'static str),
}

impl Claim {
    pub fn path(&self) -> &str {
        match self {
            Claim::Binary(p) | Claim::Workdir(p) | Claim::Extra(p) => p,
            Claim::UserFile(p) | Claim::DataFile(p) | Claim::DataDir(p) => p,
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self, Claim::Workdir(_) | Claim::DataDir(_))
    }

    /// The tool's own: never checked against each other.
    fn is_ours(&self) -> bool {
        matches!(
            self,
            Claim::UserFile(_) | Claim::DataFile(_) | Claim::DataDir(_)
        )
    }
}

/// How two claims collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Both at one path.
    Same,
    /// The first is a file and the second lies below it.
    BelowFirst,
    /// The second is a file and the first lies below it.
    BelowSecond,
}

/// What the tool itself puts (or may put) in every image.
pub fn ours() -> Vec<Claim> {
    let mut v: Vec<Claim> = USER_FILES.iter().map(|p| Claim::UserFile(p)).collect();
    v.extend(DATA_FILES.iter().map(|p| Claim::DataFile(p)));
    v.extend(
        DATA_DIRS
            .iter()
            .map(|d| Claim::DataDir(d.trim_end_matches('/'))),
    );
    v
}

/// `inner` lies strictly below `outer`.
fn below(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// How `a` and `b` collide, if they do. An extra file at a system data file's path replaces
/// the host's copy: that is what `image.files` is for (a CA bundle of one's own).
fn how(a: &Claim, b: &Claim) -> Option<How> {
    if a.is_ours() && b.is_ours() {
        return None;
    }
    let (pa, pb) = (a.path(), b.path());
    if pa == pb {
        let replaces = matches!(
            (a, b),
            (Claim::Extra(_), Claim::DataFile(_)) | (Claim::DataFile(_), Claim::Extra(_))
        );
        let both_dirs = a.is_dir() && b.is_dir();
        return (!both_dirs && !replaces).then_some(How::Same);
    }
    if !a.is_dir() && below(pb, pa) {
        return Some(How::BelowFirst);
    }
    if !b.is_dir() && below(pa, pb) {
        return Some(How::BelowSecond);
    }
    None
}

/// The first two claims that cannot be in one image, in the order given (each claim is
/// checked against those after it, then against [`ours`]).
pub fn collision(claims: &[Claim]) -> Option<(Claim, Claim, How)> {
    let reserved = ours();
    for (i, a) in claims.iter().enumerate() {
        for b in claims[i + 1..].iter().chain(&reserved) {
            if let Some(h) = how(a, b) {
                return Some((a.clone(), b.clone(), h));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(claims: &[Claim]) -> Option<(String, String, How)> {
        collision(claims).map(|(a, b, h)| (a.path().to_string(), b.path().to_string(), h))
    }

    #[test]
    fn the_defaults_and_ordinary_settings_do_not_collide() {
        let ok = [
            Claim::Binary("/app/hello".into()),
            Claim::Workdir("/app".into()),
            Claim::Extra("/etc/hello/config.toml".into()),
            Claim::Extra("/etc/ssl/certs/corp-ca.pem".into()),
            // A CA bundle of one's own replaces the host's copy.
            Claim::Extra("/etc/ssl/cert.pem".into()),
        ];
        assert_eq!(first(&ok), None);
        assert_eq!(first(&[Claim::Workdir("/etc/ssl/certs".into())]), None);
        assert_eq!(first(&[Claim::Workdir("/".into())]), None);
    }

    #[test]
    fn qa_b2_each_conflicting_path_is_found() {
        let bin = |p: &str| Claim::Binary(p.into());
        let extra = |p: &str| Claim::Extra(p.into());
        let work = |p: &str| Claim::Workdir(p.into());
        let pair = |a: &str, b: &str, h| Some((a.to_string(), b.to_string(), h));
        // The binary replacing the generated passwd, or making /etc/passwd a directory.
        assert_eq!(
            first(&[bin("/etc/passwd")]),
            pair("/etc/passwd", "/etc/passwd", How::Same)
        );
        assert_eq!(
            first(&[bin("/etc/passwd/x")]),
            pair("/etc/passwd/x", "/etc/passwd", How::BelowSecond)
        );
        // A file at the binary's path, or below it.
        assert_eq!(
            first(&[extra("/app/hello"), bin("/app/hello")]),
            pair("/app/hello", "/app/hello", How::Same)
        );
        assert_eq!(
            first(&[extra("/app/hello/x"), bin("/app/hello")]),
            pair("/app/hello/x", "/app/hello", How::BelowSecond)
        );
        // The working directory at a file, or a file holding the working directory.
        assert_eq!(
            first(&[bin("/app"), work("/app")]),
            pair("/app", "/app", How::Same)
        );
        assert_eq!(
            first(&[work("/etc/group")]),
            pair("/etc/group", "/etc/group", How::Same)
        );
        assert_eq!(
            first(&[bin("/srv"), work("/srv/data")]),
            pair("/srv", "/srv/data", How::BelowFirst)
        );
        // The system data: a file where its directory goes, below its file, or the binary at it.
        assert_eq!(
            first(&[extra("/etc/ssl")]),
            pair("/etc/ssl", "/etc/ssl/cert.pem", How::BelowFirst)
        );
        assert_eq!(
            first(&[extra("/etc/services/x")]),
            pair("/etc/services/x", "/etc/services", How::BelowSecond)
        );
        assert_eq!(
            first(&[bin("/etc/localtime")]),
            pair("/etc/localtime", "/etc/localtime", How::Same)
        );
        assert_eq!(
            first(&[extra("/usr/share/zoneinfo")]),
            pair("/usr/share/zoneinfo", "/usr/share/zoneinfo", How::Same)
        );
        // A prefix that is not a parent is no collision.
        assert_eq!(first(&[bin("/app/hello"), extra("/app/hello2")]), None);
    }
}
