//! The combined variant: every knob that saved bytes (the best of each key), how it is built,
//! and the exact lines to paste for it.

use std::collections::BTreeMap;

use super::knobs::{self, Apply, Knob};
use crate::compile::Variation;
use crate::plan::Plan;
use crate::report::{Advice, VariantStatus};
use crate::rustflags::{FlagSource, UserFlags};

/// The knobs that saved file bytes over all binaries, the best of each key (`lto`, `opt-level`),
/// in the catalogue's order. With `strip = "symbols"` among them the others are judged by the
/// stripped size, which is what the combined build ships (QA bo F1: tokei's `opt-level = "z"`
/// grew the unstripped file by 97 KiB, more and smaller functions with more symbols, but cut
/// the stripped size by 10%, and was left out of a combined build that strips).
pub fn choose(advice: &Advice) -> Vec<&'static Knob> {
    let mut saved = savings(advice, |m| m.file_size);
    if let Some(&strip) = saved.get(STRIP_SYMBOLS) {
        saved = savings(advice, |m| m.stripped_size);
        saved.retain(|id, _| !id.starts_with("strip="));
        saved.insert(STRIP_SYMBOLS, strip);
    }
    let best_of_key = |k: &Knob| {
        knobs::KNOBS
            .iter()
            .filter(|o| o.key == k.key && saved.contains_key(o.id))
            .max_by_key(|o| saved[o.id])
            .is_some_and(|best| best.id == k.id)
    };
    knobs::KNOBS
        .iter()
        .filter(|k| saved.contains_key(k.id) && best_of_key(k))
        .collect()
}

/// The knob that takes the symbols out: once it is kept, the others' savings are counted on
/// the stripped file.
const STRIP_SYMBOLS: &str = "strip=symbols";

/// Bytes each measured knob saved over all binaries by the size `size` reads (only those that
/// saved any).
fn savings(
    advice: &Advice,
    size: impl Fn(&crate::report::Measured) -> Option<u64>,
) -> BTreeMap<&'static str, i64> {
    let mut saved = BTreeMap::new();
    for k in knobs::KNOBS {
        let mut total = 0i64;
        let mut measured = false;
        for b in &advice.binaries {
            let Some(v) = b.variants.iter().find(|v| v.id == k.id) else {
                continue;
            };
            if let (VariantStatus::Measured, Some(size), Some(base)) =
                (v.status, size(&v.measured), size(&b.base.measured))
            {
                measured = true;
                total += base as i64 - size as i64;
            }
        }
        if measured && total > 0 {
            saved.insert(k.id, total);
        }
    }
    saved
}

/// Whether the combined variant of `picked` tells more than their own variants: two knobs or
/// more, or a rustflag whose own variant changed the final unit alone where the line to paste
/// changes every unit (`-C relocation-model=static`: QA bl F6, a snippet shown under a saving
/// that was not its own, with no build of it). `strip` in the profile is the final unit's
/// `-C strip=symbols` again, byte for byte but for symbol hashes (README), and is not
/// built a second time for that.
pub fn worth_building(picked: &[&Knob]) -> bool {
    picked.len() >= 2 || picked.iter().any(|k| matches!(k.apply, Apply::Rustflag(_)))
}

/// The status line where the progress counted a combined variant (two knobs or more to
/// build) that the results do not call for: one knob or none saved bytes (QA ch F4: `Building
/// variant 3/4`, then no 4/4 and no word of why).
pub fn say_if_skipped(to_build: &[&Knob], picked: &[&Knob], out: &mut crate::output::Output) {
    if !worth_building(to_build) || worth_building(picked) {
        return;
    }
    out.status("Skipping", &skipped(picked));
}

/// Why the combined variant is not built, `picked` being too few to need it.
fn skipped(picked: &[&Knob]) -> String {
    match picked {
        [] => "the combined variant: no knob saved bytes".to_string(),
        [k] => format!(
            "the combined variant: only {} is kept (the knobs that saved bytes, the best of \
             each key), and its own variant is that build",
            k.id
        ),
        _ => "the combined variant".to_string(),
    }
}

