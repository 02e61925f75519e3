//! AOT004's advice fitted to the finding: by the kind of lookup its functions make (users and
//! groups, host names, services), with reqwest's resolver written in Rust for host names where
//! reqwest is one of the binary's crates.

use super::graph::{Reached, same_crate};
use super::split::REACHABLE_TOO;

/// What AOT004's advice adds when reqwest is among the binary's crates (QA af: a ureq user was
/// pointed at reqwest's feature by the rule's own advice). reqwest picks its resolver at run
/// time, so `getaddrinfo` stays linked with the feature on and so does the finding (QA bq F2:
/// the advice read as if the feature cleared it).
pub(super) const REQWEST_RESOLVER: &str = " reqwest resolves host names in Rust with its \
    `hickory-dns` feature; it picks the resolver at run time, so `getaddrinfo` stays linked \
    (for a client built with `no_hickory_dns()`) and the finding stays: allow it then, with \
    that reason.";

/// What AOT004's advice says instead when reqwest's `hickory-dns` feature is on and the
/// finding's chain runs through reqwest (QA bh F1: xh was told to turn on the feature it had
/// on; gdb showed `getaddrinfo` no longer called).
pub(super) const HICKORY_ON: &str = " reqwest's `hickory-dns` feature is on: its clients \
    resolve host names in Rust, and its `GaiResolver` (on the chain) calls `getaddrinfo` only \
    for a client built with `no_hickory_dns()`; where the program builds none, allow the \
    finding with that reason.";

/// Crates that read `HOME` first and look the user up only when it is unset or empty.
const HOME_FIRST: &[&str] = &[
    "dirs-sys",
    "dirs-sys-next",
    "dirs",
    "dirs-next",
    "directories",
    "directories-next",
    "home",
    "etcetera",
    "xdg",
];

/// Crates whose C code looks the user up only when the program runs set-uid (its real uid is
/// not its effective one) or in a macOS sandbox, and reads `HOME` otherwise: libgit2's
/// `git_sysdir_guess_home_dirs` (sysdir.c). QA cm F2: bat's libgit2-sys was told to set `HOME`
/// and said to be likely to crash once etcetera's lookup was gone, which it cannot.
pub(super) const SETUID_ONLY: &[&str] = &["libgit2-sys"];

/// What [`SETUID_ONLY`] crates' advice says.
const SETUID_ADVICE: &str = "looks the user up only when the program runs set-uid (its uid is \
    not its effective uid) or in a macOS sandbox, and reads `HOME` otherwise: a program that is \
    not installed set-uid never makes this lookup and may allow the finding with that reason; \
    one that is: build for musl or ship the dynamic build.";

/// How AOT004's advice begins, whatever the lookup.
const NSS_ADVICE: &str = "Build for musl when its target is installed (no NSS), ship the dynamic \
                          build, or avoid the lookup: ";

/// AOT004's advice begun as [`NSS_ADVICE`] says whether this machine has the musl target
/// (QA cn F9: "when its target is installed" left the user to find out that it was not).
/// Last: the advice is told by that beginning until then.
pub(super) fn say_musl(a: &mut crate::report::Artifact) {
    // `rustc` is asked only where there is advice to word.
    if !a.findings.iter().any(|f| f.rule == "AOT004") {
        return;
    }
    let target = format!("{}-unknown-linux-musl", std::env::consts::ARCH);
    let start = match musl_installed(&target) {
        true => format!("Build for musl (`--target {target}`, installed here; musl has no NSS)"),
        false => format!(
            "Build for musl (`rustup target add {target}`: its target is not installed here; \
             musl has no NSS)"
        ),
    };
    // The rule's own words, and those of a reproduced crash's advice.
    let said = [
        NSS_ADVICE.trim_end_matches(", ship the dynamic build, or avoid the lookup: "),
        "Build for musl if its target is installed (musl loads no NSS modules)",
    ];
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        for before in said {
            if let Some(k) = f.advice.find(before) {
                f.advice.replace_range(k..k + before.len(), &start);
            }
        }
    }
}

/// Whether rustc (`$RUSTC`, else the one on `PATH`) has the standard library of `target`.
fn musl_installed(target: &str) -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        std::process::Command::new(rustc)
            .args(["--print", "target-libdir", "--target", target])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|dir| std::fs::read_dir(dir.trim()).ok())
            .is_some_and(|mut d| {
                d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libstd-")))
            })
    })
}

/// The way around std's user lookup: `env::home_dir` of the user running the program, the one
/// std makes.
const STD_OWN_USER: &str = "`HOME` set where the program runs (the image's or the service's \
                            environment): std's `env::home_dir`, std's one user lookup, reads \
                            it first and looks the user up only when it is unset or empty";

