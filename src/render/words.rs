//! Small wordings every format shares, so that the terminal, Markdown and the page say the
//! same thing: which commit the comparison header names, what the "change" of a check without
//! a ratio is, what the figures of a yes-or-no budget are and which sizes are told apart in
//! bytes, which warnings are the caveat of the startup figures, what a `--why` step without a
//! crate is called, and the lines of a hostile failure's stderr a summary shows, when the
//! probe read memory, which rows a `--compare` table has, and the glibc floor of a binary
//! without one.

pub use super::crate_words::{confidence_note, instantiated_note, std_retained};
use crate::attribute::{UNKNOWN, unnamed_row};
use crate::format::{count, two_sizes};
use crate::report::{
    Artifact, BaselineSummary, Binary, Check, CheckId, ComparedMetric, Comparison, EdgeSource,
    Image, Missing, Probe, Report, Step, SymbolRow, Unit, Verdict,
};

/// What `inspect` leaves undone: no audit ran on a file, which needs the cargo project. Said
/// beside the verdict, which is then of the files' checks alone (QA be F2: Markdown's "✅
/// pass" and the page's green badge for a binary whose build has four NSS errors).
pub const NOT_AUDITED: &str = "not audited: `inspect` reads the files alone, and the audit \
    needs their cargo project (run `cargo aotcheck` there); the verdict is of their checks only";

/// Whether every binary of `report` is an `inspect`ed file, with no audit run on it.
pub fn none_audited(report: &crate::report::Report) -> bool {
    !report.artifacts.is_empty() && report.artifacts.iter().all(|a| !a.audited)
}

/// The baseline's commit (in full) for the comparison header, or `None` when the baseline
/// recorded none or its source names it already (`--baseline-ref`'s `git:HEAD~1
/// (cda84c148ebb)`): the header names the commit once.
pub fn baseline_commit(c: &BaselineSummary) -> Option<&str> {
    let commit = c.provenance.as_ref()?.git_commit.as_deref()?;
    let short = commit.get(..12).unwrap_or(commit);
    (!c.source.contains(short)).then_some(commit)
}

/// The hint after a comparison where something shrank, without its closing punctuation: save
/// a new baseline file; or, for `--baseline-ref` (no file to save), that merging keeps the gain
/// (QA ae, 10).
/// The dependencies that changed since the baseline, in one line (QA dp F4): the first
/// [`DEPENDENCIES_SHOWN`] and how many more; `None` when none did.
pub fn dependency_line(c: &BaselineSummary) -> Option<String> {
    let all = &c.dependency_changes;
    if all.is_empty() {
        return None;
    }
    let shown: Vec<&str> = all
        .iter()
        .take(DEPENDENCIES_SHOWN)
        .map(String::as_str)
        .collect();
    let more = match all.len().saturating_sub(DEPENDENCIES_SHOWN) {
        0 => String::new(),
        n => format!(" (and {n} more: `baseline.dependency_changes` in JSON)"),
    };
    Some(format!("dependencies changed: {}{more}", shown.join("; ")))
}

/// Dependencies named in [`dependency_line`].
const DEPENDENCIES_SHOWN: usize = 8;

pub fn shrank_hint(c: &BaselineSummary) -> String {
    match c.source.starts_with("git:") {
        true => format!(
            "Something shrank against `{}`: the gain is kept once this change is merged (that \
             baseline is a commit's build, not a file to save)",
            c.source
        ),
        false => {
            "Something shrank: save a new baseline with `--save-baseline` to keep the gain".into()
        }
    }
}