/// Once every variant is built and probed: the combined knobs, the lines to paste, and where
/// those would change nothing ([`overridden`]). Lines only for what was built and got ready:
/// none for a combined variant an interrupt kept from being built (or probed), nor for one
/// that does not start.
pub fn conclude(
    advice: &mut Advice,
    plan: &Plan,
    user: &UserFlags,
    overriding: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) {
    let picked = choose(advice);
    let unproven = advice.interrupted
        || advice.binaries.iter().any(|b| {
            b.combined
                .as_ref()
                .is_some_and(|c| c.status != VariantStatus::Measured)
        });
    // No knobs said combined where no lines are given for them (QA aj F2).
    if unproven {
        return;
    }
    advice.combined_knobs = picked.iter().map(|k| k.id.to_string()).collect();
    let profile = &plan.options.profile;
    advice.snippet = snippet(profile, &picked);
    advice.rustflags_snippet = rustflags_snippet(&plan.target, &user.flags, &picked);
    advice.rustflags_file = advice.rustflags_snippet.as_ref().map(|_| {
        let root = plan.workspace.root();
        root.join(".cargo")
            .join("config.toml")
            .display()
            .to_string()
    });
    let flags_env = match user.source {
        FlagSource::EncodedEnv => Some("CARGO_ENCODED_RUSTFLAGS"),
        FlagSource::RustflagsEnv => Some("RUSTFLAGS"),
        _ => None,
    };
    warnings.extend(overridden(profile, &picked, overriding, flags_env));
    let larger = larger_than_best(advice);
    advice.notes.extend(larger);
}

/// Per binary whose combined variant came out larger than one of its knobs alone: said in
/// bytes, which rounding to KiB and MiB hides (QA ad, F14: xsv's `strip = "symbols"` with
/// `debug = 0` was 3,304 B larger than strip alone, both "3.89 MiB").
fn larger_than_best(advice: &Advice) -> Vec<String> {
    let mut out = Vec::new();
    for b in &advice.binaries {
        let Some(combined) = b.combined.as_ref().and_then(|c| c.measured.file_size) else {
            continue;
        };
        let best = b
            .variants
            .iter()
            .filter(|v| advice.combined_knobs.contains(&v.id))
            .filter_map(|v| Some((v.measured.file_size?, v)))
            .min_by_key(|(size, _)| *size);
        if let Some((size, v)) = best.filter(|(size, _)| combined > *size) {
            out.push(format!(
                "`{}`: the combined variant is {} B larger than `{}` alone ({} against {} B): \
                 once that knob has done its work the others do not make it smaller; `{}` \
                 alone gives the smallest file",
                b.name,
                crate::format::thousands(combined - size),
                v.knob,
                crate::format::thousands(combined),
                crate::format::thousands(size),
                v.knob
            ));
        }
    }
    out
}

/// How the combined variant is built: profile keys through `--config` (so strip is in the
/// profile too), rustc flags on every unit built for the target.
pub fn variation(profile: &str, chosen: &[&Knob], jobs: Option<u32>) -> Variation {
    let mut v = Variation {
        jobs,
        ..Variation::default()
    };
    for k in chosen {
        match k.apply {
            Apply::Profile | Apply::ProfileAtLink(_) => v.config.push(config_arg(profile, k)),
            Apply::Rustflag(flags) => v.rustflags.extend(flags.iter().map(|f| f.to_string())),
        }
    }
    v
}

/// `profile.<name>.<key>=<value>` for cargo's `--config`. A name with a dash is a bare TOML
/// key too: this works where cargo's `CARGO_PROFILE_*` variables cannot say it.
pub fn config_arg(profile: &str, k: &Knob) -> String {
    let name = if profile
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        profile.to_string()
    } else {
        format!("\"{profile}\"")
    };
    format!("profile.{name}.{}={}", k.key, k.value)
}

