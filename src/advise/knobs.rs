//! The knobs `advise` tries, as data: min-sized-rust's list, each with how it is applied to a
//! build and what it costs besides bytes.

/// How a knob reaches a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    /// A profile setting: `--config profile.<name>.<key>=<value>`. Dependencies are rebuilt.
    Profile,
    /// A profile setting whose whole effect is on the final link: its own variant passes these
    /// flags to the final unit alone (`cargo rustc -- FLAGS`), which makes the same binary
    /// without recompiling dependencies (cargo would: the setting is part of every unit's
    /// hash). The combined variant sets it in the profile, as the snippet does.
    ProfileAtLink(&'static [&'static str]),
    /// A rustc flag of the static build, not a profile key: its own variant passes it to the
    /// final unit alone (dependencies stay as built); the combined variant passes it to every
    /// unit built for the target, as the snippet's rustflags do.
    Rustflag(&'static [&'static str]),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Knob {
    /// As `--knobs` takes it.
    pub id: &'static str,
    /// The profile key (or the rustc option for a flag).
    pub key: &'static str,
    /// The value as TOML writes it in a profile (normalised as [`crate::profile`] does).
    pub value: &'static str,
    pub apply: Apply,
    pub tradeoff: &'static str,
}

impl Knob {
    /// As written in a profile (`lto = "fat"`) or on rustc's command line.
    pub fn written(&self) -> String {
        match self.apply {
            Apply::Rustflag(flags) => flags.join(" "),
            Apply::Profile | Apply::ProfileAtLink(_) => format!("{} = {}", self.key, self.value),
        }
    }

    pub fn is_profile_key(&self) -> bool {
        !matches!(self.apply, Apply::Rustflag(_))
    }

    /// Dependencies are not rebuilt for its own variant.
    pub fn link_only(&self) -> bool {
        !matches!(self.apply, Apply::Profile)
    }
}

/// The id that selects the feature variants in `--knobs`.
pub const FEATURES: &str = "features";

pub const KNOBS: &[Knob] = &[
    Knob {
        id: "strip=symbols",
        key: "strip",
        value: "\"symbols\"",
        apply: Apply::ProfileAtLink(&["-C", "strip=symbols"]),
        // This tool reads its own builds' symbols from the analysis link it keeps (QA bz F5:
        // "this tool's too" was not so).
        tradeoff: "no symbol names in the shipped file: backtraces, profilers and other tools' \
                   size attribution show bare addresses (this tool reads the symbols of its \
                   own builds from the analysis link it keeps)",
    },
    Knob {
        id: "relocation-model=static",
        key: "relocation-model",
        value: "\"static\"",
        apply: Apply::Rustflag(&["-C", "relocation-model=static"]),
        tradeoff: "a non-PIE executable at a fixed address: no ASLR for its code and data, a \
                   weaker defence against exploits; saves the relocation table (.rela.dyn) \
                   and applying it at start-up, though start-up is not always faster for it \
                   (see this variant's measured start-up)",
    },
    Knob {
        id: "debug=0",
        key: "debug",
        value: "0",
        apply: Apply::Profile,
        tradeoff: "no debug info: debuggers and backtraces lose file and line numbers",
    },
    Knob {
        id: "panic=abort",
        key: "panic",
        value: "\"abort\"",
        apply: Apply::Profile,
        tradeoff: "a panic ends the process at once: no unwinding, no Drop on panic, \
                   catch_unwind catches nothing, and code or tests relying on unwinding break",
    },
    Knob {
        id: "codegen-units=1",
        key: "codegen-units",
        value: "1",
        apply: Apply::Profile,
        tradeoff: "slower builds: each crate is optimised as one unit, without parallel code \
                   generation",
    },
    Knob {
        id: "opt-level=s",
        key: "opt-level",
        value: "\"s\"",
        apply: Apply::Profile,
        tradeoff: "optimised for size: hot loops may run slower (the probe measures start-up, \
                   not throughput)",
    },
    Knob {
        id: "opt-level=z",
        key: "opt-level",
        value: "\"z\"",
        apply: Apply::Profile,
        tradeoff: "optimised harder for size, loops not vectorised: hot code may run slower \
                   (the probe measures start-up, not throughput)",
    },
    Knob {
        id: "lto=thin",
        key: "lto",
        value: "\"thin\"",
        apply: Apply::Profile,
        tradeoff: "longer builds: cross-crate optimisation at the link, in parallel",
    },
    Knob {
        id: "lto=fat",
        key: "lto",
        value: "\"fat\"",
        apply: Apply::Profile,
        tradeoff: "much longer builds and more memory: the whole program is optimised at the \
                   link, on one core",
    },
];

pub fn find(id: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.id == id)
}

