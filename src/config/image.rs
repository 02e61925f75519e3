//! `[package.metadata.aotcheck.image]`: what a binary's image holds and how it starts, typed
//! at load like every other table (errors name `image.KEY` and the file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::config_error;
use crate::error::Result;
use crate::image::paths::{self, Claim, How};
use crate::plan::{ImageSettings, ImageUser};

/// The table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawImage {
    user: Option<UserSpec>,
    path: Option<String>,
    workdir: Option<String>,
    args: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    port: Option<u16>,
    labels: Option<BTreeMap<String, String>>,
    /// Path in the image = file on this machine (relative to the file that says so).
    files: Option<BTreeMap<String, String>>,
    strip: Option<bool>,
}

/// `user = 1000` or `user = "1000:1000"` / `"nonroot"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum UserSpec {
    Id(u32),
    Text(String),
}

/// One layer's image settings, typed: what it leaves out comes from the layers below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PartialImage {
    pub user: Option<ImageUser>,
    pub path: Option<String>,
    pub workdir: Option<String>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<(String, String)>>,
    pub port: Option<u16>,
    pub labels: Option<BTreeMap<String, String>>,
    pub files: Option<Vec<(String, PathBuf)>>,
    pub strip: Option<bool>,
    /// The file that set `path`, `workdir` and `files` (for the errors of [`PartialImage::resolve`]).
    pub sources: BTreeMap<&'static str, String>,
}

impl PartialImage {
    /// Lay `over` on these settings: what it sets wins; maps and lists are taken whole.
    pub fn apply(&mut self, over: &PartialImage) {
        macro_rules! overlay {
            ($($f:ident),+) => { $( if over.$f.is_some() { self.$f = over.$f.clone(); } )+ };
        }
        overlay!(user, path, workdir, args, env, port, labels, files, strip);
        for (k, v) in &over.sources {
            self.sources.insert(k, v.clone());
        }
    }

    /// The settings of binary `bin`, the defaults filled in; an error when two of its paths
    /// cannot be in one image (see `image::paths`).
    pub fn resolve(&self, bin: &str) -> Result<ImageSettings> {
        let d = ImageSettings::for_bin(bin);
        let s = ImageSettings {
            user: self.user.clone().unwrap_or(d.user),
            path: self.path.clone().unwrap_or(d.path),
            workdir: self.workdir.clone().unwrap_or(d.workdir),
            args: self.args.clone(),
            env: self.env.clone().unwrap_or_default(),
            port: self.port,
            labels: self.labels.clone().unwrap_or_default(),
            files: self.files.clone().unwrap_or_default(),
            strip: self.strip.unwrap_or(d.strip),
        };
        self.check_paths(&s)?;
        Ok(s)
    }

    /// Refuse a binary, working directory and extra files that collide with each other or
    /// with what the image carries anyway, naming both and the file that set the first.
    fn check_paths(&self, s: &ImageSettings) -> Result<()> {
        // What the user set first: the error names it, and the file it is in.
        let mut claims: Vec<Claim> = s
            .files
            .iter()
            .map(|(to, _)| Claim::Extra(to.clone()))
            .collect();
        let (binary, workdir) = (
            Claim::Binary(s.path.clone()),
            Claim::Workdir(s.workdir.clone()),
        );
        for (c, set) in [
            (workdir, self.workdir.is_some()),
            (binary, self.path.is_some()),
        ] {
            if set {
                claims.insert(0, c)
            } else {
                claims.push(c)
            }
        }
        let Some((a, b, how)) = paths::collision(&claims) else {
            return Ok(());
        };
        let source = self
            .source_of(&a)
            .or_else(|| self.source_of(&b))
            .unwrap_or_default();
        let mut other = describe(&b);
        if let Some(src) = self.source_of(&b).filter(|s| *s != source) {
            other.push_str(&format!(", set in {src}"));
        }
        let (pa, pb) = (a.path(), b.path());
        let message = match how {
            How::Same => format!("`{pa}` is also {other}: one path cannot hold both"),
            How::BelowFirst => format!("`{pa}` is a file, but {other} is `{pb}`, below it"),
            How::BelowSecond => format!("`{pa}` is below `{pb}`, {other}, which is a file"),
        };
        Err(config_error(&source, &key(&a), &message))
    }