/// For each of `rows`, what follows its name when another symbol has the same name, crate and
/// section: ` (copy 1 of 2)`, numbered among the binary's (`SymbolRow::copy`), else, for a
/// report without that (an older baseline), among the rows; a row without a symbol, its
/// confidence; else nothing. Two copies of one
/// function (LLVM's `.llvm.NNN` duplicates, whose suffix the names shown drop) read as one row
/// written twice (QA ac, W6).
pub fn copies(rows: &[SymbolRow]) -> Vec<String> {
    fn key(r: &SymbolRow) -> (&str, Option<&str>, &str) {
        (r.name.as_str(), r.krate.as_deref(), r.section.as_str())
    }
    let mut seen: std::collections::HashMap<_, (usize, usize)> = Default::default();
    for r in rows {
        seen.entry(key(r)).or_insert((0, 0)).1 += 1;
    }
    rows.iter()
        .map(|r| match (r.copy, seen.get_mut(&key(r))) {
            // Told apart by its C source file (QA bu F4).
            _ if let Some(file) = &r.source_file => format!(" ({file})"),
            // Numbered among all the binary's copies (a report of this version).
            (Some([i, k]), _) => format!(" (copy {i} of {k})"),
            // A section's bytes without a symbol, one row per confidence: no copies of
            // anything, told apart by how they were named (QA ap F5: "[section .rodata] (copy
            // 1 of 2)" beside "(copy 2 of 2)", `dominated` and `referenced`).
            (None, Some((_, k))) if *k > 1 && r.name.starts_with('[') => {
                format!(" ({})", r.confidence.as_str())
            }
            (None, Some((i, k))) if *k > 1 => {
                *i += 1;
                format!(" (copy {i} of {k})")
            }
            _ => String::new(),
        })
        .collect()
}

/// What the image section says after a path the start inside its image did not find: the
/// entrypoint's argument it is or leads to, as the AOT011 finding names it (QA ae, 5: "missing:
/// /tmp" beside "the image lacks /tmp/qa/ae/www"), or that the host run opened it.
pub fn missing_note(image: &Image, m: &Missing) -> String {
    match image.argument_of(&m.path) {
        Some(a) if a != m.path => format!(" (on the way to {a}, an argument of the entrypoint)"),
        Some(_) => " (an argument of the entrypoint)".into(),
        None if m.opened_on_host => " (opened on the host)".into(),
        None => String::new(),
    }
}

/// What follows the baseline's commit in the header when the baseline was saved from a tree
/// with uncommitted changes: its code is not that commit's (QA w, F9).
pub fn baseline_dirty(c: &BaselineSummary) -> &'static str {
    match c.provenance.as_ref().and_then(|p| p.git_dirty) {
        Some(true) => ", with uncommitted changes",
        _ => "",
    }
}

/// The "change" cell of a check the gate could not judge because the baseline's figure is
/// zero (no ratio: a zero RSS or startup median), e.g. `no ratio (base 0 B)`; `None` for any
/// other check. Such a check is `inconclusive`: a "new:" or a percentage would read as a figure.
pub fn no_ratio(c: &Check) -> Option<String> {
    if c.verdict != Verdict::Inconclusive || c.change.is_some() || c.baseline != Some(0.0) {
        return None;
    }
    let zero = match c.unit {
        Unit::Bytes => "0 B",
        Unit::Ms => "0 ms",
        Unit::None | Unit::Libraries => "0",
    };
    Some(format!("no ratio (base {zero})"))
}

/// The "now" and "limit" cells of a budget that is a yes or a no, in words; `None` for the
/// others. `budget.static`'s figures are the run-time dependencies against none, which read
/// `0 | limit 0`: its cells say the linkage (`static-pie`, or `dynamic, needs 2 libraries`)
/// and `must be static`. `budget.libraries`' are the libraries that `allowed_libraries` does
/// not list.
pub fn yes_no_budget(c: &Check, a: &Artifact) -> Option<(String, String)> {
    let n = c.value.filter(|v| *v >= 0.0)? as usize;
    match c.id {
        CheckId::BudgetStatic => {
            let linkage = a.binary.linkage.as_str();
            let now = match n {
                0 => linkage.to_string(),
                _ => format!("{linkage}, needs {}", count(n, "library", "libraries")),
            };
            Some((now, "must be static".into()))
        }
        CheckId::BudgetLibraries => {
            let now = match n {
                0 => "all allowed".to_string(),
                _ => format!("{n} not allowed"),
            };
            Some((now, "allowed_libraries only".into()))
        }
        _ => None,
    }
}

