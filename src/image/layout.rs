//! The OCI image layout writer: one gzip layer streamed through two SHA-256s (the diff id of
//! the tar, the digest of the blob), the config, the manifest, `index.json`, and beside it one
//! `.tar` of the same layout with Docker's `manifest.json`, for `docker load` / `podman load`.
//!
//! Reproducible: entries sorted by path, numeric owners, one fixed mtime, gzip with no name and
//! no time; JSON with sorted keys. Written atomically: everything goes into a temporary
//! directory beside the target and is renamed into place. A target that holds something we
//! did not write (no [`MARKER`] annotation in its `index.json`) is refused, never overwritten.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::format::hex;

use super::place::{MARKER, Target};
use super::tarball::{Entry, append};
use crate::error::{Error, Result};

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The image config and annotations, as decided by the stage.
#[derive(Debug, Clone)]
pub struct Meta {
    pub mtime: u64,
    pub created: String,
    pub architecture: String,
    pub user: String,
    pub workdir: String,
    pub entrypoint: Vec<String>,
    pub env: Vec<String>,
    pub ports: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub repository: String,
    pub tag: String,
}

/// The digests and sizes of what was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest_digest: String,
    pub manifest_size: u64,
    pub config_digest: String,
    pub config_size: u64,
    pub layer_digest: String,
    pub layer_size: u64,
    pub diff_id: String,
    pub tar_size: u64,
    /// The layer blob in the layout, to unpack the image from.
    pub layer_blob: PathBuf,
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.count)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Stream the layer into `blobs/sha256/` of `dir`: (digest, size, diff id, tar size).
fn write_layer(entries: &[Entry], mtime: u64, blobs: &Path) -> Result<(String, u64, String, u64)> {
    let partial = blobs.join(".layer.partial");
    let wrote = |e: io::Error| Error::Write {
        path: partial.clone(),
        source: e,
    };
    let file = File::create(&partial).map_err(wrote)?;
    let blob = Hashing::new(BufWriter::with_capacity(1 << 20, file));
    // No file name, mtime 0, OS "unknown": the same bytes in give the same bytes out.
    let gz = GzBuilder::new()
        .operating_system(255)
        .write(blob, Compression::new(6));
    let mut builder = tar::Builder::new(Hashing::new(gz));
    for e in entries {
        append(&mut builder, e, mtime)?;
    }
    let tar_stream = builder.into_inner().map_err(wrote)?;
    let (gz, diff_id, tar_size) = tar_stream.finish();
    let blob = gz.finish().map_err(wrote)?;
    let (mut file, digest, size) = blob.finish();
    file.flush().map_err(wrote)?;
    fs::rename(&partial, blobs.join(&digest)).map_err(wrote)?;
    Ok((digest, size, diff_id, tar_size))
}

fn put_blob(blobs: &Path, bytes: &[u8]) -> Result<String> {
    let digest = sha256(bytes);
    let path = blobs.join(&digest);
    fs::write(&path, bytes).map_err(|e| Error::Write { path, source: e })?;
    Ok(digest)
}

fn config_json(meta: &Meta, diff_id: &str) -> Value {
    let mut config = json!({
        "User": meta.user,
        "Env": meta.env,
        "Entrypoint": meta.entrypoint,
        "WorkingDir": meta.workdir,
    });
    if !meta.ports.is_empty() {
        let ports: BTreeMap<&str, Value> =
            meta.ports.iter().map(|p| (p.as_str(), json!({}))).collect();
        config["ExposedPorts"] = json!(ports);
    }
    if !meta.labels.is_empty() {
        config["Labels"] = json!(meta.labels);
    }
    json!({
        "created": meta.created,
        "architecture": meta.architecture,
        "os": "linux",
        "config": config,
        "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{diff_id}")] },
        "history": [{ "created": meta.created, "created_by": "cargo aotcheck --image" }],
    })
}

fn to_bytes(v: &Value) -> Vec<u8> {
    // A `Value` of strings, numbers and maps always serialises.
    serde_json::to_vec(v).unwrap_or_default()
}

