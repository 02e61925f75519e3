//! `--why PATTERN` for the terminal: each chain, one line per step (kind, symbol, crate).

use std::fmt::Write as _;

use super::Style;
use crate::output::{DIM, paint};
use crate::report::{Binary, Why};

/// Widest symbol name shown, in characters.
const NAME_WIDTH: usize = 90;

/// The columns before a step's name: the indent, the kind and a space.
const STEP_LEAD: usize = 16;

/// Steps shared with the first chain that are written once, as one line, from this many.
const SHARED_FROM: usize = 3;

/// Per chain of `w`, how many steps from the root it shares with the first chain that has
/// steps, when they are worth writing once ([`SHARED_FROM`] or more; never all of its steps);
/// 0 otherwise, and for that first chain. Each renderer writes them as one line.
pub(crate) fn shared_steps(w: &Why) -> Vec<usize> {
    let first = w.chains.iter().find(|c| !c.steps.is_empty());
    w.chains
        .iter()
        .map(|chain| {
            let n = match first {
                Some(f) if !std::ptr::eq(f, chain) => chain
                    .steps
                    .iter()
                    .zip(&f.steps)
                    .take_while(|(a, b)| {
                        a.symbol == b.symbol && a.kind == b.kind && a.copy == b.copy
                    })
                    .count()
                    .min(chain.steps.len().saturating_sub(1)),
                _ => 0,
            };
            if n >= SHARED_FROM { n } else { 0 }
        })
        .collect()
}

/// A chain's target cut to `room` columns, its ` (copy k of n, …)` kept whole where it fits:
/// two copies that share a hash read the same once the cut took their numbers (QA bb F3).
fn clip_target(target: &str, room: usize) -> String {
    // At least this much of the name is left beside the copy's mark.
    const NAME_MIN: usize = 20;
    // And this much beside its hash, else the hash goes (the JSON, Markdown and page have it).
    const HASH_BESIDE: usize = 32;
    match target.rsplit_once(" (copy ") {
        Some((name, copy)) if copy.chars().count() + " (copy ".len() + NAME_MIN <= room => {
            let mut copy = format!(" (copy {copy}");
            // The copy's number tells it from the others; its hash goes where that leaves
            // the name whole (QA cb F6: `similar::algo…::utils::unique (copy 2 of 2, hash
            // h…)`, four characters short).
            // So does a cut that would leave the name too little to tell what it is (QA cl F7:
            // `<hic…e::Future>::poll (copy 1 of 2, hash h5265ede2c8ac9dda)`).
            if let Some((number, _)) = copy.split_once(", hash ")
                && name.chars().count() + copy.chars().count() > room
                && (name.chars().count() + number.chars().count() < room
                    || room - copy.chars().count() < HASH_BESIDE)
            {
                copy = format!("{number})");
            }
            let name = crate::format::clip(name, room - copy.chars().count());
            format!("{name}{copy}")
        }
        _ => crate::format::clip(target, room),
    }
}

/// Each chain's target cut to its line, and what it retains after it. Cut in the middle as the
/// steps are, its end (a copy's number and hash) kept (QA ao, F2: a crate's entry symbol ran
/// to 110 columns); two different targets that would read alike keep where they differ (QA
/// cv F5: `find_eh_action::{closure#0}`'s and `{closure#1}`'s shims read as one).
fn clipped_targets(w: &Why) -> Vec<(String, String)> {
    let retains: Vec<String> = w
        .chains
        .iter()
        .map(|chain| match crate::format::retains(chain.retained) {
            r if r.is_empty() => r,
            // Two spaces apart, as a step's crate is.
            r => format!(" {r}"),
        })
        .collect();
    let rooms: Vec<usize> = retains
        .iter()
        .map(|r| super::fill::WIDTH - 4 - r.chars().count())
        .collect();
    let cut: Vec<String> = w
        .chains
        .iter()
        .zip(&rooms)
        .map(|(chain, &room)| clip_target(&chain.target, room))
        .collect();
    let names: Vec<&str> = w.chains.iter().map(|c| c.target.as_str()).collect();
    let apart = crate::format::clip_apart(&names, rooms.iter().copied().min().unwrap_or(0));
    let alike =
        |i: usize| (0..cut.len()).any(|j| j != i && cut[j] == cut[i] && names[j] != names[i]);
    (0..cut.len())
        .map(|i| match alike(i) {
            true => apart[i].clone(),
            false => cut[i].clone(),
        })
        .zip(retains)
        .collect()
}