/// The baseline's cell of a size check, `was` the baseline's figure as shown: `new` for a part
/// the baseline did not have (QA aa: a new crate read "was 0 B").
pub fn was_cell(c: &Check, was: &str) -> String {
    if c.new {
        "new".into()
    } else {
        format!("was {was}")
    }
}

/// A size compared with the baseline, now and was (`None` for the other checks), told apart
/// as [`two_sizes`] tells them: exact bytes where the two would read the same (`3,402 B` and
/// `3,398 B`, not `3.32 KiB` twice).
pub fn now_and_was(c: &Check) -> Option<(String, String)> {
    match (c.unit, c.value, c.baseline) {
        (Unit::Bytes, Some(v), Some(b)) if v >= 0.0 && b >= 0.0 => {
            let (was, now, _) = two_sizes(b.round() as u64, v.round() as u64);
            // A part this run does not have (QA bq F6: `0 B` beside "is gone").
            let now = if c.gone { "gone".into() } else { now };
            Some((now, was))
        }
        _ => None,
    }
}

/// The crate a `--why` step is shown with: its crate, or where the attribution named none, the
/// row of the crate table its bytes are counted in (`[unknown]` for a symbol, e.g. `_start`
/// from the C runtime's start files and the `main` rustc emits; `[no symbol]` for bytes no
/// symbol covers, which a chain names by their section: `[section .rodata]`).
pub fn step_crate(st: &Step) -> &str {
    st.krate
        .as_deref()
        .or_else(|| unnamed_row(&st.symbol))
        .unwrap_or(UNKNOWN)
}

/// Where a step's bytes are (`0x4a2b30`), when it is to be said: for every step with `all`,
/// else where the name alone does not say which bytes (a section's label, one copy of
/// several), as `nm` and `objdump -d` would find them (QA dm F10).
pub fn step_address(st: &Step, all: bool) -> Option<String> {
    st.address
        .filter(|_| all || st.is_label() || st.copy.is_some())
        .map(|a| format!("{a:#x}"))
}

/// The crate a symbol row is shown with: its crate, or where the attribution named none, the
/// row of the crate table its bytes are counted in (`[no symbol]` for a fallback label of a
/// loaded section, `[section .rodata]`; `[unknown]` for a symbol, `_start`, `main`); `None`
/// for bytes no crate row counts (not loaded, or headers: see `attribute::unnamed_row`). The
/// terminal said `[unknown]` for all of them (QA j: under `--filter '[no symbol]'`).
pub fn row_crate(r: &SymbolRow) -> Option<&str> {
    match r.krate.as_deref() {
        Some(k) => Some(k),
        None if r.vm_size == 0 => None,
        None => unnamed_row(&r.name),
    }
}

/// The run's warnings that the machine was busy while the probe ran (this run's, or the
/// baseline's the gate carried over): the caveat every format puts by the startup figures.
pub fn busy(report: &Report) -> Vec<&str> {
    let all = report.warnings.iter().map(String::as_str);
    all.filter(|w| crate::probe::busy(w, false)).collect()
}

/// Lines of a hostile failure's stderr a summary shows (the JSON report has all it kept).
pub const STDERR_LINES: usize = 5;

/// The first [`STDERR_LINES`] lines of a hostile failure's recorded stderr, control characters
/// (terminal escapes) as spaces, and how many lines were left out.
pub fn stderr_head(detail: &str) -> (Vec<String>, usize) {
    let lines: Vec<&str> = detail.lines().collect();
    let shown = lines
        .iter()
        .take(STDERR_LINES)
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
                .collect()
        })
        .collect();
    (shown, lines.len().saturating_sub(STDERR_LINES))
}

/// When the probe read memory: in `exit` mode as the program exits, in as many of the runs as
/// it could (`memory_runs`), else once it is ready; under `tcp`, its first accepted connect,
/// before a server may have started its workers (QA cy F5: miniserve +17% once idle).
pub fn memory_moment(p: &Probe) -> String {
    if p.exit_mode() {
        format!("at exit, {} of {} runs", p.memory_runs, p.runs)
    } else if p.ready.starts_with("tcp") {
        "at ready: its first accepted connect".to_string()
    } else {
        "at ready".to_string()
    }
}

