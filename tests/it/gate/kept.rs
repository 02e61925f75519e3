//! `--save-baseline` keeps the probed binaries; `--baseline FILE` probes them again beside its
//! own, round by round (QA j, J2: `just` read +38% against a baseline file probed minutes
//! earlier, for a change that did not touch its start).

use super::baseline_ref::{assert_round_by_round, order_probed};
use super::*;

/// A copy of `gate-order` whose baseline is saved (in `gate/TARGET`): the copy's folder, the
/// copy, the baseline file, the order log, and the saved report.
fn saved(target: &str) -> (tempfile::TempDir, PathBuf, String, PathBuf, Value) {
    let (dir, repo) = copy_of("gate-order");
    let base = dir.path().join("base.json");
    let log = dir.path().join("order.log");
    let b = base.to_str().expect("utf-8").to_string();
    let r = order_probed(&repo, target, &log, &["--save-baseline", &b]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = parse(&r);
    (dir, repo, b, log, report)
}

/// Where the binary of `saved`'s report is kept (by its build id) in `gate/TARGET`.
fn kept_of(target: &str, saved: &Value) -> PathBuf {
    let id = str_of(&saved["artifacts"][0]["binary"], "build_id");
    shared_target_dir()
        .join("gate")
        .join(target)
        .join("baseline-bins")
        .join(id)
}

#[test]
fn a_kept_baseline_binary_is_probed_again_round_by_round() {
    let (_dir, repo, b, log, saved) = saved("kept");
    let b = b.as_str();
    let a = &saved["artifacts"][0];
    // Kept by build id, the id readelf reads from the binary.
    let id = str_of(&a["binary"], "build_id");
    let notes = tool("readelf", &["-n", str_of(a, "path")]);
    assert!(notes.contains(&format!("Build ID: {id}")), "{notes}");
    let kept = kept_of("kept", &saved);
    assert!(kept.is_file(), "no {}", kept.display());
    let saved_median = a["probe"]["startup_ms"]["median"].as_f64().expect("median");

    let main = repo.join("src/main.rs");
    let text = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, text.replace("\"base\"", "\"head\"")).expect("write");
    std::fs::remove_file(&log).expect("a fresh log");
    let r = order_probed(&repo, "kept", &log, &["--baseline", b]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v = parse(&r);
    // The source is the file; that its binaries were probed again is said apart (QA k: in
    // Markdown the words were inside the file name's code span).
    assert_eq!(str_of(&v["baseline"], "source"), b);
    assert_eq!(v["baseline"]["reprobed"], true, "{}", v["baseline"]);
    assert_round_by_round(&log);
    let startup = check(&checks(&v), "baseline.startup").clone();
    assert_ne!(
        startup["baseline"].as_f64(),
        Some(saved_median),
        "{startup}"
    );
    // QA cu F6: the re-probed baseline's 4 runs, whose median is the check's baseline, and
    // the interval drawn from them and this run's samples (the probe's).
    let samples: Vec<f64> = startup["baseline_samples"]
        .as_array()
        .unwrap_or_else(|| panic!("no baseline_samples in {startup}"))
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(samples.len(), 4, "{startup}");
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[1] + sorted[2]) / 2.0;
    let said = startup["baseline"].as_f64().expect("a baseline median");
    assert!((median - said).abs() < 1e-9, "{median} against {startup}");

    // Without the kept binary (a fresh machine): the file's own figures, and no base run.
    std::fs::remove_file(&kept).expect("remove the kept binary");
    std::fs::remove_file(&log).expect("a fresh log");
    let r = order_probed(&repo, "kept", &log, &["--baseline", b]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v = parse(&r);
    assert_eq!(str_of(&v["baseline"], "source"), b);
    assert!(v["baseline"].get("reprobed").is_none(), "{}", v["baseline"]);
    let order = std::fs::read_to_string(&log).expect("the order log");
    assert!(order.lines().all(|m| m == "head"), "{order}");
    let startup = check(&checks(&v), "baseline.startup").clone();
    assert_eq!(
        startup["baseline"].as_f64(),
        Some(saved_median),
        "{startup}"
    );
}

/// QA cy F2: the baseline's own binary (the same build id) passes its startup and RSS checks,
/// the difference the machine's, with no gain to keep; QA cy F1: probed otherwise (another
/// variable), they warn at most and the note above the deltas says how.
#[test]
fn the_same_binary_passes_and_a_probe_changed_is_said() {
    let (_dir, repo, b, log, saved) = saved("probed");
    let b = b.as_str();
    let probe = &saved["artifacts"][0]["probe"];
    assert_eq!(probe["env"], serde_json::json!(["ORDER_LOG"]), "{probe}");
    assert_eq!(str_of(probe, "env_sha256").len(), 64, "{probe}");
    let r = order_probed(&repo, "probed", &log, &["--baseline", b]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = parse(&r);
    assert_eq!(
        v["artifacts"][0]["binary"]["build_id"],
        saved["artifacts"][0]["binary"]["build_id"]
    );
    for id in ["baseline.startup", "baseline.rss"] {
        let c = check(&checks(&v), id).clone();
        let c = &c;
        assert_eq!(c["verdict"], "pass", "{c}");
        assert!(
            str_of(c, "message").contains("the same binary as the baseline's"),
            "{c}"
        );
        assert_eq!(c["same_binary"], true, "{c}");
    }
    assert!(v["baseline"].get("shrank").is_none(), "{}", v["baseline"]);
    // Without the kept binary (a fresh machine), the file's figures were probed otherwise;
    // with it, it is probed again as this run's is, and nothing differs.
    std::fs::remove_file(kept_of("probed", &saved)).expect("remove the kept binary");
    let r = order_probed(
        &repo,
        "probed",
        &log,
        &["--baseline", b, "--probe-env", "EXTRA=1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = parse(&r);
    let said = v["baseline"]["mismatches"].to_string();
    assert!(
        said.contains("variables: baseline ORDER_LOG, now ORDER_LOG, EXTRA"),
        "{said}"
    );
    for id in ["baseline.startup", "baseline.rss"] {
        let c = check(&checks(&v), id).clone();
        let c = &c;
        assert_ne!(c["verdict"], "fail", "{c}");
        assert!(
            str_of(c, "message").contains("probed otherwise than the baseline"),
            "{c}"
        );
    }
}