/// `lto="fat"`, `lto = fat`, `LTO=fat` → `lto=fat`: the id as the catalogue spells it.
pub fn normalize_id(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The feature that a `features=NAME` entry of `--knobs` names (as written: feature names are
/// case-sensitive); `None` for any other entry.
pub fn feature_named(s: &str) -> Option<&str> {
    let (key, name) = s.split_once('=')?;
    (normalize_id(key) == FEATURES).then(|| name.trim())
}

/// One `--knobs` entry: a knob of the catalogue, `features`, or `features=NAME` (the build
/// without that feature alone, QA de F11); the error lists what there is.
pub fn parse_id(s: &str) -> Result<String, String> {
    if let Some(name) = feature_named(s) {
        return match name.is_empty() {
            true => Err(format!(
                "`{s}` names no feature: `features=NAME` tries the build without NAME"
            )),
            false => Ok(format!("{FEATURES}={name}")),
        };
    }
    let id = normalize_id(s);
    if id == FEATURES || find(&id).is_some() {
        return Ok(id);
    }
    // A key alone names its knob when it has one (`strip`), not when it has two (`lto`).
    let by_key: Vec<&Knob> = KNOBS.iter().filter(|k| k.key == id).collect();
    if let [one] = by_key.as_slice() {
        return Ok(one.id.to_string());
    }
    let ids: Vec<&str> = KNOBS.iter().map(|k| k.id).collect();
    // A key of two knobs names both (QA ch F3: `lto` read as no knob).
    if by_key.len() > 1 {
        let both: Vec<&str> = by_key.iter().map(|k| k.id).collect();
        return Err(format!("`{s}` is two knobs: {}", both.join(" or ")));
    }
    // A knob, or a key, spelt nearly right is said back (QA cf F11: `lto=fatt` listed them
    // all; QA ch F3: `strp`).
    let known: std::collections::BTreeSet<&str> = ids
        .iter()
        .copied()
        .chain(KNOBS.iter().map(|k| k.key))
        .chain([FEATURES])
        .collect();
    if let Some(near) = crate::spelling::nearest(&id, &known) {
        return Err(format!("`{s}` is not a knob; did you mean `{near}`?"));
    }
    Err(format!(
        "`{s}` is not a knob; the knobs are {}, `{FEATURES}` and `{FEATURES}=NAME`",
        ids.join(", ")
    ))
}

/// Whether the user's rustflags already give this rustc flag (`-C a=b` or `-Ca=b`).
pub fn flags_have(user: &[String], flags: &[&str]) -> bool {
    let want = flags.concat();
    let joined: Vec<String> = user
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .chain(user.iter().cloned())
        .collect();
    // `-C` followed by its value, or written in one piece: compare without the space.
    joined.contains(&want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_parse_back() {
        for k in KNOBS {
            assert_eq!(KNOBS.iter().filter(|o| o.id == k.id).count(), 1);
            assert_eq!(parse_id(k.id).as_deref(), Ok(k.id));
            assert!(!k.tradeoff.is_empty());
        }
        assert_eq!(parse_id("lto = \"fat\"").as_deref(), Ok("lto=fat"));
        assert_eq!(parse_id("features").as_deref(), Ok("features"));
        assert_eq!(parse_id("strip").as_deref(), Ok("strip=symbols"));
        assert!(parse_id("lto").is_err(), "two knobs have this key");
        let e = parse_id("lto=medium").expect_err("not a knob");
        assert!(e.contains("lto=thin") && e.contains("features"), "{e}");
        // One feature's build (QA de F11), its name as written: feature names keep their case.
        assert_eq!(parse_id("features=git").as_deref(), Ok("features=git"));
        assert_eq!(
            parse_id("Features = Paging").as_deref(),
            Ok("features=Paging")
        );
        assert_eq!(feature_named("features=git"), Some("git"));
        assert_eq!(feature_named("lto=fat"), None);
        assert_eq!(feature_named("features"), None);
        let e = parse_id("features=").expect_err("no name");
        assert!(e.contains("names no feature"), "{e}");
    }

    #[test]
    fn written_as_in_a_profile_or_a_command_line() {
        assert_eq!(
            find("lto=fat").map(Knob::written).as_deref(),
            Some("lto = \"fat\"")
        );
        assert_eq!(
            find("codegen-units=1").map(Knob::written).as_deref(),
            Some("codegen-units = 1")
        );
        assert_eq!(
            find("relocation-model=static")
                .map(Knob::written)
                .as_deref(),
            Some("-C relocation-model=static")
        );
    }

    #[test]
    fn user_flags_in_either_spelling() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let flag = &["-C", "relocation-model=static"];
        assert!(flags_have(&f(&["-C", "relocation-model=static"]), flag));
        assert!(flags_have(
            &f(&["--cfg", "x", "-Crelocation-model=static"]),
            flag
        ));
        assert!(!flags_have(&f(&["-C", "relocation-model=pic"]), flag));
        assert!(!flags_have(&[], flag));
    }
}
