//! A probe on a busy machine: a program that waits for a CPU is said to, and fails no startup
//! budget (QA cc F1: a build slowed miniserve 2.4x; the load average lagged and said nothing).

use crate::probe::{lines, report_file};
use crate::util::*;
use std::process::{Child, Command};

/// A CPU-bound loop on CPU 0, killed when dropped.
struct Hog(Child);

impl Drop for Hog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `exits` counts to 30 million on CPU 0 beside a loop that never stops: by its own clocks
/// (CPU time against wall time, not `schedstat`) it waited for a CPU for much of its run. The
/// probe reads the wait of each run, warns that the machine was busy although the load
/// average may not show it yet, and a startup budget the runs are far over is inconclusive.
#[test]
fn a_program_that_waited_for_a_cpu_is_said_and_fails_no_startup_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, file) = report_file(&dir);
    let config = dir.path().join("budget.toml");
    std::fs::write(&config, "max_startup = \"1ms\"\n").expect("write the config");
    let _hog = Hog(Command::new("taskset")
        .args(["-c", "0", "sh", "-c", "while :; do :; done"])
        .spawn()
        .expect("taskset (util-linux)"));
    let inner = probe_fixture(
        "probe-targets",
        &["--bin", "exits", "--runs", "6", "--warmup", "0"],
    );
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", "0"]).arg(inner.get_program());
    cmd.args(inner.get_args());
    cmd.args(["--probe-env", "SPIN=30000000", "--probe-env", &env]);
    cmd.arg("--config-file").arg(&config);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let r = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}\n{}", r.stdout, r.stderr));

    // By the program's own clocks: the share of its wall time it was not on a CPU.
    let mut own: Vec<f64> = lines(&file)
        .iter()
        .filter_map(|l| {
            let l = l.strip_prefix("spin cpu_ns=")?;
            let (cpu, wall) = l.split_once(" wall_ns=")?;
            let (cpu, wall): (f64, f64) = (cpu.parse().ok()?, wall.parse().ok()?);
            Some(1.0 - cpu / wall)
        })
        .collect();
    assert!(own.len() >= 6, "{own:?}");
    own.sort_by(f64::total_cmp);
    assert!(
        own[own.len() / 2] > 0.2,
        "the loop did not compete: {own:?}"
    );

    let a = &v["artifacts"][0];
    let shares: Vec<f64> = a["probe"]["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| s["cpu_wait_share"].as_f64().expect("a share in every run"))
        .collect();
    assert_eq!(shares.len(), 6, "{a}");
    assert!(shares.iter().all(|s| (0.0..=1.0).contains(s)), "{shares:?}");
    let mut sorted = shares.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(
        sorted[3] >= 0.1,
        "{shares:?} against the program's own {own:?}"
    );

    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    let busy = warnings
        .iter()
        .find(|w| w.starts_with("the machine was busy (load average "))
        .unwrap_or_else(|| panic!("no busy warning in {warnings:?}"));
    assert!(
        busy.contains("; exits (static) waited for a CPU in ")
            && busy.contains("the median of 6 runs"),
        "{busy}"
    );
    let budget = a["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "budget.startup")
        .unwrap_or_else(|| panic!("no startup budget in {a}"));
    assert_eq!(budget["verdict"], "inconclusive", "{budget}");
    let message = budget["message"].as_str().expect("a message");
    assert!(
        message.contains("; but the program waited for a CPU in "),
        "{message}"
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}