/// Under a readiness that accepts other statuses than 0 (`exit:1`, `exit:any`): the statuses
/// its counted runs exited with, `with status 1 in 5 of 5 runs` (QA bw F4: under `exit:any` a
/// probe that timed a usage error looked like any other). `None` otherwise.
pub fn exit_statuses(p: &Probe) -> Option<String> {
    if !p.ready.starts_with("exit:") {
        return None;
    }
    let mut counts: std::collections::BTreeMap<i32, usize> = Default::default();
    for code in p.exit_codes() {
        *counts.entry(code).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    if total == 0 {
        return None;
    }
    let each: Vec<String> = counts.iter().map(|(c, n)| format!("{c} in {n}")).collect();
    let runs = crate::format::count(total, "run", "runs");
    Some(format!("with status {} of {runs}", each.join(", ")))
}

/// The rows of a `--compare` table: the probe's (in `ms` and `KiB`) only when a build was
/// `probed`, else they go, and the table says startup and memory were not measured (QA o: rows
/// of "unknown" for both builds read as a failure to measure).
pub fn compared_rows(c: &Comparison, probed: bool) -> impl Iterator<Item = &ComparedMetric> {
    c.metrics
        .iter()
        .filter(move |m| probed || !matches!(m.unit.as_str(), "ms" | "KiB"))
}

/// A line of ours split where it quotes names with backticks (`` `deny` names `regexx` ``),
/// in order: `(true, name)` for each quoted name, without its backticks; `(false, text)` for
/// the rest. With an odd number of backticks, or an empty pair, it is not our quoting: the
/// line as text. The page and Markdown show the quoted parts as code.
pub fn quoted_parts(line: &str) -> Vec<(bool, &str)> {
    let parts: Vec<&str> = line.split('`').collect();
    let empty_pair = parts.iter().skip(1).step_by(2).any(|p| p.is_empty());
    if parts.len().is_multiple_of(2) || empty_pair {
        return vec![(false, line)];
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i % 2 == 1, p))
        .filter(|(quoted, p)| *quoted || !p.is_empty())
        .collect()
}

/// A `--compare` row's figure in words: `rss at ready`, or `rss at exit` where the static
/// build's probe read memory as the program exits (`--ready exit`: QA ba F4, the row said
/// "at ready" beside a memory line that said "at exit" of the same figure).
pub fn metric_label(r: &Report, cmp: &Comparison, metric: &str) -> String {
    let at_exit = r
        .artifacts
        .iter()
        .find(|a| a.path == cmp.static_path || a.path == cmp.regular_path)
        .and_then(|a| a.probe.as_ref())
        .is_some_and(|p| p.exit_mode());
    let metric = match metric.strip_suffix("_at_ready") {
        Some(m) if at_exit => format!("{m}_at_exit"),
        _ => metric.to_string(),
    };
    metric.replace('_', " ")
}

/// What a `--compare` table says of startup and memory when neither build was probed.
pub const NOT_PROBED: &str = "startup and memory: not measured (no probe in this run)";

