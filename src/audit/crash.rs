//! Which AOT004 findings a hostile crash is theirs: those whose code is on the crashing stack
//! (`HostileRun::crash_stack`). eza's static build crashed in `dirs::config_dir`, before any
//! file was listed, and the crash was pinned on uzers too, whose lookups never ran (QA h, B6).
//!
//! A finding's code is on the stack when a frame is a function of its crate (`dirs_sys::…`,
//! `<dirs_sys::X as Y>::…`; `-` and `_` alike; not for std or the package itself, whose
//! functions are on every stack), or is the function its chain shows calling the NSS function
//! (the chain's last step outside the C library and std: `dirs::config_dir` for dirs-sys,
//! whose own code was inlined there). Every finding whose code is on the stack gets the crash,
//! not only the innermost: a stale return address (see hostile/frames.rs) may then add one
//! too many, never take the right one away; except that a chain's caller further out than
//! another finding's own crate's frame is not counted (see [`pinned`]). When no finding's code
//! is on it, the function each chain shows making the call (its last step before the C
//! library's code, std's or core's generic code included) tells them apart where it is on
//! the stack. When nothing does (or there is no
//! stack: a stripped binary without its analysis link, a run that did not crash again),
//! nothing tells the findings apart and the crash stays every finding's.

use super::graph::same_crate;
use crate::attribute::demangle::{crate_of_path, is_std_crate};
use crate::report::{Finding, HostileRun};

/// How many frames a line about a crash stack shows.
const SHOWN: usize = 4;

/// The frame of `stack` that is `f`'s code, if one is.
#[cfg(test)]
fn frame_of<'s>(stack: &'s [String], f: &Finding) -> Option<&'s str> {
    hit(stack, f).map(|h| stack[h.at].as_str())
}

/// Where on a stack a finding's code is, and whether by its chain's caller only.
struct Hit {
    at: usize,
    by_caller: bool,
}

/// The innermost frame of `stack` that is `f`'s code (see the module).
fn hit(stack: &[String], f: &Finding) -> Option<Hit> {
    // std's and the package's own functions are on every stack (`std::rt::lang_start`,
    // `app::main`): only the chain's caller tells for those.
    let own = !is_std_crate(&f.krate) && f.path.len() > 1;
    let caller = caller(f);
    stack.iter().enumerate().find_map(|(at, frame)| {
        let of_crate = own && crate_of_path(frame).is_some_and(|(c, _)| same_crate(c, &f.krate));
        (of_crate || caller == Some(frame.as_str())).then_some(Hit {
            at,
            by_caller: !of_crate,
        })
    })
}

/// The function the finding's chain shows calling the NSS function: its last step (before
/// the function itself) in a crate other than std and the C library's code (`[libc]`).
fn caller(f: &Finding) -> Option<&str> {
    f.chain
        .iter()
        .rev()
        .skip(1)
        .find(|s| {
            s.krate
                .as_deref()
                .is_some_and(|k| !k.starts_with('[') && !is_std_crate(k))
        })
        .map(|s| s.symbol.as_str())
}

/// The findings (indices into `findings`, with their frame) that `run`'s crash is pinned on;
/// `None` when its stack tells none apart, and the crash is every finding's. A finding on the
/// stack only by its chain's caller loses it to a finding whose own crate's frame is nearer
/// the crash: that crate made the call (tealdeer, QA j: `etcetera::…::Xdg::new` called
/// `std::env::home_dir`, and std's finding, whose chain's caller `tldr::try_main` is an outer
/// frame of every crash, was pinned too).
pub(super) fn pinned<'r>(
    run: &'r HostileRun,
    findings: &[&Finding],
) -> Option<Vec<(usize, &'r str)>> {
    let stack = &run.crash_stack;
    let hits: Vec<(usize, Hit)> = findings
        .iter()
        .enumerate()
        .filter_map(|(k, f)| hit(stack, f).map(|h| (k, h)))
        .collect();
    let nearest_own = hits
        .iter()
        .filter(|(_, h)| !h.by_caller)
        .map(|(_, h)| h.at)
        .min();
    let mut kept: Vec<(usize, &str)> = hits
        .iter()
        // At the very frame, not further out: a crate without code of its own inlined into
        // the one whose frame it is (QA au F2: eza's dirs-sys, its chain's caller
        // `dirs::config_dir`, lost the crash to dirs's finding at that same frame).
        .filter(|(_, h)| !h.by_caller || nearest_own.is_none_or(|own| h.at <= own))
        .map(|(k, h)| (*k, stack[h.at].as_str()))
        .collect();
    // Last, the step of each chain just before the C library's code, whatever its crate: a
    // finding on a crate without a function of its own (inlined under LTO) whose chain's
    // last step is std's or core's generic code. bat (QA ae, 4): etcetera's chain ends
    // `PROJECT_DIRS → FnOnce::call_once → getpwuid_r`, `call_once` is on the stack and
    // libgit2-sys's `get_passwd_home` is not; the crash was pinned on both.
    if kept.is_empty() {
        kept = findings
            .iter()
            .enumerate()
            .filter_map(|(k, f)| {
                let inner = last_before_c(f)?;
                let at = stack.iter().position(|frame| frame == inner)?;
                Some((k, stack[at].as_str()))
            })
            .collect();
    }
    (!kept.is_empty()).then_some(kept)
}

