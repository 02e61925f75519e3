//! The images of the hand-built report: the static build's starts inside it, the regular
//! build's does not (a file it read on the host is missing).

use serde_json::{Value, json};

use super::hand::CRAFTED;

/// What a pull of each image transfers.
pub const STATIC_PULL: u64 = 650_000;
pub const REGULAR_PULL: u64 = 1_300_000;

fn image(link: &str, pull: u64, files: Value, in_image: Value) -> Value {
    json!({
        "layout": format!("/w/app/target/aotcheck/image/app/app/{link}"),
        "tar": format!("/w/app/target/aotcheck/image/app/app/{link}.tar"),
        "reference": "app:0.1.0",
        "manifest_digest": format!("sha256:{}", "ab".repeat(32)),
        "config_digest": format!("sha256:{}", "cd".repeat(32)),
        "layer_digest": format!("sha256:{}", "ef".repeat(32)),
        "diff_id": format!("sha256:{}", "01".repeat(32)),
        "architecture": "amd64", "os": "linux",
        "compressed_size": pull, "uncompressed_size": pull * 2,
        "created": "1970-01-01T00:00:00Z", "created_from": "zero",
        "user": "65532:65532", "user_name": "nonroot", "workdir": "/app",
        "entrypoint": ["/app/app", "--serve"], "env": ["PATH=/usr/bin:/bin"],
        "exposed_ports": ["8080/tcp"], "stripped": true,
        "files": files,
        "trace": {"traced": true, "opened": 4},
        "not_in_image": [
            {"path": "/etc/machine-id", "why": "secret"},
            {"path": "/proc/self/maps", "why": "runtime"},
            {"path": format!("/w/app/{CRAFTED}.toml"), "why": "not-copied"}
        ],
        "in_image": in_image
    })
}

fn file(path: &str, size: u64, why: &str, source: Option<&str>) -> Value {
    json!({"path": path, "size": size, "mode": "0644", "uid": 0, "gid": 0, "why": why,
           "source": source})
}

pub fn started() -> Value {
    let files = json!([
        file(
            "/app/app",
            1_240_000,
            "binary",
            Some("/w/app/target/static/app")
        ),
        file("/etc/group", 27, "user", None),
        file("/etc/passwd", 93, "user", None),
        file(
            "/etc/ssl/certs/ca-certificates.crt",
            200_000,
            "runtime-data",
            Some("/etc/ssl/certs/ca-certificates.crt")
        )
    ]);
    let in_image = json!({
        "outcome": "started", "ready": "tcp", "runs": 5, "failures": 0,
        "startup_ms": {"count": 5, "min": 3.1, "median": 3.4, "mean": 3.4, "stddev": 0.2,
                       "p90": 3.7, "max": 3.8, "mad": 0.1, "outliers": []},
        "memory_kib": {"rss": 1300, "hwm": 1400, "anon": 120, "file": 1180, "pss": 1250},
        "failed_runs": [], "started_on_host": true, "missing": []
    });
    image("static", STATIC_PULL, files, in_image)
}

pub fn failed() -> Value {
    let files = json!([
        file(
            "/app/app",
            560_000,
            "binary",
            Some("/w/app/target/dynamic/app")
        ),
        file(
            "/lib64/ld-linux-x86-64.so.2",
            210_000,
            "interpreter",
            Some("/lib64/ld-linux-x86-64.so.2")
        ),
        file(
            "/lib/x86_64-linux-gnu/libc.so.6",
            1_922_136,
            "library",
            Some("/lib/x86_64-linux-gnu/libc.so.6")
        ),
        file("/etc/passwd", 93, "user", None)
    ]);
    let in_image = json!({
        "outcome": "failed", "ready": "tcp", "runs": 0, "failures": 2,
        "reproduce": "unshare --user --mount --root=ROOTFS /app/app --serve",
        "memory_kib": {"rss": null, "hwm": null, "anon": null, "file": null, "pss": null},
        "failed_runs": [{"run": 1, "warmup": false, "kind": "exited-before-ready",
            "message": "exited with status 1 before it was ready", "exit_code": 1,
            "signal": null, "core_dumped": false,
            "stderr_tail": format!("cannot read /w/app/{CRAFTED}.toml"), "stdout_tail": ""}],
        "started_on_host": true,
        "missing": [{"path": format!("/w/app/{CRAFTED}.toml"), "opened_on_host": true}]
    });
    image("dynamic", REGULAR_PULL, files, in_image)
}