/// Whether either build of `cmp` was probed, and the note under its table: over how many
/// runs of each build the medians are, and what the ratio is. Neither build probed
/// (`--no-probe`): the note says so (QA o: "medians of no static and no regular runs").
pub fn compared_note(r: &Report, cmp: &Comparison) -> (bool, String) {
    let runs = |path: &str| {
        r.artifacts
            .iter()
            .find(|a| a.path == path)
            .and_then(|a| a.probe.as_ref())
            .map(|p| p.runs)
    };
    let (ours, theirs) = (runs(&cmp.static_path), runs(&cmp.regular_path));
    // A build probed with no run that got ready measured nothing (QA ac, D3: "medians of 0
    // static and 0 regular runs" under rows of `?`).
    let ready = |n: Option<u32>| n.filter(|&n| n > 0);
    let note = match (ready(ours), ready(theirs)) {
        (Some(s), Some(r)) => format!(
            "startup and memory: medians of {s} static and {r} regular runs, interleaved; \
             ratio = static / regular"
        ),
        (Some(n), None) | (None, Some(n)) => format!(
            "startup and memory: medians of {}; the {} build {}; ratio = static / regular",
            count(n as usize, "run", "runs"),
            if ours.is_some_and(|n| n > 0) {
                "regular"
            } else {
                "static"
            },
            if ours.is_some() && theirs.is_some() {
                "had no run that got ready"
            } else {
                "was not probed"
            }
        ),
        (None, None) if ours.is_some() || theirs.is_some() => {
            "startup and memory: not measured, no run of either build got ready; ratio = \
             static / regular"
                .into()
        }
        (None, None) => format!("{NOT_PROBED}; ratio = static / regular"),
    };
    let probed = ready(ours).is_some() || ready(theirs).is_some();
    // The interval, where the startup ratio has one, said with what it means (QA ac, D4: a
    // page read "static 1.31× regular" from a busy run, with nothing to weigh it by).
    let interval = cmp
        .metrics
        .iter()
        .find(|m| m.metric == "startup_median")
        .and_then(|m| m.ratio_interval);
    // On a busy machine the interval of one run need not hold the next run's ratio (QA bk F4:
    // 0.82 [0.71–0.95] in one run of mdbook, 0.99 and 0.98 in the next two): a difference it
    // shows is said to be no proof there.
    let busy = r.warnings.iter().any(|w| crate::probe::busy(w, true));
    let note = match interval {
        Some([lo, hi]) if probed => format!(
            "{note}; [{lo:.2}–{hi:.2}]: the startup ratio's 95% interval{}",
            match (lo <= 1.0 && hi >= 1.0, busy) {
                (true, _) => {
                    ", which holds 1: these runs do not tell the two builds' startup apart"
                }
                (false, true) => {
                    ", which does not hold 1, but the machine was busy: the load moves the \
                     ratio from run to run by more than the interval says, so run again on a \
                     quiet machine before reading a difference"
                }
                (false, false) => "",
            }
        ),
        _ => note,
    };
    (probed, note)
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;

/// Where a stripped binary's symbols may be: the analysis link of the build that made it,
/// by its build id (not under the target dir `inspect` looked in, when it was given one). Said
/// of a binary without a symbol table or with `.dynsym` alone (no names borrowed) whose
/// `.comment` says rustc made it (QA dj F3), not of a system binary made by another compiler
/// (QA dn F18: busybox). One sentence for every format (QA dk F4: the terminal alone had it).
pub fn link_hint(b: &Binary, cov: &crate::report::Coverage) -> Option<String> {
    if !b.is_rust_built() || cov.symbols_from.is_some() {
        return None;
    }
    let id = b.build_id.as_ref()?;
    let at = format!("`target/aotcheck/<static|dynamic|advise/cargo>/graph/*.{id}`");
    let finds = "`inspect` finds it from the project's directory, or with the build's \
                 `--target-dir`";
    match cov.symbol_table.as_deref() {
        None | Some(".dynsym") => Some(match &cov.symbols_looked_in {
            Some(dir) => format!(
                "{}: the target dir of the build that made this binary holds it",
                crate::report::link_not_under(dir, id)
            ),
            None => format!(
                "a build of `cargo aotcheck` keeps its symbols in {at}, or \
                 `DIR/<static|dynamic|advise/cargo>/graph` with `--target-dir DIR`: {finds}"
            ),
        }),
        // A copy with its symbols whose references were decoded: its C code is named by its
        // callers, where the build's archives would name it (QA dm F4: a copy of difft read
        // 93.5% `difft`, with no word of why).
        Some(_)
            if b.graph
                .as_ref()
                .is_some_and(|g| g.edges_from == EdgeSource::Decoded) =>
        {
            Some(format!(
                "C code is named by the crates that call it; a build of `cargo aotcheck` keeps \
                 an analysis link in {at}, whose references are exact and whose build's \
                 archives name C code: {finds}"
            ))
        }
        Some(_) => None,
    }
}