/// The way around the package's own `getpwuid_r` call ([`fit`]), in place of the users' line
/// of [`LOOKUPS`].
pub(super) const HOME_DIR_INLINED: &str = "`HOME` set where the program runs, where the \
    chain's call is std's `env::home_dir` compiled into the program's code (as under LTO): \
    `getpwuid_r` is how it looks up the user running the program, when `HOME` is unset or \
    empty; `USER` from the environment for that user's name; for other users (a file's or a \
    process's owner), `/etc/passwd` read by the program itself, which no environment replaces";

/// The kinds of NSS lookup: the prefixes of their functions, and how to do without them.
const LOOKUPS: &[(&[&str], &str)] = &[
    (
        &["getaddrinfo", "getnameinfo", "gethostby"],
        "a DNS resolver written in Rust for host names (hickory-resolver), numeric addresses",
    ),
    (
        &["getpw", "getgr", "getsp", "initgroups"],
        "`HOME`/`USER` from the environment for the user's own home and name, and for \
         other users (a file's or a process's owner) `/etc/passwd` read by the program itself, \
         which no environment replaces",
    ),
    (
        &["getserv", "getproto"],
        "port and protocol numbers, not service and protocol names",
    ),
];

/// AOT004's advice for a finding that lists `functions`: the ways around the kinds of lookup
/// they make (QA ag, F1: just's user lookups were pointed at a DNS resolver), all of them when
/// it lists none. Whether it makes host-name lookups is the second value.
fn nss_advice(functions: &[String]) -> (String, bool) {
    let made = |prefixes: &[&str]| {
        functions
            .iter()
            .any(|f| prefixes.iter().any(|p| f.starts_with(p)))
    };
    let kinds: Vec<&str> = LOOKUPS
        .iter()
        .filter(|(prefixes, _)| functions.is_empty() || made(prefixes))
        .map(|(_, way)| *way)
        .collect();
    let hosts = functions.is_empty() || made(LOOKUPS[0].0);
    (format!("{NSS_ADVICE}{}.", kinds.join("; ")), hosts)
}

/// AOT004's findings of artifact `a`, whose crates are `reached`: the advice fitted to the
/// lookups each finding lists, with reqwest's resolver for host names where reqwest is one of
/// the crates. A finding whose advice is another's (a reproduced crash's) keeps it.
pub(super) fn fit(a: &mut crate::report::Artifact, reached: &[Reached]) {
    let reqwest = reached.iter().find(|r| r.is_crate("reqwest"));
    let hickory = reached
        .iter()
        .find(|r| r.is_crate("hickory-resolver") || r.is_crate("trust-dns-resolver"));
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        if !f.advice.starts_with(NSS_ADVICE) {
            continue;
        }
        // Its crate's code makes none of the calls: nothing of it to change (QA cb F8: just's
        // nix was told of resolvers and port numbers).
        if f.called_by_others() {
            f.advice = format!(
                "Nothing to change in {}: none of its code calls these functions, and the \
                 findings on the crates whose code does say what to change. Allow this one in \
                 the manifest, with that reason.",
                f.krate
            );
            continue;
        }
        // The lookups the program's code makes: not those only the C library's own
        // functions call (`getaddrinfo`'s `getservbyname_r`).
        let internal = through_libc_only(f);
        let functions: Vec<String> = f
            .defined()
            .into_iter()
            .filter(|n| !internal.contains(n))
            .collect();
        let (mut advice, hosts) = nss_advice(&functions);
        // std looks up no user but the one running it, in `env::home_dir` (QA ci F11: tldr
        // was told of other users' entries it never asks for).
        if same_crate(&f.krate, "std") {
            advice = advice.replace(LOOKUPS[1].1, STD_OWN_USER);
        }
        f.advice = advice;
        let users_only = !functions.is_empty()
            && functions
                .iter()
                .all(|n| LOOKUPS[1].0.iter().any(|p| n.starts_with(p)));
        if users_only && SETUID_ONLY.iter().any(|k| same_crate(k, &f.krate)) {
            f.advice = format!("{} {SETUID_ADVICE}", f.krate);
            continue;
        }
        // The package's own `getpwuid_r` may be std's `env::home_dir`, inlined into its code
        // under LTO (QA ct F6: du-dust's `dust::main` was told of other users' entries it
        // never asks for, and not that `HOME` avoids the lookup).
        if reached
            .first()
            .is_some_and(|p| same_crate(p.name(), &f.krate))
            && functions.iter().any(|n| n == "getpwuid_r")
        {
            // Said first, before other users' entries (QA cv F4: the advice opened with
            // `/etc/passwd`, which dust never reads).
            f.advice = f.advice.replace(LOOKUPS[1].1, HOME_DIR_INLINED);
        }
        // QA bh F4: dirs-sys was told to read `HOME`, which it does before it looks up.
        if users_only && HOME_FIRST.iter().any(|k| same_crate(k, &f.krate)) {
            f.advice = format!(
                "{NSS_ADVICE}set `HOME` where the program runs (the image's or the service's \
                 environment): {} reads it first and looks the user up only when it is unset \
                 or empty.",
                f.krate
            );
        }
        if let Some(more) = resolver_advice(f, (reqwest, hickory), hosts) {
            f.advice.push_str(&more);
        }
        let mut crates: Vec<&str> = f.chain.iter().filter_map(|s| s.krate.as_deref()).collect();
        crates.push(&f.krate);
        if let Some(more) = super::advice::only_with_feature(reached, &crates) {
            f.advice.push_str(&more);
        }
    }
}