/// When a crash stack no finding's code is on shows a function that some findings list and
/// others do not (`__new_getpwuid_r` is `getpwuid_r`): that function, and the findings that
/// list it. A crash in a user lookup is no host lookup's (QA bc F1: starship's crash in
/// `getpwuid_r` was pinned on std's `getaddrinfo` finding too). `None`: the stack shows none
/// of their functions, or every finding lists it.
pub(super) fn by_function(run: &HostileRun, findings: &[&Finding]) -> Option<(String, Vec<usize>)> {
    let listed: Vec<Vec<String>> = findings.iter().map(|f| f.defined()).collect();
    run.crash_stack.iter().find_map(|frame| {
        let name = listed.iter().flatten().find(|n| is_function(frame, n))?;
        let hits: Vec<usize> = (0..listed.len())
            .filter(|&k| listed[k].contains(name))
            .collect();
        (hits.len() < findings.len()).then(|| (name.clone(), hits))
    })
}

/// Whether stack frame `frame` is C library function `name`: itself, or glibc's internal
/// name for it (`__new_getpwuid_r`, `__getpwuid_r`, `__libc_getaddrinfo`).
pub(super) fn is_function(frame: &str, name: &str) -> bool {
    let bare = frame.trim_start_matches('_');
    frame == name
        || bare == name
        || ["new_", "libc_", "GI_", "GI___"].iter().any(|p| {
            bare.strip_prefix(p)
                .is_some_and(|b| b.trim_start_matches('_') == name)
        })
}

/// The step of `f`'s chain just before the C library's code (`[libc]`, or no crate) that it
/// leads to: the function that makes the call.
fn last_before_c(f: &Finding) -> Option<&str> {
    let inner = f
        .chain
        .iter()
        .rev()
        .find(|s| s.krate.as_deref().is_some_and(|k| !k.starts_with('[')))?;
    Some(inner.symbol.as_str())
}