/// The `[profile.NAME]` lines for `Cargo.toml`.
pub fn snippet(profile: &str, chosen: &[&Knob]) -> Option<String> {
    let lines: Vec<String> = chosen
        .iter()
        .filter(|k| k.is_profile_key())
        .map(|k| k.written())
        .collect();
    (!lines.is_empty()).then(|| format!("[profile.{profile}]\n{}\n", lines.join("\n")))
}

/// The lines of `manifest` (the manifest's profile table, key → line) whose keys `snippet`
/// sets again.
pub fn replaced(snippet: Option<&str>, manifest: &BTreeMap<String, String>) -> Vec<String> {
    snippet
        .into_iter()
        .flat_map(|s| s.lines().skip(1))
        .filter_map(|l| l.split_once(" = "))
        .filter_map(|(key, _)| manifest.get(key.trim()).cloned())
        .collect()
}

/// The `.cargo/config.toml` lines for the rustc flags among `chosen`: the user's flags, the
/// static build's, then the knobs'.
pub fn rustflags_snippet(target: &str, user: &[String], chosen: &[&Knob]) -> Option<String> {
    let extra: Vec<&str> = chosen
        .iter()
        .filter_map(|k| match k.apply {
            Apply::Rustflag(f) => Some(f),
            _ => None,
        })
        .flatten()
        .copied()
        .collect();
    if extra.is_empty() {
        return None;
    }
    let all: Vec<String> = user
        .iter()
        .map(String::as_str)
        .chain(["-C", "target-feature=+crt-static"])
        .chain(extra)
        .map(|f| toml::Value::String(f.to_string()).to_string())
        .collect();
    // `[target.<host>]` flags reach build scripts and proc-macros too when cargo builds without
    // `--target`, and a proc-macro cannot be built with +crt-static: said where it is pasted.
    // And every build with `--target` then is the static glibc build (QA cf F4: zoxide's has an
    // AOT004 error the advice never named).
    Some(format!(
        "# Build with `--target {target}`: without it these flags also reach build scripts\n\
         # and proc-macros, and a proc-macro cannot be built with +crt-static.\n\
         # With it, every build is the static glibc build advise measured: check its findings\n\
         # first (`cargo aotcheck`: NSS lookups, AOT004, fail in a static glibc binary).\n\
         [target.{target}]\nrustflags = [{}]\n",
        all.join(", ")
    ))
}