/// What finding `f`'s advice adds for host names where the build has a resolver of its own:
/// reqwest's (with `hickory-dns` on or not), or hickory's.
fn resolver_advice(
    f: &crate::report::Finding,
    (reqwest, hickory): (Option<&Reached>, Option<&Reached>),
    hosts: bool,
) -> Option<String> {
    let through_reqwest = || {
        f.chain.iter().any(|s| {
            s.krate.as_deref().is_some_and(|k| same_crate(k, "reqwest"))
                || s.symbol.contains("reqwest::")
        })
    };
    // Only where reqwest makes the lookup, or no chain says who does and the finding is
    // on std's code or on reqwest's own stack: its feature does nothing for OpenSSL's
    // `BIO_gethostbyname` (QA bi F1: unreachable, so without a chain) or the program's
    // own `to_socket_addrs`.
    let resolver = ["std", "reqwest", "hyper-util", "hyper"]
        .iter()
        .any(|k| same_crate(k, &f.krate));
    let hickory_dns = reqwest.is_some_and(|r| r.has_feature("hickory-dns"));
    if reqwest.is_some() && hosts && (through_reqwest() || f.chain.is_empty() && resolver) {
        return Some(
            if hickory_dns {
                HICKORY_ON
            } else {
                REQWEST_RESOLVER
            }
            .to_string(),
        );
    }
    if let Some(h) = hickory.filter(|_| hosts) {
        // The resolver the advice names is in the binary already (QA ce F6: rustscan calls
        // it from the function whose `to_socket_addrs` makes this lookup).
        return Some(format!(
            " {} v{} is among this build's crates already: resolve host names through it \
             where the chain above calls std's `to_socket_addrs` (or `getaddrinfo`), and the \
             lookup goes.",
            h.name(),
            h.package.version
        ));
    }
    None
}

/// The functions finding `f` lists that only other functions of the C library call
/// ([`super::split::also_reachable`]'s line): glibc's `getaddrinfo` calls `getservbyname_r` and
/// `gethostbyname2_r` itself, which are no lookups of the program's own (QA bk F6: mdbook was
/// advised port numbers for a service lookup it never makes).
fn through_libc_only(f: &crate::report::Finding) -> Vec<String> {
    let Some(line) = f.evidence.iter().find(|e| {
        e.starts_with('`')
            && (e.contains(&format!(" is {REACHABLE_TOO} (`--why"))
                || e.contains(&format!(" are {REACHABLE_TOO} (`--why")))
    }) else {
        return Vec::new();
    };
    let head = line
        .split(&format!(" {REACHABLE_TOO} "))
        .next()
        .unwrap_or_default();
    head.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule's own advice is the one for every kind of lookup.
    #[test]
    fn the_advice_for_no_listed_function_is_the_rule_s() {
        let rule = crate::audit::rules::find("AOT004").expect("rule");
        assert_eq!(nss_advice(&[]), (rule.advice.to_string(), true));
    }

    #[test]
    fn each_kind_of_lookup_gets_its_own_way_around() {
        let of = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            nss_advice(&names)
        };
        let (users, hosts) = of(&["getpwuid_r", "getgrgid_r"]);
        assert!(!hosts);
        assert!(users.contains("`HOME`/`USER`"), "{users}");
        // QA bm F1: bottom looks up the owner of every process; no environment replaces that.
        assert!(
            users.contains("for other users (a file's or a process's owner) `/etc/passwd` read"),
            "{users}"
        );
        assert!(
            !users.contains("DNS") && !users.contains("numeric"),
            "{users}"
        );
        let (names, hosts) = of(&["getaddrinfo"]);
        assert!(hosts);
        assert!(names.contains("hickory-resolver"), "{names}");
        assert!(!names.contains("HOME"), "{names}");
        let (both, _) = of(&["getaddrinfo", "getpwnam_r", "getservbyname_r"]);
        for way in [
            "hickory-resolver",
            "`HOME`/`USER`",
            "port and protocol numbers",
        ] {
            assert!(both.contains(way), "{both}");
        }
    }
}
