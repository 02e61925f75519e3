//! The rule catalogue, as data: one entry per rule. `cargo aotcheck explain RULE` prints an
//! entry; the audit stage reads the triggers and evidence kinds from here. Ids are stable: a
//! rule may be reworded, never renumbered.
//!
//! A test (`tests/it/audit.rs`) fails when a rule has no fixture that triggers it.

mod catalogue;

pub use catalogue::RULES;

use crate::report::Severity;

/// What makes a crate in the dependency graph trigger a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    /// Crate name as on crates.io (`-` and `_` are distinct, as in Cargo.lock).
    pub krate: &'static str,
    /// Only when this feature of the crate is enabled in the resolved build.
    pub feature: Option<&'static str>,
    /// Not when this feature is enabled (e.g. `static`, `bundled`, `vendored`).
    pub unless: Option<&'static str>,
    /// The crate may be a proc-macro that expands into the hazard (`#[ctor]` into
    /// `.init_array` entries): then it triggers though its own code never reaches the binary,
    /// and only when the rule's evidence is in the binary. Any other trigger never matches a
    /// proc-macro, nor does anything match the crates under one (they run in the compiler).
    pub expands: bool,
}

const fn c(krate: &'static str) -> Trigger {
    Trigger {
        krate,
        feature: None,
        unless: None,
        expands: false,
    }
}

const fn with(krate: &'static str, feature: &'static str) -> Trigger {
    Trigger {
        feature: Some(feature),
        ..c(krate)
    }
}

const fn unless(krate: &'static str, feature: &'static str) -> Trigger {
    Trigger {
        unless: Some(feature),
        ..c(krate)
    }
}

/// A crate that is a proc-macro in some versions, expanding into the rule's hazard.
const fn expands(krate: &'static str) -> Trigger {
    Trigger {
        expands: true,
        ..c(krate)
    }
}

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any build.
    Any,
    /// A static binary (glibc or musl).
    Static,
    /// A static binary linked against glibc.
    StaticGlibc,
    /// A dynamic build only.
    Dynamic,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Any => "static and dynamic builds",
            Scope::Static => "static binaries",
            Scope::StaticGlibc => "static binaries linked with glibc (musl has no NSS or gconv)",
            Scope::Dynamic => "dynamic builds",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    pub triggers: &'static [Trigger],
    /// Symbols whose presence in a static binary proves the hazard (section GC removes them
    /// when unused). Empty when symbols prove nothing for this rule.
    pub symbols: &'static [&'static str],
    /// Undefined imports of a dynamic build that prove it (`dlopen` matches `dlopen@GLIBC_2.34`).
    pub imports: &'static [&'static str],
    /// `DT_NEEDED` prefixes of a dynamic build that prove it (`libssl` matches `libssl.so.3`).
    pub needed: &'static [&'static str],
    /// Native libraries (as in `rustc-link-lib`) that a build script links from the system.
    pub libraries: &'static [&'static str],
    pub why: &'static str,
    pub detection: &'static str,
    pub advice: &'static str,
}

/// The id of the findings made for `deny = ["crate"]`.
pub const DENIED: &str = "AOT000";

/// The rule with this id (case-insensitive).
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

impl Trigger {
    /// Whether crate `name` with the resolved `features` triggers this; a proc-macro only if
    /// the trigger [expands](Trigger::expands) (the caller then requires the binary evidence).
    pub fn matches(&self, name: &str, features: &[String], proc_macro: bool) -> bool {
        let on = |f: &str| features.iter().any(|x| x == f);
        self.krate == name
            && (self.expands || !proc_macro)
            && self.feature.is_none_or(on)
            && self.unless.is_none_or(|u| !on(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA i: any C++ code (unrar's, in ouch) makes the dynamic build need libstdc++; that is
    /// no compiler carried into the program. LLVM's and libgccjit's own libraries are.
    #[test]
    fn a_cpp_library_is_no_run_time_code_generation() {
        let rule = find("AOT002").expect("AOT002");
        let says = |so: &str| rule.needed.iter().any(|p| so.starts_with(p));
        assert!(!says("libstdc++.so.6"));
        assert!(says("libLLVM-15.so.1") && says("libgccjit.so.0"));
    }

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        for w in RULES.windows(2) {
            assert!(w[0].id < w[1].id, "{} before {}", w[0].id, w[1].id);
        }
        for r in RULES {
            assert!(r.id.starts_with("AOT") && r.id.len() == 6, "{}", r.id);
            assert!(!r.why.is_empty() && !r.advice.is_empty() && !r.detection.is_empty());
        }
        assert_eq!(find("aot004").map(|r| r.id), Some("AOT004"));
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(with("ash", "loaded").matches("ash", &f(&["std", "loaded"]), false));
        assert!(!with("ash", "loaded").matches("ash", &f(&["std", "linked"]), false));
        assert!(unless("libz-sys", "static").matches("libz-sys", &f(&["libc"]), false));
        assert!(!unless("libz-sys", "static").matches("libz-sys", &f(&["static"]), false));
        assert!(!c("libz-sys").matches("libz_sys", &[], false));
        assert!(find("AOT999").is_none());
    }

    #[test]
    fn only_a_trigger_that_expands_matches_a_proc_macro() {
        assert!(expands("ctor").matches("ctor", &[], true));
        assert!(expands("ctor").matches("ctor", &[], false));
        assert!(!c("ctor").matches("ctor", &[], true));
        assert!(!expands("ctor").matches("ctor-proc-macro", &[], true));
    }
}
