//! QA cl F3: a program that reads the certificate directory (as rustls-native-certs does)
//! opens each CA under its name and under its hash link; the image held every link as a
//! second copy of the certificate. Here the links stay links, in the report and in the layer
//! (`tar -tvzf`), and the program inside reads every one of them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::*;

const CERTS: &str = "/etc/ssl/certs/";

#[test]
fn privileged_the_certificate_directory_keeps_its_hash_links_as_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = probe_fixture("image-ca", &["--warmup", "0"]);
    cmd.arg("--image").arg(dir.path()).args(["--runs", "1"]);
    let v = json(&mut cmd);
    let i = &artifact(&v, "static")["image"];
    let in_dir: Vec<&Value> = i["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| str_of(f, "path").starts_with(CERTS))
        .collect();
    let paths: BTreeSet<&str> = in_dir.iter().map(|f| str_of(f, "path")).collect();
    // This machine's hash links (`readlink`: a name beside them) to certificates the image
    // holds.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for path in &paths {
        let Ok(to) = std::fs::read_link(path) else {
            continue;
        };
        let to = to.to_str().expect("utf-8").to_string();
        if !to.contains('/') && paths.contains(format!("{CERTS}{to}").as_str()) {
            expected.insert(path.to_string(), to);
        }
    }
    assert!(!expected.is_empty(), "no hash link among {paths:?}");
    let links: BTreeMap<String, String> = in_dir
        .iter()
        .filter_map(|f| {
            Some((
                str_of(f, "path").to_string(),
                f["link"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(links, expected);
    for f in in_dir.iter().filter(|f| f["link"].is_string()) {
        assert_eq!(u64_of(f, "size"), 0, "{f}");
    }
    // The layer holds them as symbolic links.
    let blob = layer_blob(i);
    let in_layer: BTreeMap<String, String> = tool("tar", &["-tvzf", &blob])
        .lines()
        .filter(|l| l.starts_with('l'))
        .filter_map(|l| {
            let (left, to) = l.split_once(" -> ")?;
            let path = left.rsplit(' ').next()?;
            Some((format!("/{path}"), to.to_string()))
        })
        .collect();
    assert_eq!(in_layer, links);
    // Inside, the program read every file of the directory: the bundle, the certificates and
    // the links (one that led nowhere would fail it).
    let reproduce = str_of(&i["in_image"], "reproduce");
    let out = std::process::Command::new("sh")
        .args(["-c", reproduce])
        .output()
        .expect("sh");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!(
            "\n{} files read in /etc/ssl/certs\n",
            in_dir.len()
        )),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(i["in_image"]["outcome"], "started", "{}", i["in_image"]);
    // The directory it listed holds them: not said to be out of the image (QA co F5).
    let out = i["not_in_image"].as_array().expect("not_in_image");
    assert!(
        !out.iter().any(|l| l["path"] == "/etc/ssl/certs"),
        "{out:?}"
    );
}

/// The file of the image's layer, as skopeo reads the manifest of its layout.
pub(crate) fn layer_blob(image: &Value) -> String {
    let layout = str_of(image, "layout");
    let raw = tool("skopeo", &["inspect", "--raw", &format!("oci:{layout}")]);
    let manifest: Value = serde_json::from_str(&raw).expect("manifest");
    let digest = str_of(&manifest["layers"][0], "digest");
    format!(
        "{layout}/blobs/sha256/{}",
        digest.trim_start_matches("sha256:")
    )
}