/// The line above the chains: what the pattern matched, and in which order the chains come.
fn heading(w: &crate::report::Why) -> String {
    match (w.matched.as_str(), w.entry_points) {
        ("crate", Some(_)) => format!(
            "`{}`: a crate; {} referred to from outside it{}",
            w.pattern,
            super::reasons::entered(w),
            if w.chains.is_empty() {
                ""
            } else {
                "; the chains to them, those that keep the most alive first:"
            }
        ),
        // With the thousands parted, as every other count (QA dj F12: "6202 matching symbols").
        ("symbol", _) => format!(
            "`{}`: {}, {}",
            w.pattern,
            crate::format::count(
                w.chains.len() + w.more as usize,
                "matching symbol",
                "matching symbols"
            ),
            w.order_words()
        ),
        ("row", _) => format!(
            "`{}`: {}; {}, the nearest to a root first",
            w.pattern,
            super::reasons::row_table(w),
            super::reasons::row_members(w, w.chains.len() + w.more as usize)
        ),
        _ if w.needs_symbols() => format!(
            "`{}`: cannot be matched, the binary has no symbol names",
            w.pattern
        ),
        _ => format!("`{}`: nothing in this binary matches", w.pattern),
    }
}

pub fn render(s: &mut String, b: &Binary, st: &Style) {
    let Some(w) = &b.why else { return };
    let c = st.color;
    let head = heading(w);
    // Filled to 100 columns (QA ak, F2: a crate's head ran to 163).
    super::fill::labelled(s, c, "why", &head);
    if let Some(note) = &w.note {
        super::fill::fill_painted(s, "    ", note, c, DIM);
    }
    let targets = clipped_targets(w);
    for ((chain, shared), (target, retains)) in w.chains.iter().zip(shared_steps(w)).zip(targets) {
        let _ = writeln!(s, "    {target}{}", paint(c, DIM, &retains));
        if chain.steps.is_empty() {
            let _ = writeln!(
                s,
                "      {}",
                paint(c, DIM, "linked but unreachable from every root")
            );
            continue;
        }
        // The steps it shares with the first chain, from the root, once (QA av F5: eight
        // chains into rand_jitter shared eight of their ten steps, some 90 lines).
        if shared > 0 {
            // The name cut to what the line leaves it (QA ci F9: 103 columns with 10 steps).
            let lead = format!("… {shared} steps as in the first chain, to ");
            let room = super::fill::WIDTH.saturating_sub(6 + lead.chars().count());
            let last = crate::format::clip(&chain.steps[shared - 1].symbol, room.max(20));
            let _ = writeln!(s, "      {}", paint(c, DIM, &format!("{lead}{last}")));
        }
        for step in &chain.steps[shared..] {
            let krate = format!("  ({})", super::words::step_crate(step));
            // The name cut to leave its crate within the line (QA ak, F2: 113 columns), never
            // below 40 characters.
            let room = super::fill::WIDTH.saturating_sub(STEP_LEAD + krate.chars().count());
            // Which copy, whole after the name cut to fit (QA at F4: the cut took "copy 2"
            // and kept the hash); the hash is in JSON, Markdown and the page.
            let copy = match (step.copy, super::words::step_address(step, st.verbose)) {
                (Some([k, n]), Some(at)) => format!(" (copy {k} of {n}, at {at})"),
                (Some([k, n]), None) => format!(" (copy {k} of {n})"),
                (None, Some(at)) => format!(" at {at}"),
                (None, None) => String::new(),
            };
            let room = room.clamp(40, NAME_WIDTH) - copy.len();
            let _ = writeln!(
                s,
                "      {} {}{copy}{}",
                paint(c, DIM, &format!("{:<9}", step.kind.as_str())),
                crate::format::clip(&step.symbol, room),
                paint(c, DIM, &krate)
            );
        }
    }
    if w.more > 0 {
        let _ = writeln!(
            s,
            "    {}",
            paint(
                c,
                DIM,
                &format!("... and {} more", crate::format::thousands(w.more))
            )
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Chain, RefKind};

    /// QA ao F2: a chain's target (a crate's entry symbol) was written whole, 110 columns.
    #[test]
    fn a_chains_target_is_cut_to_the_width() {
        let target = format!(
            "similar: <similar::algorithms::compact::Compact<Old,New,D> as {}DiffHook>::finish \
             (copy 2 of 3, hash h17dbe9654d46da86)",
            "similar::algorithms::hook::".repeat(2)
        );
        let mut b = crate::report::test_artifact(1000).binary;
        b.why = Some(Why {
            pattern: "similar".into(),
            matched: "symbol".into(),
            entry_points: None,
            entry_names: None,
            chains: vec![Chain {
                target: target.clone(),
                steps: Vec::new(),
                retained: None,
            }],
            more: 0,
            note: None,
            ..Why::default()
        });
        let mut s = String::new();
        render(&mut s, &b, &Style::plain());
        let line = s.lines().find(|l| l.starts_with("    similar: "));
        let line = line.unwrap_or_else(|| panic!("{s}"));
        assert_eq!(line.chars().count(), super::super::fill::WIDTH, "{s}");
        assert!(
            line.ends_with("(copy 2 of 3, hash h17dbe9654d46da86)"),
            "{s}"
        );
    }

    /// QA at F4: a step's long name was cut in the middle through "copy 2 of 5", its hash
    /// kept; the copy is said whole, after the name cut to fit.
    #[test]
    fn a_cut_step_keeps_its_copy_number() {
        let symbol = format!(
            "tokio::runtime::context::runtime::enter_runtime<{}>",
            "tokio::runtime::scheduler::current_thread::CurrentThread::block_on".repeat(2)
        );
        let mut b = crate::report::test_artifact(1000).binary;
        b.why = Some(Why {
            pattern: "x".into(),
            matched: "symbol".into(),
            entry_points: None,
            entry_names: None,
            chains: vec![Chain {
                target: "x".into(),
                steps: vec![crate::report::Step {
                    copy: Some([2, 5]),
                    hash: Some("ha27b9635cc606f92".into()),
                    ..crate::report::Step::named(&symbol, Some("tokio"), RefKind::Call)
                }],
                retained: None,
            }],
            more: 0,
            note: None,
            ..Why::default()
        });
        let mut s = String::new();
        render(&mut s, &b, &Style::plain());
        let line = s.lines().find(|l| l.contains("tokio::runtime::context"));
        let line = line.unwrap_or_else(|| panic!("{s}"));
        assert!(line.contains("(copy 2 of 5)  (tokio)"), "{line}");
        assert!(line.chars().count() <= super::super::fill::WIDTH, "{line}");
    }

    /// QA dm F10: a step whose name does not say which bytes (a section's label, one copy of
    /// several) says where they are; with `-v` every step does.
    #[test]
    fn a_steps_address_is_said_where_its_name_does_not_pin_it_down() {
        let at = |name: &str, address: u64| crate::report::Step {
            address: Some(address),
            ..crate::report::Step::named(name, Some("app"), RefKind::Call)
        };
        let copy = crate::report::Step {
            copy: Some([1, 2]),
            ..at("app::fmt", 0x3000)
        };
        let mut b = crate::report::test_artifact(1000).binary;
        b.why = Some(Why {
            pattern: "x".into(),
            matched: "symbol".into(),
            chains: vec![Chain {
                target: "x".into(),
                steps: vec![
                    at("app::main", 0x1000),
                    at("[section .rodata]", 0x2000),
                    copy,
                ],
                retained: None,
            }],
            ..Why::default()
        });
        let shown = |verbose: bool| {
            let mut s = String::new();
            let st = Style {
                verbose,
                ..Style::plain()
            };
            render(&mut s, &b, &st);
            s
        };
        let s = shown(false);
        assert!(!s.contains("0x1000"), "{s}");
        assert!(s.contains("[section .rodata] at 0x2000  (app)"), "{s}");
        assert!(
            s.contains("app::fmt (copy 1 of 2, at 0x3000)  (app)"),
            "{s}"
        );
        let s = shown(true);
        assert!(s.contains("app::main at 0x1000  (app)"), "{s}");
    }

    /// QA av F5: the chains into a crate's entry symbols shared most of their steps, written
    /// again for each. A later chain writes the steps it shares with the first once, as one
    /// line, and then its own; the first is written whole.
    #[test]
    fn steps_shared_with_the_first_chain_are_written_once() {
        let step = |name: &str| crate::report::Step::named(name, Some("app"), RefKind::Call);
        let chain = |target: &str, names: &[&str]| Chain {
            target: target.into(),
            steps: names.iter().map(|n| step(n)).collect(),
            retained: None,
        };
        let mut b = crate::report::test_artifact(1000).binary;
        b.why = Some(Why {
            pattern: "rj".into(),
            matched: "crate".into(),
            entry_points: Some(3),
            entry_names: Some(3),
            chains: vec![
                chain(
                    "rj: one",
                    &["_start", "main", "app::main", "app::seed", "rj::one"],
                ),
                chain(
                    "rj: two",
                    &["_start", "main", "app::main", "app::seed", "rj::two"],
                ),
                chain("rj: three", &["_start", "main", "app::other", "rj::three"]),
            ],
            more: 0,
            note: None,
            ..Why::default()
        });
        let mut s = String::new();
        render(&mut s, &b, &Style::plain());
        assert_eq!(s.matches("app::seed").count(), 2, "{s}");
        assert!(
            s.contains("… 4 steps as in the first chain, to app::seed"),
            "{s}"
        );
        assert!(s.contains("rj::two"), "{s}");
        // Two steps shared: written out.
        assert_eq!(s.matches("app::other").count(), 1, "{s}");
        assert_eq!(s.matches("steps as in the first chain").count(), 1, "{s}");
        // QA ci F9: ten steps shared, to a long name: the line keeps to 100 columns.
        let long = format!(
            "<rustls::crypto::ring::Ring as {}>::load_private_key",
            "x".repeat(80)
        );
        let mut steps: Vec<String> = (0..10).map(|i| format!("app::f{i}")).collect();
        steps[9] = long;
        let first: Vec<&str> = steps
            .iter()
            .map(String::as_str)
            .chain(["rj::one"])
            .collect();
        let second: Vec<&str> = steps
            .iter()
            .map(String::as_str)
            .chain(["rj::two"])
            .collect();
        b.why = Some(Why {
            pattern: "rj".into(),
            matched: "crate".into(),
            entry_points: Some(2),
            entry_names: Some(2),
            chains: vec![chain("rj: one", &first), chain("rj: two", &second)],
            more: 0,
            note: None,
            ..Why::default()
        });
        let mut s = String::new();
        render(&mut s, &b, &Style::plain());
        assert!(
            s.contains("… 10 steps as in the first chain, to <rustls"),
            "{s}"
        );
        assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
    }

    /// QA cv F5: two closures' shims, different names only in `{closure#0}` and
    /// `{closure#1}`, read as one once cut in the middle; each keeps where they differ.
    #[test]
    fn two_targets_that_would_read_alike_keep_where_they_differ() {
        let name = |k: u32| {
            format!(
                "<std::sys::personality::gcc::find_eh_action::{{closure#{k}}} as \
                 core::ops::function::FnOnce<()>>::call_once::{{shim:vtable#0}}"
            )
        };
        let mut b = crate::report::test_artifact(1000).binary;
        b.why = Some(Why {
            pattern: "find_eh_action".into(),
            matched: "symbol".into(),
            chains: [0, 1]
                .map(|k| Chain {
                    target: name(k),
                    steps: Vec::new(),
                    retained: Some(40),
                })
                .to_vec(),
            ..Why::default()
        });
        let mut s = String::new();
        render(&mut s, &b, &Style::plain());
        let lines: Vec<&str> = s.lines().filter(|l| l.contains("call_once")).collect();
        assert_eq!(lines.len(), 2, "{s}");
        assert_ne!(lines[0], lines[1], "{s}");
        assert!(
            lines[0].contains("closure#0") && lines[1].contains("closure#1"),
            "{s}"
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 100), "{s}");
    }

    /// QA bb F3: two copies of a closure that share a hash read the same once the cut took
    /// their numbers; the target keeps its `(copy k of n, hash …)` whole.
    #[test]
    fn a_targets_copy_mark_survives_the_cut() {
        let name = format!(
            "zbus::connection::builder::{}::build_::{{{{closure}}}}",
            "Builder".repeat(6)
        );
        for k in [1, 2] {
            let target = format!("zbus: {name} (copy {k} of 2, hash h56cbdb6262fb0c79)");
            let cut = clip_target(&target, 76);
            assert!(cut.chars().count() <= 76, "{cut}");
            assert!(
                cut.ends_with(&format!("(copy {k} of 2, hash h56cbdb6262fb0c79)")),
                "{cut}"
            );
            assert!(cut.contains('…'), "{cut}");
        }
        // QA cb F6: a name that fits whole without the hash keeps it whole, and its number.
        let target = "similar: similar::algorithms::utils::unique (copy 2 of 2, hash \
                      hd0df141c5e3b551a)";
        let cut = clip_target(target, 70);
        assert_eq!(
            cut,
            "similar: similar::algorithms::utils::unique (copy 2 of 2)"
        );
        // QA cl F7: a name the hash would leave 20 characters of keeps more without it.
        let target = "hickory_resolver: <hickory_resolver::lookup_ip::LookupIpFuture<C> as \
                      core::future::future::Future>::poll (copy 1 of 2, hash h5265ede2c8ac9dda)";
        let cut = clip_target(target, 60);
        assert!(cut.ends_with(" (copy 1 of 2)"), "{cut}");
        assert!(cut.chars().count() <= 60, "{cut}");
        assert!(
            cut.starts_with("hickory_resolver: <hickory_") && cut.chars().count() > 55,
            "{cut}"
        );
    }

    /// QA cb F6: a cut in the middle of a path leaves no half of a `::` beside it.
    #[test]
    fn a_cut_leaves_no_half_of_a_path_separator() {
        let name = "clap_builder::parser::parser::Parser::get_matches_with";
        for max in 10..name.len() {
            let cut = crate::format::clip(name, max);
            let (head, tail) = cut.split_once('…').expect("cut");
            assert!(!head.ends_with(':') || head.ends_with("::"), "{cut}");
            assert!(!tail.starts_with(':') || tail.starts_with("::"), "{cut}");
        }
    }
}
