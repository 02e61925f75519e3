//! QA bc F1, F2 (starship): whoami's code, inlined into the program's `username::module`
//! under LTO, has no function of its own; its finding showed dirs-sys's chain (`home_dir` →
//! `getpwuid_r`) and took dirs-sys's crash, and a crash in the program's own lookup was
//! pinned on every finding, std's host lookups included. The fixture: etcetera inlined into the
//! program's `HOME` initialiser, and passwd-sys's C code calling `getpwuid_r` too, nearer the
//! entry point. Run in a target dir of its own: the shared one builds this fixture without the
//! feature.

use serde_json::Value;

use crate::audit::native::{chain_of, finding};
use crate::hostile::require_privilege;
use crate::util::*;

#[test]
fn privileged_an_inlined_crate_s_finding_has_its_own_chain_and_crash() {
    require_privilege();
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-inlined");
    let r = run(aotcheck().args([
        "aotcheck",
        "--manifest-path",
        &fixture("audit-lto-inlined")
            .join("Cargo.toml")
            .display()
            .to_string(),
        "--target-dir",
        &target.display().to_string(),
        "--locked",
        "-q",
        "--format",
        "json",
        "--no-probe",
        "--features",
        "c-lookup",
        "--hostile",
    ]));
    assert_eq!(r.code, 1, "the crash fails the gate\n{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let a = artifact(&v, "static");
    let bin = str_of(a, "path");

    // etcetera's chain reaches `getpwuid_r` through the program's code, not through
    // passwd-sys's C function (which the shortest chain takes); each step is in objdump.
    let etcetera = finding(a, "crate", "etcetera");
    let steps = chain_of(etcetera);
    assert!(
        steps.last().is_some_and(|s| s.0.ends_with("getpwuid_r")),
        "{steps:?}"
    );
    assert!(
        steps.iter().all(|s| s.0 != "passwd_sys_home_len"),
        "{steps:?}"
    );
    crate::why::check_pairs(bin, &steps);
    let passwd = finding(a, "crate", "passwd-sys");
    let theirs = chain_of(passwd);
    // The other chain said as it is, against the one shown (QA cs: "shorter" of two alike).
    let other = match theirs.len().cmp(&steps.len()) {
        std::cmp::Ordering::Less => "a shorter chain",
        std::cmp::Ordering::Equal => "a chain as short",
        std::cmp::Ordering::Greater => "a longer chain",
    };
    let said = etcetera["evidence"].to_string();
    assert!(
        said.contains(&format!(
            "code that may hold etcetera's inlined ({other} to it runs through passwd-sys's \
             code, the finding on passwd-sys)"
        )),
        "{said}"
    );
    assert!(
        theirs.iter().any(|s| s.0 == "passwd_sys_home_len"),
        "{theirs:?}"
    );
    // objdump: passwd-sys's C function calls `getpwuid_r` itself.
    crate::why::check_pairs(bin, &theirs[theirs.len() - 2..]);

    // Each crash is pinned on the finding whose call its stack shows: in passwd-sys's C
    // function, passwd-sys's; else (etcetera's lookup in the initialiser) etcetera's.
    let crashed: Vec<&Value> = a["hostile"]
        .as_array()
        .expect("hostile runs")
        .iter()
        .filter(|r| r["crash_stack"].as_array().is_some_and(|s| !s.is_empty()))
        .collect();
    assert!(!crashed.is_empty(), "no crash: {}", a["hostile"]);
    let caller = &steps[steps.len() - 2].0;
    for run in crashed {
        let condition = str_of(run, "condition");
        let stack: Vec<&str> = run["crash_stack"]
            .as_array()
            .expect("stack")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let (mine, other) = if stack.contains(&"passwd_sys_home_len") {
            (passwd, etcetera)
        } else {
            assert!(
                stack.contains(&caller.as_str()),
                "{caller} not on {stack:?}"
            );
            (etcetera, passwd)
        };
        let lines = |f: &Value, head: &str| {
            f["evidence"]
                .as_array()
                .expect("evidence")
                .iter()
                .filter_map(Value::as_str)
                .filter(|e| e.starts_with(head) && e.contains(&format!("under `{condition}`")))
                .count()
        };
        assert_eq!(lines(mine, "reproduced: "), 1, "{condition}: {mine}");
        assert_eq!(lines(other, "reproduced: "), 0, "{condition}: {other}");
        assert_eq!(lines(other, "not reproduced: "), 1, "{condition}: {other}");
    }
    // The verdict's line of a crash reproduced on code that may hold etcetera's inlined says
    // so; passwd-sys's, on its own function, does not (QA cr F1).
    let reasons = v["verdict_reasons"].as_array().expect("verdict reasons");
    let reason_of = |krate: &str| {
        reasons
            .iter()
            .filter_map(|r| r["reason"].as_str())
            .find(|r| r.contains(&format!(": {krate} v")))
            .unwrap_or_else(|| panic!("no reason on {krate}: {reasons:?}"))
    };
    let hedged = "a crash reproduced by --hostile in code that may hold its code inlined";
    assert_eq!(
        (&etcetera["reproduced"], &passwd["reproduced"]),
        (&true.into(), &true.into())
    );
    assert!(reason_of("etcetera").contains(hedged), "{reasons:?}");
    let said = reason_of("passwd-sys");
    assert!(said.contains("a crash reproduced by --hostile") && !said.contains(hedged));
}
