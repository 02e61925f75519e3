//! QA cu F3: one `--probe-env` on the command line replaced the configuration's whole
//! `probe_env` table (zoxide lost `_ZO_DATA_DIR` and wrote to the real home). The variables
//! are merged by name, the command line's value winning; checked by what the probed program
//! itself reports of its environment.

use crate::probe::{lines, probe, report_file};

#[test]
fn probe_env_on_the_command_line_is_laid_over_the_config_s_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = report_file(&dir);
    let config = dir.path().join("aotcheck.toml");
    std::fs::write(
        &config,
        format!("probe_env = {{ REPORT_FILE = \"{path}\", ECHO = \"1\", ODD = \"config\" }}\n"),
    )
    .expect("write the config");
    let config = config.to_str().expect("utf-8 path");
    let echoed = |extra: &[&str]| {
        let _ = std::fs::remove_file(&path);
        let mut args = vec!["--config-file", config, "--runs", "1"];
        args.extend(extra);
        let r = probe("exits", &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let seen: Vec<String> = lines(&path)
            .into_iter()
            .filter_map(|l| l.strip_prefix("echo\0").map(str::to_string))
            .collect();
        assert!(
            !seen.is_empty(),
            "the program reported nothing: {}",
            r.stderr
        );
        seen
    };
    // The config's REPORT_FILE and ECHO stay; its ODD gives way to the command line's.
    assert!(
        echoed(&["--probe-env", "ODD=cli"])
            .iter()
            .all(|l| l == "cli")
    );
    assert!(
        echoed(&["--probe-env", "OTHER=1"])
            .iter()
            .all(|l| l == "config")
    );
}