/// Write the image of `entries` to `target`, atomically.
pub fn write(entries: &[Entry], meta: &Meta, target: &Target) -> Result<Written> {
    super::place::check_ours(target)?;
    let parent = target.layout.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::Write {
        path: parent.to_path_buf(),
        source: e,
    })?;
    let name = target
        .layout
        .file_name()
        .map_or_else(|| "image".into(), |n| n.to_string_lossy().into_owned());
    let tmp = super::place::scratch_dir(parent, &name)?;
    let blobs = tmp.path().join("blobs/sha256");
    fs::create_dir_all(&blobs).map_err(|e| Error::Write {
        path: blobs.clone(),
        source: e,
    })?;
    let (layer_digest, layer_size, diff_id, tar_size) = write_layer(entries, meta.mtime, &blobs)?;
    let config = to_bytes(&config_json(meta, &diff_id));
    let config_digest = put_blob(&blobs, &config)?;
    let manifest = to_bytes(&manifest_json(
        meta,
        (&config_digest, config.len() as u64),
        (&layer_digest, layer_size),
    ));
    let manifest_digest = put_blob(&blobs, &manifest)?;
    let index = index_json(meta, &manifest_digest, manifest.len());
    let files = [
        (
            "oci-layout",
            to_bytes(&json!({ "imageLayoutVersion": "1.0.0" })),
        ),
        ("index.json", to_bytes(&index)),
    ];
    for (file, bytes) in &files {
        let path = tmp.path().join(file);
        fs::write(&path, bytes).map_err(|e| Error::Write { path, source: e })?;
    }
    let docker = to_bytes(&json!([{
        "Config": format!("blobs/sha256/{config_digest}"),
        "RepoTags": [format!("{}:{}", meta.repository, meta.tag)],
        "Layers": [format!("blobs/sha256/{layer_digest}")],
    }]));
    let digests = [&config_digest, &layer_digest, &manifest_digest];
    let tar_tmp = super::place::write_tar(
        tmp.path(),
        &files,
        &docker,
        &digests,
        meta.mtime,
        parent,
        &name,
    )?;
    super::place::place(tmp, tar_tmp, target)?;
    Ok(Written {
        layer_blob: target.layout.join("blobs/sha256").join(&layer_digest),
        manifest_digest: format!("sha256:{manifest_digest}"),
        manifest_size: manifest.len() as u64,
        config_digest: format!("sha256:{config_digest}"),
        config_size: config.len() as u64,
        layer_digest: format!("sha256:{layer_digest}"),
        layer_size,
        diff_id: format!("sha256:{diff_id}"),
        tar_size,
    })
}

/// The manifest of the config and the one layer, each as (hex digest, size).
fn manifest_json(meta: &Meta, config: (&str, u64), layer: (&str, u64)) -> Value {
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": { "mediaType": CONFIG_TYPE, "digest": format!("sha256:{}", config.0),
                    "size": config.1 },
        "layers": [{ "mediaType": LAYER_TYPE, "digest": format!("sha256:{}", layer.0),
                     "size": layer.1 }],
    });
    if !meta.annotations.is_empty() {
        manifest["annotations"] = json!(meta.annotations);
    }
    manifest
}

fn index_json(meta: &Meta, manifest_digest: &str, manifest_size: usize) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": MANIFEST_TYPE,
            "digest": format!("sha256:{manifest_digest}"),
            "size": manifest_size,
            "platform": { "architecture": meta.architecture, "os": "linux" },
            "annotations": {
                "org.opencontainers.image.ref.name": meta.tag,
                "io.containerd.image.name":
                    format!("docker.io/library/{}:{}", meta.repository, meta.tag),
            },
        }],
        "annotations": { MARKER: "written by cargo-aotcheck" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::tarball::{Data, complete};

    fn meta() -> Meta {
        Meta {
            mtime: 0,
            created: "1970-01-01T00:00:00Z".into(),
            architecture: "amd64".into(),
            user: "65532:65532".into(),
            workdir: "/app".into(),
            entrypoint: vec!["/app/x".into()],
            env: vec![],
            ports: vec![],
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            repository: "x".into(),
            tag: "1".into(),
        }
    }

    fn file(path: &str, bytes: &[u8]) -> Entry {
        Entry {
            path: path.into(),
            data: Data::Bytes(bytes.to_vec()),
            mode: 0o644,
            uid: 0,
            gid: 0,
        }
    }

    #[test]
    fn parents_come_first_and_the_first_entry_of_a_path_wins() {
        let e = complete(vec![
            file("/etc/ssl/certs/ca.crt", b"a"),
            file("/app/x", b"b"),
            file("/etc-x/y", b"c"),
            file("/app/x", b"ignored"),
        ]);
        let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/app",
                "/app/x",
                "/etc",
                "/etc/ssl",
                "/etc/ssl/certs",
                "/etc/ssl/certs/ca.crt",
                "/etc-x",
                "/etc-x/y"
            ]
        );
        assert!(matches!(&e[1].data, Data::Bytes(b) if b == b"b"));
    }

    #[test]
    fn same_input_same_digests_and_a_foreign_target_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = |n: &str| Target {
            layout: dir.path().join(n),
            tar: dir.path().join(format!("{n}.tar")),
        };
        let entries = complete(vec![file("/app/x", b"hello")]);
        let a = write(&entries, &meta(), &t("a")).expect("write a");
        let b = write(&entries, &meta(), &t("b")).expect("write b");
        assert_eq!(a.manifest_digest, b.manifest_digest);
        let again = write(&entries, &meta(), &t("a")).expect("overwrite our own");
        assert_eq!(again.manifest_digest, a.manifest_digest);
        let ta = fs::read(dir.path().join("a.tar")).expect("tar a");
        let tb = fs::read(dir.path().join("b.tar")).expect("tar b");
        assert_eq!(ta, tb);
        fs::create_dir(dir.path().join("c")).expect("mkdir");
        fs::write(dir.path().join("c/notes.txt"), "mine").expect("write");
        let e = write(&entries, &meta(), &t("c")).expect_err("foreign");
        assert!(e.to_string().contains("did not write"), "{e}");
        assert!(dir.path().join("c/notes.txt").exists());
        // Nothing of ours is left beside it.
        let names: Vec<String> = fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
