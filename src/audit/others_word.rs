//! What others.rs writes on a finding once its functions are sorted by who calls them: where
//! each went, and the finding narrowed or lowered for those that are not its crate's.

use super::super::findings::DEFINES;
use super::super::graph::Reached;
use super::super::split::{is_chain_to, narrow_defines, note_defines, rechain};
use super::lines::{OwnCall, not_said_std, own_callers_of};
use crate::format::quoted;
use crate::graph::Graph;
use crate::report::{CALLED_BY_OTHERS, Finding};

/// A function, a crate whose code calls it, and its first calling symbol there.
pub(super) type Call<'r, 'm> = (&'static str, &'r Reached<'m>, String);

/// Where the functions of one finding go (see `others::sort`).
pub(super) struct Sorted<'r, 'm> {
    /// How many of them stay this finding's crate's.
    pub(super) mine: usize,
    /// Functions no code refers to, reachable from no root: linked because their object
    /// file came with another function (glibc's `initgroups.o` defines `getgrouplist` too).
    /// Not the crate's: a crate left with these alone calls none of its functions (QA p:
    /// fclones' nix, with `initgroups` of sysinfo's `getgrouplist`).
    pub(super) orphans: Vec<&'static str>,
    /// Calls that move to another crate's finding.
    pub(super) away: Vec<Call<'r, 'm>>,
    /// Calls also kept on this finding: its crate has no code to see (inlined: LTO), or the
    /// program's own code calls them too, where the crate's may be inlined (QA l: broot's
    /// `user_name`, with uzers's `get_user_by_uid` in it under fat LTO, calls `getpwuid_r`;
    /// the finding said "not of uzers" and showed that very chain).
    pub(super) also: Vec<Call<'r, 'm>>,
    /// The program's own functions that call them, each with the function it calls, where
    /// the crate's code may be inlined (QA m: lsd's `get_output` holds uzers's lookups, its
    /// `config_paths` dirs-sys's); and the C runtime's function it reaches it through, when
    /// it does not call it itself.
    pub(super) own_callers: Vec<OwnCall>,
    /// Functions of a kind this crate does not make and another finding's crate does, each
    /// with that crate and the program's own functions that call it (see `others::sort`).
    pub(super) kind_of_others: Vec<(&'static str, String, Vec<String>)>,
    /// Calls of functions that stay this crate's by other crates' reachable code too: their
    /// own lookups, which what is done about this crate's call leaves.
    pub(super) co: Vec<Call<'r, 'm>>,
    /// The finding's crate has no code in the binary's graph.
    pub(super) no_code: bool,
    /// Functions only std's code calls, which the crate's code does not reach: reached
    /// through another crate (QA o: trippy's nix, for etcetera → home → `std::env::home_dir`).
    pub(super) std_only: Vec<&'static str>,
}

/// Say on finding `f` where its functions went, narrowing or lowering it when some or all of
/// them are another crate's.
pub(super) fn word(g: &Graph, f: &mut Finding, s: &Sorted) {
    say_orphans(f, s);
    say_others_too(f, s);
    say_gone(g, f, s);
}

/// The functions no code refers to, linked with another of their object file.
fn say_orphans(f: &mut Finding, s: &Sorted) {
    if !s.orphans.is_empty() {
        let one = s.orphans.len() == 1;
        note_defines(f, &format!("{} referred to by no code", quoted(&s.orphans)));
        f.evidence.push(format!(
            "{} {} referred to by no code (linked with another function of {} object \
             file, not called by {})",
            quoted(&s.orphans),
            if one { "is" } else { "are" },
            if one { "its" } else { "their" },
            f.krate
        ));
    }
}

/// The calls that stay this crate's and that other code makes too: other crates', where
/// this one's may be inlined, or their own lookups; and the program's own.
fn say_others_too(f: &mut Finding, s: &Sorted) {
    // The program's own callers are named with the functions they call (QA ar F1: nix's
    // finding named `procs::main`, which calls `getpwnam_r`, among `getpwuid_r`'s callers).
    let mut own_said: Vec<&str> = Vec::new();
    if !s.also.is_empty() {
        // The others' calls are theirs, but whether this crate makes them too cannot be
        // told, so its finding is neither narrowed nor lowered for them.
        let (names, by) = names_and_callers(&s.also);
        let own = own_callers_of(&s.own_callers, &names);
        let why = if s.no_code {
            String::new()
        } else if own.is_empty() {
            format!(
                " and by the program's own code, where {}'s may be inlined",
                f.krate
            )
        } else {
            own_said.extend(&names);
            format!(
                " and by the program's own code ({}), where {}'s may be inlined",
                own.join(", "),
                f.krate
            )
        };
        f.evidence.push(format!(
            "{} also called by the code of {by}{why} (the finding on {by})",
            quoted(&names)
        ));
    }
    if !s.co.is_empty() {
        let (names, _) = names_and_callers(&s.co);
        let mut by: Vec<String> = Vec::new();
        for (_, r, symbol) in &s.co {
            let one = format!("{} (`{symbol}`)", r.name());
            if !by.iter().any(|b| b.starts_with(&format!("{} (", r.name()))) {
                by.push(one);
            }
        }
        f.evidence.push(format!(
            "{} called by the code of {} too (the reference graph): lookups of theirs, which \
             what is done about {}'s call leaves",
            quoted(&names),
            by.join(", "),
            f.krate
        ));
    }
    // Kept because the program's own code calls them, its code perhaps (QA ar F2: uzers's
    // and dirs-sys's findings kept nix's `getpwnam_r`, called in `procs::main`, unsaid).
    let mut kept: Vec<&'static str> = Vec::new();
    for (n, _, _) in &s.own_callers {
        if !own_said.contains(n) && !kept.contains(n) {
            kept.push(n);
        }
    }
    if !kept.is_empty() {
        f.evidence.push(format!(
            "{} {} called by the program's own code ({}), where {}'s may be inlined",
            quoted(&kept),
            if kept.len() == 1 { "is" } else { "are" },
            own_callers_of(&s.own_callers, &kept).join(", "),
            f.krate
        ));
    }
}

/// The functions that are not this crate's, taken off its finding with why.
fn say_gone(g: &Graph, f: &mut Finding, s: &Sorted) {
    // Functions that are not this crate's: only std's code calls them, which its code does
    // not reach (no crate to move them to: std's finding is for std's own lookups, see
    // split.rs), or another crate's code does.
    let mut lines = Vec::new();
    let mut gone: Vec<&str> = Vec::new();
    let unsaid = not_said_std(&f.evidence, &s.std_only);
    if !unsaid.is_empty() {
        lines.push(format!(
            "{} {} called by std's code only, which {}'s code does not reach",
            quoted(&unsaid),
            if unsaid.len() == 1 { "is" } else { "are" },
            f.krate
        ));
    }
    gone.extend(&s.std_only);
    for (name, other, own) in &s.kind_of_others {
        lines.push(format!(
            "`{name}` is no lookup {} makes: the program's own code calls it (`{}`), where \
             the code of {other}, which makes such lookups, may be inlined (the finding on \
             {other})",
            f.krate,
            own.join("`, `")
        ));
        gone.push(name);
    }
    if !s.away.is_empty() {
        let (names, by) = names_and_callers(&s.away);
        // Without code of its own, the crate's may be anywhere it was inlined: said why not
        // there.
        let why = match s.no_code {
            true => format!(
                "; {by} {} not depend on {}, so no code of {} can be {}'s, inlined",
                if by.contains(", ") { "do" } else { "does" },
                f.krate,
                if by.contains(", ") { "theirs" } else { "its" },
                f.krate
            ),
            false => String::new(),
        };
        lines.push(format!(
            "{} {} called by the code of {by}, not of {}{why} (the finding on {by})",
            quoted(&names),
            if names.len() == 1 { "is" } else { "are" },
            f.krate,
        ));
        gone.extend(names);
    }
    if !gone.is_empty() {
        leave(g, f, s.mine, lines, &gone);
    }
}

/// Take functions `names` off finding `f`, with `lines` saying why: narrowed to what stays
/// its crate's (`mine` of them), or with none left, no line of them and a step less severe.
fn leave(g: &Graph, f: &mut Finding, mine: usize, mut lines: Vec<String>, names: &[&str]) {
    if mine == 0 {
        // Nor the chain to one of them, which goes through another crate's code (QA p:
        // fclones' nix showed sysinfo's chain to `getgrouplist`).
        if f.evidence.iter().any(|e| is_chain_to(e, names)) {
            f.chain.clear();
            f.reachable = Some(false);
        }
        f.evidence.retain(|e| {
            !e.starts_with(DEFINES) && !e.contains(UNREACHABLE) && !is_chain_to(e, names)
        });
        let lowered = format!(
            "{CALLED_BY_OTHERS}{}'s code, so the finding is one step less severe",
            f.krate
        );
        match lines.last_mut() {
            Some(last) => last.push_str(&format!("; {lowered}")),
            None => lines.push(lowered),
        }
        f.severity = f.severity.lowered();
    } else {
        narrow_defines(f, names);
        narrow_unreachable(f, names);
        rechain(g, f, names);
    }
    f.evidence.extend(lines);
}

/// The functions of `calls` and the crates that call them, named in a line.
fn names_and_callers(calls: &[Call]) -> (Vec<&'static str>, String) {
    let mut names: Vec<&'static str> = Vec::new();
    for (n, ..) in calls {
        if !names.contains(n) {
            names.push(n);
        }
    }
    let mut by: Vec<&str> = calls.iter().map(|(_, r, _)| r.name()).collect();
    by.sort_unstable();
    by.dedup();
    (names, by.join(", "))
}

/// How reach.rs's line on functions no root reaches goes on after their names.
const UNREACHABLE: &str = " linked but unreachable from every root";

/// Take `moved` out of the names a finding's line on unreachable functions begins with; the
/// line goes when none is left.
fn narrow_unreachable(f: &mut Finding, moved: &[&str]) {
    f.evidence.retain_mut(|e| {
        let Some((list, rest)) = e.split_once(UNREACHABLE) else {
            return true;
        };
        let kept: Vec<&str> = list
            .split(", ")
            .filter(|n| !moved.contains(&n.trim_matches('`')))
            .collect();
        if kept.is_empty() {
            return false;
        }
        *e = format!("{}{UNREACHABLE}{rest}", kept.join(", "));
        true
    });
}