/// `a ← b ← c ← …`: the innermost frames of a crash stack, up to and including `upto` when it
/// is further in.
pub(super) fn shown(stack: &[String], upto: Option<&str>) -> String {
    let end = upto
        .and_then(|u| stack.iter().position(|f| f == u))
        .map_or(SHOWN, |k| (k + 1).max(SHOWN))
        .min(stack.len());
    let mut s = stack[..end].join(" ← ");
    if end < stack.len() {
        s.push_str(" ← …");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{RefKind, Step};

    fn finding(krate: &str, chain: &[(&str, &str)]) -> Finding {
        let rule = crate::audit::rules::find("AOT004").expect("AOT004");
        let mut f = super::super::findings::new_finding(
            rule,
            krate,
            "1.0.0",
            vec!["app".into(), krate.into()],
        );
        f.reachable = Some(true);
        f.chain = chain
            .iter()
            .map(|(symbol, k)| Step::named(symbol, Some(k), RefKind::Call))
            .collect();
        f
    }

    fn stack(frames: &[&str]) -> Vec<String> {
        frames.iter().map(|f| f.to_string()).collect()
    }

    /// eza: the crash is in `dirs::config_dir` (dirs-sys' lookup inlined there); uzers' code
    /// is not on the stack.
    #[test]
    fn glibc_s_internal_names_are_its_functions() {
        assert!(is_function("__new_getpwuid_r", "getpwuid_r"));
        assert!(is_function("getpwuid_r", "getpwuid_r"));
        assert!(is_function("__libc_getaddrinfo", "getaddrinfo"));
        assert!(!is_function("__new_getpwuid_r", "getpwuid"));
        assert!(!is_function("app::getpwuid_r", "getpwuid_r"));
    }

    #[test]
    fn a_crash_is_the_finding_s_whose_code_is_on_the_stack() {
        let uzers = finding(
            "uzers",
            &[
                ("eza::main", "eza"),
                ("eza::output::table::Table::display", "eza"),
                (
                    "<uzers::cache::UsersCache as uzers::traits::Users>::get_user_by_uid",
                    "uzers",
                ),
                ("__new_getpwuid_r", "[libc]"),
            ],
        );
        let dirs = finding(
            "dirs-sys",
            &[
                ("eza::main", "eza"),
                ("eza::options::Options::deduce", "eza"),
                ("dirs::config_dir", "dirs"),
                ("__new_getpwuid_r", "[libc]"),
            ],
        );
        let s = stack(&[
            "[libnss_systemd.so.2]",
            "getpwuid_r",
            "dirs::config_dir",
            "eza::options::Options::deduce",
            "eza::main",
        ]);
        assert_eq!(frame_of(&s, &dirs), Some("dirs::config_dir"));
        assert_eq!(frame_of(&s, &uzers), None, "eza::main is on both chains");
        // A function of the crate itself, generic instances included, `-` and `_` alike.
        let s = stack(&["getpwuid_r", "<dirs_sys::Home as core::fmt::Debug>::fmt"]);
        assert_eq!(frame_of(&s, &finding("dirs-sys", &[])), Some(s[1].as_str()));
        let s = stack(&["getpwuid_r", "uzers::base::get_user_by_uid"]);
        assert_eq!(frame_of(&s, &uzers), Some("uzers::base::get_user_by_uid"));
        // A finding on std or on the package is not on every stack for the sake of
        // `std::rt::lang_start` or `app::main`; its chain's caller still tells.
        let s = stack(&["getpwuid_r", "app::main", "std::rt::lang_start_internal"]);
        assert_eq!(frame_of(&s, &finding("std", &[])), None);
        let mut app = finding(
            "app",
            &[
                ("app::main", "app"),
                ("app::lookup", "app"),
                ("getpwuid_r", "[libc]"),
            ],
        );
        app.path = vec!["app".into()];
        let other = stack(&["getpwuid_r", "beta::f", "app::main"]);
        assert_eq!(frame_of(&other, &app), None, "beta's crash, not app's");
        let own = stack(&["getpwuid_r", "app::lookup", "app::main"]);
        assert_eq!(frame_of(&own, &app), Some("app::lookup"));
    }

    /// Nothing on the stack names a finding: no finding is told apart (the crash stays all
    /// of theirs), as with no stack at all.
    #[test]
    fn a_stack_that_names_no_finding_pins_nothing() {
        let a = finding("alpha", &[]);
        let b = finding("beta", &[]);
        let mut run: HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "unknown-uid", "description": "", "outcome": "crashed",
            "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "ok",
            "reproduce": null, "detail": null
        }))
        .expect("run");
        assert_eq!(pinned(&run, &[&a, &b]), None);
        run.crash_stack = stack(&["getpwuid_r", "main"]);
        assert_eq!(pinned(&run, &[&a, &b]), None);
        run.crash_stack = stack(&["getpwuid_r", "beta::f", "main"]);
        assert_eq!(pinned(&run, &[&a, &b]), Some(vec![(1, "beta::f")]));
    }

    /// bat (QA ae, 4): etcetera's code is all inlined and its chain's last step before glibc is
    /// core's `call_once`, which is on the stack; libgit2-sys's `get_passwd_home` is not. The
    /// crash was both findings'; it is etcetera's.
    #[test]
    fn a_chain_that_ends_in_generic_code_on_the_stack_takes_the_crash() {
        let etcetera = finding(
            "etcetera",
            &[
                ("bat::run", "bat"),
                ("bat::directories::PROJECT_DIRS", "bat"),
                ("core::ops::function::FnOnce::call_once", "core"),
                ("__new_getpwuid_r", "[libc]"),
            ],
        );
        let git = finding(
            "libgit2-sys",
            &[
                ("bat::run", "bat"),
                ("git_sysdir_guess_home_dirs", "libgit2_sys"),
                ("get_passwd_home", "libgit2_sys"),
                ("__new_getpwuid_r", "[libc]"),
            ],
        );
        let mut run: HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "no-home+unknown-uid", "description": "", "outcome": "crashed",
            "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "crashed",
            "reproduce": null, "detail": null
        }))
        .expect("run");
        run.crash_stack = stack(&[
            "[libnss_systemd.so.2]",
            "__new_getpwuid_r",
            "core::ops::function::FnOnce::call_once",
            "getenv",
            "std::sys::env::unix::getenv::{closure#0}",
        ]);
        assert_eq!(
            pinned(&run, &[&etcetera, &git]),
            Some(vec![(0, "core::ops::function::FnOnce::call_once")])
        );
        // An own frame still wins over it: libgit2's C code on the stack.
        run.crash_stack.insert(2, "get_passwd_home".into());
        assert_eq!(
            pinned(&run, &[&etcetera, &git]),
            Some(vec![(1, "get_passwd_home")])
        );
    }

    /// tealdeer (QA j, J5): etcetera's `Xdg::new` called `std::env::home_dir`, which crashed;
    /// std's finding (its chain: `tldr::try_main` calls `home_dir` itself) matched only by
    /// `try_main`, an outer frame of every crash. The crash is etcetera's alone; with no
    /// etcetera frame, it is std's again (the chain's caller).
    #[test]
    fn an_outer_chain_caller_loses_the_crash_to_a_nearer_crates_frame() {
        let std_f = finding(
            "std",
            &[
                ("tldr::main", "tldr"),
                ("tldr::try_main", "tldr"),
                ("std::env::home_dir", "std"),
                ("__new_getpwuid_r", "[libc]"),
            ],
        );
        let etcetera = finding(
            "etcetera",
            &[
                ("tldr::config::get_config_dir", "tldr"),
                ("etcetera::app_strategy::xdg::Xdg::new", "etcetera"),
                ("std::env::home_dir", "std"),
                ("__new_getpwuid_r", "[libc]"),
            ],
        );
        let mut run: HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "unknown-uid", "description": "", "outcome": "crashed",
            "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "ok",
            "reproduce": null, "detail": null
        }))
        .expect("run");
        run.crash_stack = stack(&[
            "[libnss_systemd.so.2]",
            "__new_getpwuid_r",
            "std::env::home_dir",
            "etcetera::app_strategy::xdg::Xdg::new",
            "tldr::config::get_config_dir",
            "tldr::try_main",
            "tldr::main",
        ]);
        assert_eq!(frame_of(&run.crash_stack, &std_f), Some("tldr::try_main"));
        assert_eq!(
            pinned(&run, &[&std_f, &etcetera]),
            Some(vec![(1, "etcetera::app_strategy::xdg::Xdg::new")])
        );
        run.crash_stack = stack(&[
            "__new_getpwuid_r",
            "std::env::home_dir",
            "tldr::try_main",
            "tldr::main",
        ]);
        assert_eq!(
            pinned(&run, &[&std_f, &etcetera]),
            Some(vec![(0, "tldr::try_main")])
        );
    }

    /// QA au F2: eza's dirs-sys has no code of its own; its chain's caller `dirs::config_dir`
    /// is the frame of dirs's own finding (the lookup moved there). The crash is both's: an
    /// `allow` of dirs-sys waived nothing.
    #[test]
    fn a_chain_caller_at_another_findings_own_frame_shares_the_crash() {
        let chain = [
            ("eza::options::Options::deduce", "eza"),
            ("dirs::config_dir", "dirs"),
            ("__new_getpwuid_r", "[libc]"),
        ];
        let dirs_sys = finding("dirs-sys", &chain);
        let dirs = finding("dirs", &chain);
        let mut run: HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "no-home+unknown-uid", "description": "", "outcome": "crashed",
            "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "ok",
            "reproduce": null, "detail": null
        }))
        .expect("run");
        run.crash_stack = stack(&[
            "_nss_systemd_is_blocked",
            "__getpwuid_r",
            "dirs::config_dir",
            "eza::options::Options::deduce",
            "eza::main",
        ]);
        assert_eq!(
            pinned(&run, &[&dirs_sys, &dirs]),
            Some(vec![(0, "dirs::config_dir"), (1, "dirs::config_dir")])
        );
    }

    #[test]
    fn a_stack_is_shown_up_to_the_frame_that_matters() {
        let s = stack(&["a", "b", "c", "d", "e", "f"]);
        assert_eq!(shown(&s, None), "a ← b ← c ← d ← …");
        assert_eq!(shown(&s, Some("e")), "a ← b ← c ← d ← e ← …");
        assert_eq!(shown(&s[..2], Some("b")), "a ← b");
    }
}