    /// The file that set the key of `c`, when one did.
    fn source_of(&self, c: &Claim) -> Option<String> {
        let field = match c {
            Claim::Binary(_) => "path",
            Claim::Workdir(_) => "workdir",
            Claim::Extra(_) => "files",
            _ => return None,
        };
        self.sources.get(field).cloned()
    }
}

/// The configuration key of a claim (the tool's own have none).
fn key(c: &Claim) -> String {
    match c {
        Claim::Binary(_) => "image.path".into(),
        Claim::Workdir(_) => "image.workdir".into(),
        Claim::Extra(to) => format!("image.files.\"{to}\""),
        other => other.path().to_string(),
    }
}

/// A claim as the error names it.
fn describe(c: &Claim) -> String {
    match c {
        Claim::Binary(_) => "`image.path` (where the binary goes; default `/app/<bin>`)".into(),
        Claim::Workdir(_) => "`image.workdir` (the working directory; default `/app`)".into(),
        Claim::Extra(_) => format!("`{}`", key(c)),
        Claim::UserFile(p) => format!("the `{p}` the image carries for its user"),
        Claim::DataFile(p) => {
            format!("the system data file `{p}` (copied in when the binary opens it)")
        }
        Claim::DataDir(p) => {
            format!("the system data directory `{p}/` (copied in when the binary opens it)")
        }
    }
}

/// A path inside the image: absolute, no `..`, no empty or `.` parts, and not the root.
fn image_path(p: &str, source: &str, key: &str) -> Result<String> {
    let bad = |why: &str| config_error(source, key, &format!("`{p}` {why}"));
    if !p.starts_with('/') {
        return Err(bad("is not an absolute path in the image"));
    }
    let parts: Vec<&str> = p.split('/').skip(1).collect();
    if parts
        .iter()
        .any(|c| c.is_empty() || *c == "." || *c == "..")
        || p.contains('\0')
    {
        return Err(bad(
            "must be a plain path (no `..`, `.`, `//` or trailing `/`)",
        ));
    }
    Ok(p.to_string())
}

/// `image.files`: each path in the image and the file (or each file of the directory) that goes
/// there, relative to `base`.
fn files(
    map: &BTreeMap<String, String>,
    source: &str,
    base: &Path,
) -> Result<Vec<(String, PathBuf)>> {
    let mut v = Vec::new();
    for (to, from) in map {
        let key = format!("image.files.\"{to}\"");
        let to = image_path(to, source, &key)?;
        // QA cw F3: `/etc/hostname` was shipped, and every runtime mounts its own over it.
        if paths::is_runtime(&to) {
            return Err(config_error(
                source,
                &key,
                &format!(
                    "`{to}` is written into every container by the container runtime \
                     (Docker, podman and the kubelet mount their own over the image's): a \
                     copy in the image is never seen"
                ),
            ));
        }
        let from_path = base.join(from);
        if from_path.is_dir() {
            let tree = super::image_dir::files_of(&to, &from_path)
                .map_err(|m| config_error(source, &key, &m))?;
            v.extend(tree);
            continue;
        }
        if !from_path.is_file() {
            return Err(config_error(
                source,
                &key,
                &format!(
                    "`{}` is neither a file nor a directory",
                    from_path.display()
                ),
            ));
        }
        v.push((to, from_path));
    }
    Ok(v)
}

