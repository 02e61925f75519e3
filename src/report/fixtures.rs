//! Reports made by hand for the tests: an artifact, its probe runs, its image.

use super::{Artifact, Binary, Image, Memory, Sample};

/// Counted probe runs, one per startup time in `ms`, in order: for tests of what is made of
/// the samples.
pub(crate) fn test_samples(ms: &[f64]) -> Vec<Sample> {
    ms.iter()
        .enumerate()
        .map(|(i, &ms)| Sample {
            run: i as u32 + 1,
            warmup: false,
            spawned_at_ns: None,
            startup_ms: ms,
            shutdown_ms: None,
            memory_kib: Memory::default(),
            processes: 1,
            exit_code: None,
            cpu_wait_share: None,
        })
        .collect()
}

/// A static-pie artifact `app` of `file_size` bytes, with no section, symbol or probe: for
/// tests that fill in what they look at.
pub(crate) fn test_artifact(file_size: u64) -> Artifact {
    let binary: Binary = serde_json::from_value(serde_json::json!({
        "format": "elf", "arch": "x86_64", "elf_type": "DYN", "pie": true,
        "linkage": "static-pie", "interpreter": null, "needed": [], "rpath": [],
        "runpath": [], "file_size": file_size, "stripped_size": file_size / 2,
        "debug_size": 0, "symtab_size": 0, "sections": [], "build_id": null,
        "init_array_entries": 2, "glibc_floor": null, "version_needs": [],
        "closure": [], "closure_size": file_size
    }))
    .expect("binary");
    Artifact::new(Some("app".into()), "app".into(), None, "app".into(), binary)
}

/// An image of 2,500 B compressed (9,000 B unpacked) for an artifact of
/// [`test_artifact`], with `in_image` as the run inside it: for tests.
pub(crate) fn test_image(in_image: serde_json::Value) -> Image {
    serde_json::from_value(serde_json::json!({
        "layout": "l", "tar": "t", "reference": "app:1", "manifest_digest": "m",
        "config_digest": "c", "layer_digest": "l", "diff_id": "d",
        "architecture": "amd64", "os": "linux", "compressed_size": 2_500,
        "uncompressed_size": 9_000, "created": "1970-01-01T00:00:00Z",
        "created_from": "zero", "user": "65532:65532", "user_name": "nonroot",
        "workdir": "/app", "entrypoint": ["/app/app"], "env": [], "stripped": true,
        "files": [], "trace": {"traced": true, "opened": 3},
        "in_image": in_image
    }))
    .expect("image")
}