/// Where the lines to paste would change nothing, each said with the source to change instead:
/// a key of the `Cargo.toml` snippet that `overriding` (key → config file or `CARGO_PROFILE_*`
/// variable, see `profile::overriding`) sets, and the `.cargo/config.toml` flags while `flags_env`
/// (`RUSTFLAGS` or `CARGO_ENCODED_RUSTFLAGS`) is set, which cargo takes over any config file.
pub fn overridden(
    profile: &str,
    chosen: &[&Knob],
    overriding: &BTreeMap<String, String>,
    flags_env: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    for k in chosen.iter().filter(|k| k.is_profile_key()) {
        let Some(source) = overriding.get(k.key) else {
            continue;
        };
        let (what, verb) = if source.starts_with("CARGO_PROFILE_") {
            (format!("the environment variable {source}"), "set it")
        } else {
            (source.clone(), "write it")
        };
        out.push(format!(
            "`{}` pasted into Cargo.toml's [profile.{profile}] would change nothing: {what} sets \
             `{}` of that profile and overrides Cargo.toml; {verb} there",
            k.written(),
            k.key
        ));
    }
    let flags = chosen.iter().any(|k| matches!(k.apply, Apply::Rustflag(_)));
    if let (true, Some(var)) = (flags, flags_env) {
        out.push(format!(
            "the .cargo/config.toml rustflags would change nothing while {var} is set (cargo takes \
             it over any config file): add the flags there instead"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{BinaryAdvice, Measured, Variant};

    fn variant(id: &str, size: u64) -> Variant {
        Variant {
            id: id.into(),
            status: VariantStatus::Measured,
            measured: Measured {
                file_size: Some(size),
                stripped_size: Some(size),
                ..Measured::default()
            },
            ..Variant::default()
        }
    }

    #[test]
    fn savers_only_and_the_best_of_each_key() {
        let advice = Advice {
            binaries: vec![BinaryAdvice {
                base: variant("base", 1000),
                variants: vec![
                    variant("lto=thin", 990),
                    variant("lto=fat", 900),
                    variant("opt-level=s", 950),
                    variant("opt-level=z", 960),
                    variant("codegen-units=1", 1001),
                    variant("strip=symbols", 700),
                    Variant {
                        status: VariantStatus::Already,
                        ..variant("debug=0", 500)
                    },
                ],
                ..BinaryAdvice::default()
            }],
            ..Advice::default()
        };
        let ids: Vec<&str> = choose(&advice).iter().map(|k| k.id).collect();
        assert_eq!(ids, ["strip=symbols", "opt-level=s", "lto=fat"]);
    }

    /// QA bo F1: with `strip = "symbols"` kept, `opt-level = "z"` is kept by what it saved of
    /// the stripped file (tokei: +97 KiB unstripped, -10% stripped), and `debug = 0`, which
    /// saves nothing the strip does not, is not.
    #[test]
    fn with_the_symbols_stripped_the_others_are_judged_by_the_stripped_size() {
        let sized = |id: &str, file: u64, stripped: u64| Variant {
            measured: Measured {
                file_size: Some(file),
                stripped_size: Some(stripped),
                ..Measured::default()
            },
            ..variant(id, file)
        };
        let advice = |strip: Option<Variant>| Advice {
            binaries: vec![BinaryAdvice {
                base: sized("base", 6_430_000, 5_000_000),
                variants: [
                    Some(sized("opt-level=z", 6_530_000, 4_500_000)),
                    Some(sized("opt-level=s", 6_420_000, 4_800_000)),
                    Some(sized("debug=0", 6_000_000, 5_000_000)),
                    strip,
                ]
                .into_iter()
                .flatten()
                .collect(),
                ..BinaryAdvice::default()
            }],
            ..Advice::default()
        };
        let ids = |a: &Advice| choose(a).iter().map(|k| k.id).collect::<Vec<_>>();
        let stripping = advice(Some(sized("strip=symbols", 5_000_000, 5_000_000)));
        assert_eq!(ids(&stripping), ["strip=symbols", "opt-level=z"]);
        // Without the strip the unstripped file is what ships: `s` and `debug = 0`.
        assert_eq!(ids(&advice(None)), ["debug=0", "opt-level=s"]);
    }

    /// QA ad, F14: xsv's combined variant (strip and debug = 0) was 3,304 B larger than strip
    /// alone, and both read "3.89 MiB". Said in bytes; nothing said when it is the smallest.
    #[test]
    fn a_combined_variant_larger_than_a_knob_alone_is_said_in_bytes() {
        let knob = |id: &str, written: &str, size| Variant {
            knob: written.into(),
            ..variant(id, size)
        };
        let mut advice = Advice {
            binaries: vec![BinaryAdvice {
                name: "xsv".into(),
                base: variant("base", 42_739_576),
                variants: vec![
                    knob("strip=symbols", "strip = \"symbols\"", 4_077_824),
                    knob("debug=0", "debug = 0", 5_096_000),
                    knob("lto=fat", "lto = \"fat\"", 3_000_000),
                ],
                combined: Some(variant("combined", 4_081_128)),
                ..BinaryAdvice::default()
            }],
            combined_knobs: vec!["strip=symbols".into(), "debug=0".into()],
            ..Advice::default()
        };
        assert_eq!(
            larger_than_best(&advice),
            [
                "`xsv`: the combined variant is 3,304 B larger than `strip = \"symbols\"` alone \
              (4,081,128 against 4,077,824 B): once that knob has done its work the others do \
              not make it smaller; `strip = \"symbols\"` alone gives the smallest file"
            ]
        );
        advice.binaries[0].combined = Some(variant("combined", 4_000_000));
        assert!(larger_than_best(&advice).is_empty());
    }

    #[test]
    fn the_manifests_lines_a_snippet_sets_again_are_replaced() {
        let manifest: BTreeMap<String, String> = [
            ("lto".to_string(), "lto = true".to_string()),
            ("debug".to_string(), "debug = 1".to_string()),
        ]
        .into();
        let snippet = "[profile.release]\npanic = \"abort\"\nlto = \"thin\"\n";
        assert_eq!(replaced(Some(snippet), &manifest), vec!["lto = true"]);
        assert!(replaced(None, &manifest).is_empty());
        assert!(replaced(Some("[profile.release]\npanic = \"abort\"\n"), &manifest).is_empty());
    }

    #[test]
    fn snippets_as_pasted() {
        let chosen: Vec<&Knob> = ["lto=fat", "strip=symbols", "relocation-model=static"]
            .iter()
            .filter_map(|id| knobs::find(id))
            .collect();
        assert_eq!(
            snippet("release-small", &chosen).as_deref(),
            Some("[profile.release-small]\nlto = \"fat\"\nstrip = \"symbols\"\n")
        );
        assert_eq!(
            rustflags_snippet(
                "x86_64-unknown-linux-gnu",
                &["--cfg".into(), "x".into()],
                &chosen
            )
            .as_deref(),
            Some(
                "# Build with `--target x86_64-unknown-linux-gnu`: without it these flags also \
                 reach build scripts\n# and proc-macros, and a proc-macro cannot be built with \
                 +crt-static.\n# With it, every build is the static glibc build advise \
                 measured: check its findings\n# first (`cargo aotcheck`: NSS lookups, AOT004, \
                 fail in a static glibc binary).\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \
                 \"x\", \"-C\", \"target-feature=+crt-static\", \"-C\", \
                 \"relocation-model=static\"]\n"
            )
        );
        let v = variation("release-small", &chosen, Some(2));
        assert_eq!(
            v.config,
            [
                "profile.release-small.lto=\"fat\"",
                "profile.release-small.strip=\"symbols\""
            ]
        );
        assert_eq!(v.rustflags, ["-C", "relocation-model=static"]);
        assert!(v.final_unit.is_empty());
        assert_eq!(v.jobs, Some(2));
    }

    /// B8: a key set by a config file or a variable is named with it; the others are not.
    #[test]
    fn overridden_keys_name_where_to_change_them() {
        let chosen: Vec<&Knob> = ["lto=fat", "opt-level=z", "relocation-model=static"]
            .iter()
            .filter_map(|id| knobs::find(id))
            .collect();
        let over: BTreeMap<String, String> = [
            ("opt-level", "/p/.cargo/config.toml"),
            ("panic", "CARGO_PROFILE_RELEASE_PANIC"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let w = overridden("release", &chosen, &over, Some("RUSTFLAGS"));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("`opt-level = \"z\"` pasted into Cargo.toml's [profile.release]")
                && w[0].contains("/p/.cargo/config.toml sets `opt-level`"),
            "{w:?}"
        );
        assert!(w[1].contains("while RUSTFLAGS is set"), "{w:?}");
        let env = [("lto".to_string(), "CARGO_PROFILE_RELEASE_LTO".to_string())].into();
        let w = overridden("release", &chosen, &env, None);
        assert!(
            w[0].contains("the environment variable CARGO_PROFILE_RELEASE_LTO sets `lto`"),
            "{w:?}"
        );
    }
}