/// Convert and check one layer's `image` table; `base` is the directory of the file it is in.
pub(super) fn partial(raw: &RawImage, source: &str, base: &Path) -> Result<PartialImage> {
    let user = match &raw.user {
        None => None,
        Some(UserSpec::Id(id)) => Some(ImageUser::numeric(*id, *id)),
        Some(UserSpec::Text(t)) => {
            Some(ImageUser::parse(t).map_err(|m| config_error(source, "image.user", &m))?)
        }
    };
    if raw.port == Some(0) {
        return Err(config_error(source, "image.port", "0 is not a TCP port"));
    }
    let files = match &raw.files {
        Some(map) => Some(files(map, source, base)?),
        None => None,
    };
    for (k, _) in raw.env.iter().flatten() {
        if k.is_empty() || k.contains('=') || k.contains('\0') {
            return Err(config_error(
                source,
                "image.env",
                &format!("`{k}` is not a variable name"),
            ));
        }
    }
    let mut sources = BTreeMap::new();
    for (field, set) in [
        ("path", raw.path.is_some()),
        ("workdir", raw.workdir.is_some()),
        ("files", raw.files.is_some()),
    ] {
        if set {
            sources.insert(field, source.to_string());
        }
    }
    Ok(PartialImage {
        user,
        path: raw
            .path
            .as_deref()
            .map(|p| image_path(p, source, "image.path"))
            .transpose()?,
        workdir: match raw.workdir.as_deref() {
            Some("/") => Some("/".into()),
            Some(w) => Some(image_path(w, source, "image.workdir")?),
            None => None,
        },
        args: raw.args.clone(),
        env: raw
            .env
            .as_ref()
            .map(|e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        port: raw.port,
        labels: raw.labels.clone(),
        files,
        strip: raw.strip,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: serde_json::Value) -> RawImage {
        serde_json::from_value(v).expect("raw image table")
    }

    #[test]
    fn users_are_numbers_or_known_names() {
        let p = |u: serde_json::Value| {
            partial(&raw(serde_json::json!({ "user": u })), "f", Path::new("/"))
                .map(|p| p.user.map(|u| (u.uid, u.gid, u.name)))
        };
        assert_eq!(
            p("1000:2000".into()).ok().flatten(),
            Some((1000, 2000, "app".into()))
        );
        assert_eq!(
            p(65534.into()).ok().flatten(),
            Some((65534, 65534, "nobody".into()))
        );
        assert_eq!(
            p("nonroot".into()).ok().flatten(),
            Some((65532, 65532, "nonroot".into()))
        );
        let e = p("www-data".into()).expect_err("unknown name").to_string();
        assert!(e.contains("image.user") && e.contains("www-data"), "{e}");
    }

    #[test]
    fn image_tables_layer_like_the_others() {
        let ws = serde_json::json!({"aotcheck": {"image": {"user": "nobody", "port": 9000}}});
        let pkg = serde_json::json!({"aotcheck": {
            "image": {"workdir": "/srv", "labels": {"a": "b"}},
            "bin": {"server": {"image": {"path": "/srv/server", "strip": false}}}
        }});
        let c = crate::config::Config::load(
            &ws,
            Path::new("/w/Cargo.toml"),
            &[("app", &pkg, Path::new("/w/app/Cargo.toml"))],
            None,
        )
        .expect("valid");
        let s = c
            .for_bin("app", "server")
            .image("server")
            .expect("no collision");
        assert_eq!((s.user.uid, s.port), (65534, Some(9000)));
        assert_eq!(
            (s.workdir.as_str(), s.path.as_str()),
            ("/srv", "/srv/server")
        );
        assert!(!s.strip);
        assert_eq!(s.labels.get("a").map(String::as_str), Some("b"));
        let other = c.for_bin("app", "cli").image("cli").expect("no collision");
        assert_eq!(other.path, "/app/cli");
        assert!(other.strip);
        let e = crate::config::Config::load(
            &serde_json::json!({}),
            Path::new("/w/Cargo.toml"),
            &[(
                "app",
                &serde_json::json!({"aotcheck": {"image": {"usr": 1}}}),
                Path::new("/w/app/Cargo.toml"),
            )],
            None,
        )
        .expect_err("unknown key")
        .to_string();
        assert!(
            e.contains("image") && e.contains("usr") && e.contains("/w/app/Cargo.toml"),
            "{e}"
        );
    }

    #[test]
    fn paths_are_absolute_and_plain_and_files_exist() {
        let p = |v: serde_json::Value| partial(&raw(v), "f", Path::new("/"));
        assert!(p(serde_json::json!({"path": "bin/app"})).is_err());
        assert!(p(serde_json::json!({"path": "/app/../etc/x"})).is_err());
        assert!(p(serde_json::json!({"workdir": "/"})).is_ok());
        let e = p(serde_json::json!({"files": {"/etc/x": "no/such/file"}}))
            .expect_err("missing source")
            .to_string();
        assert!(e.contains("image.files.\"/etc/x\""), "{e}");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("c.toml"), "x").expect("write");
        let ok = partial(
            &raw(serde_json::json!({"files": {"/etc/c.toml": "c.toml"}})),
            "f",
            dir.path(),
        )
        .expect("valid");
        assert_eq!(
            ok.files,
            Some(vec![("/etc/c.toml".into(), dir.path().join("c.toml"))])
        );
    }

    /// The image settings of `bin` from a workspace table and a package table.
    fn settings(ws: serde_json::Value, pkg: serde_json::Value, bin: &str) -> Result<ImageSettings> {
        let c = crate::config::Config::load(
            &serde_json::json!({"aotcheck": {"image": ws}}),
            Path::new("/w/Cargo.toml"),
            &[(
                "app",
                &serde_json::json!({"aotcheck": {"image": pkg}}),
                Path::new("/w/app/Cargo.toml"),
            )],
            None,
        )?;
        c.for_bin("app", bin).image(bin)
    }

    #[test]
    fn qa_b2_colliding_paths_are_refused_naming_both_keys_and_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("x.txt");
        std::fs::write(&src, "x").expect("write");
        let src = src.to_str().expect("utf-8");
        let e = |ws: serde_json::Value, pkg: serde_json::Value| {
            settings(ws, pkg, "hello")
                .expect_err("a collision")
                .to_string()
        };
        let msg = e(
            serde_json::json!({}),
            serde_json::json!({"path": "/etc/passwd"}),
        );
        assert!(
            msg.contains("/w/app/Cargo.toml")
                && msg.contains("`image.path`")
                && msg.contains("`/etc/passwd` is also the `/etc/passwd` the image carries"),
            "{msg}"
        );
        let msg = e(
            serde_json::json!({}),
            serde_json::json!({"path": "/etc/passwd/x"}),
        );
        assert!(msg.contains("is below `/etc/passwd`"), "{msg}");
        // A file at the default binary path: the file is named, and the binary's key.
        let msg = e(
            serde_json::json!({}),
            serde_json::json!({"files": {"/app/hello": src}}),
        );
        assert!(
            msg.contains("`image.files.\"/app/hello\"`: `/app/hello` is also `image.path`"),
            "{msg}"
        );
        let msg = e(
            serde_json::json!({}),
            serde_json::json!({"files": {"/app/hello/x": src}}),
        );
        assert!(
            msg.contains("`/app/hello/x` is below `/app/hello`, `image.path`"),
            "{msg}"
        );
        // QA cw F3: a file the runtime writes into every container.
        let msg = e(
            serde_json::json!({}),
            serde_json::json!({"files": {"/etc/hostname": src}}),
        );
        assert!(
            msg.contains(
                "`/etc/hostname` is written into every container by the container runtime"
            ),
            "{msg}"
        );
        // Set in two files: both are named.
        let msg = e(
            serde_json::json!({"workdir": "/srv/x"}),
            serde_json::json!({"path": "/srv"}),
        );
        assert!(
            msg.starts_with("`/w/app/Cargo.toml`: `image.path`: `/srv` is a file")
                && msg.contains("`image.workdir`")
                && msg.contains("set in /w/Cargo.toml"),
            "{msg}"
        );
        let msg = e(
            serde_json::json!({}),
            serde_json::json!({"workdir": "/etc/group"}),
        );
        assert!(
            msg.contains("`image.workdir`: `/etc/group` is also"),
            "{msg}"
        );
        // A file of one's own where the host's copy of system data would go is kept.
        let ok = settings(
            serde_json::json!({}),
            serde_json::json!({"files": {"/etc/ssl/cert.pem": src}}),
            "hello",
        );
        assert!(ok.is_ok(), "{ok:?}");
        // The binary's default path follows its name: `cli` does not collide with `/app/hello`.
        let ok = settings(
            serde_json::json!({}),
            serde_json::json!({"files": {"/app/hello": src}}),
            "cli",
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
