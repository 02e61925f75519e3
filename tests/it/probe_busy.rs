//! A probe on a busy machine: it is said to be, from other processes' CPU time over the
//! probe's window (QA cc F1: a build slowed miniserve 2.4x and the load average lagged and said
//! nothing; QA cg F1: the program's own wait for a CPU was no evidence, and a failed startup
//! budget stays failed).

use crate::probe::{lines, report_file};
use crate::util::*;
use std::process::{Child, Command};

/// CPU-bound loops, one pinned to each CPU, killed when dropped.
struct Hogs(Vec<Child>);

impl Drop for Hogs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `exits` counts to 150 million ten times over on CPU 0 (the tool pinned there with
/// `taskset`) beside a loop pinned to each CPU: by its own clocks (CPU time against wall time,
/// not `schedstat`) it waited for a CPU for much of its run, and `cpu_wait_share` says so too.
/// The probe warns that the machine was busy with the CPUs other processes kept busy, and the
/// startup budget its runs are far over still fails. Pinned, as unpinned loops left half the
/// runs uncontended under `cargo test`'s other tests (the scheduler's choice, not the tool's).
#[test]
fn a_busy_machine_is_said_and_a_failed_startup_budget_stays_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, file) = report_file(&dir);
    let config = dir.path().join("budget.toml");
    std::fs::write(&config, "max_startup = \"1ms\"\n").expect("write the config");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _hogs = Hogs(
        (0..cpus)
            .map(|cpu| {
                Command::new("taskset")
                    .args(["-c", &cpu.to_string(), "sh", "-c", "while :; do :; done"])
                    .spawn()
                    .expect("taskset (util-linux)")
            })
            .collect(),
    );
    let inner = probe_fixture(
        "probe-targets",
        &["--bin", "exits", "--runs", "10", "--warmup", "0"],
    );
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", "0"]).arg(inner.get_program());
    cmd.args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.args(["--probe-env", "SPIN=150000000", "--probe-env", &env]);
    cmd.arg("--config-file").arg(&config);
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
    assert!(own.len() >= 10, "{own:?}");
    own.sort_by(f64::total_cmp);
    assert!(
        own[own.len() / 2] > 0.2,
        "the loops did not compete: {own:?}"
    );

    let a = &v["artifacts"][0];
    let mut shares: Vec<f64> = a["probe"]["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| s["cpu_wait_share"].as_f64().expect("a share in every run"))
        .collect();
    assert_eq!(shares.len(), 10, "{a}");
    assert!(shares.iter().all(|s| (0.0..=1.0).contains(s)), "{shares:?}");
    shares.sort_by(f64::total_cmp);
    assert!(
        shares[5] >= 0.1,
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
        .find(|w| w.starts_with("the machine was busy (other processes kept "))
        .unwrap_or_else(|| panic!("no busy warning in {warnings:?}"));
    assert!(
        busy.contains(&format!(" of its {cpus} CPUs busy while the probe ran)")),
        "{busy}"
    );
    // The same in figures (QA ch F6), for CI: the warning's CPUs, over a window that holds
    // every run's own wall time.
    let m = &v["probe_machine"];
    assert_eq!(m["busy"], true, "{m}");
    assert_eq!(m["cpus"], cpus, "{m}");
    let others = m["other_cpus"].as_f64().unwrap_or_else(|| panic!("{m}"));
    assert!(others > (cpus as f64 - 1.5).max(0.5), "{m}");
    assert!(
        busy.contains(&format!("kept {others:.1} of its")),
        "{busy} against {m}"
    );
    let walls: f64 = lines(&file)
        .iter()
        .filter_map(|l| l.split_once(" wall_ns=")?.1.parse::<f64>().ok())
        .sum();
    assert!(
        m["window_s"].as_f64().is_some_and(|w| w >= walls / 1e9),
        "{m} {walls}"
    );
    let budget = a["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "budget.startup")
        .unwrap_or_else(|| panic!("no startup budget in {a}"));
    assert_eq!(budget["verdict"], "fail", "{budget}");
    assert_eq!(r.code, 1, "{}", r.stderr);
}
