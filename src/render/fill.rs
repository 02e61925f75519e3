//! Text filled to the terminal's width under a lead: the notes, warnings, rule texts and long
//! outcome lines of the terminal output, whose lines stay within [`WIDTH`] columns (QA ai, F4:
//! warnings of 243 columns, a crash site of 209).

use std::fmt::Write as _;

use crate::output::paint;

/// The terminal output's width, in columns.
pub const WIDTH: usize = 100;

/// The widest indent a wrapped line gets where its lead leaves less than [`ROOM_MIN`].
const INDENT_MAX: usize = 40;

/// The fewest columns a lead may leave its text for the lines after it to be indented as far.
const ROOM_MIN: usize = 24;

/// The columns `s` takes on a terminal: its characters, colour sequences (`ESC [ ... m`) not
/// counted.
pub fn columns(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // To the sequence's final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

/// `text` after `lead`, filled to [`WIDTH`] columns at its spaces, the lines after the first
/// indented as far as the lead reaches (at most 40 columns where it leaves less than 24). A
/// word longer than the room gets a line of its own.
pub fn fill(s: &mut String, lead: &str, text: &str) {
    let words = words(text);
    fill_units(s, lead, words.iter().map(String::as_str), None);
}

/// As [`fill`], each line of `text` painted with `style` where colour is on.
pub fn fill_painted(s: &mut String, lead: &str, text: &str, color: bool, style: anstyle::Style) {
    let words = words(text);
    fill_units(
        s,
        lead,
        words.iter().map(String::as_str),
        Some((color, style)),
    );
}

/// As [`fill`], each line after the first under the same `lead` (a quote's `| `), where the
/// lead leaves room: lines of a program's output stay marked as such.
pub fn fill_quoted(s: &mut String, lead: &str, text: &str) {
    let mut out = String::new();
    fill(&mut out, lead, text);
    let indent = " ".repeat(columns(lead));
    for (i, l) in out.lines().enumerate() {
        match l.strip_prefix(indent.as_str()) {
            Some(rest) if i > 0 => {
                s.push_str(lead);
                s.push_str(rest);
            }
            _ => s.push_str(l),
        }
        s.push('\n');
    }
}

/// `  label        value`: a figure's line of the terminal report, its label painted as a
/// heading, the value filled under itself (QA aj, F3: a startup line with its outliers, 105
/// columns; the graph's line, 122).
pub fn labelled(s: &mut String, color: bool, label: &str, value: &str) {
    let lead = format!(
        "  {} ",
        paint(color, crate::output::HEADER, &format!("{label:<12}"))
    );
    fill(s, &lead, value);
}

/// The words of `text`, a name in backticks one word with its spaces (`` `opt-level = 3` ``
/// is not broken inside), up to [`NAME_MAX`] columns: a longer one, or a backtick that
/// closes nothing, is broken as text is.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    // At spaces only: a line break or tab in a name (a file's) stays as it was written.
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        match out.last_mut() {
            Some(last) if open && columns(last) + 1 + columns(w) <= NAME_MAX => {
                last.push(' ');
                last.push_str(w);
            }
            // A figure keeps its unit (`162 KiB`, not `162` / `KiB`), a count its noun
            // (`1 outlier`, `(20 runs`).
            Some(last)
                if (is_unit(w) && last.ends_with(|c: char| c.is_ascii_digit()))
                    || is_count(last) =>
            {
                last.push(' ');
                last.push_str(w);
            }
            // A name in backticks too long for one word goes on in the next, still open: its
            // closing backtick closes it (QA dr F4: taken for an opening one, it held the
            // figure after the name on a line of 108 columns).
            _ => out.push(w.to_string()),
        }
        open ^= w.matches('`').count() % 2 == 1;
    }
    out
}

/// Whether `w` is a bare number (`1`, `(20`, `1,024`): the word after it goes with it.
fn is_count(w: &str) -> bool {
    let n = w.trim_start_matches('(');
    n.starts_with(|c: char| c.is_ascii_digit()) && n.chars().all(|c| c.is_ascii_digit() || c == ',')
}

/// Whether `w` is a unit of a figure written before it, punctuation after it aside.
fn is_unit(w: &str) -> bool {
    const UNITS: [&str; 12] = [
        "B", "KiB", "MiB", "GiB", "kB", "KB", "MB", "GB", "ms", "us", "µs", "s",
    ];
    UNITS.contains(&w.trim_end_matches([':', ',', ';', ')', '.']))
}

/// The longest name in backticks kept on one line: as much as the line after the widest
/// indent leaves (QA aq F5: a 57-column `libz-sys = { ... }` line to paste was broken before
/// its `}`).
const NAME_MAX: usize = WIDTH - INDENT_MAX;

/// As [`fill`], over units that are never broken inside (a `strip = "symbols"`), one space
/// between them.
pub fn fill_units<'a>(
    s: &mut String,
    lead: &str,
    units: impl Iterator<Item = &'a str>,
    style: Option<(bool, anstyle::Style)>,
) {
    // Under the text where it leaves room for it (a table's last column), else at most 40.
    let indent = match columns(lead) {
        w if WIDTH.saturating_sub(w) >= ROOM_MIN => w,
        w => w.min(INDENT_MAX),
    };
    // The first line's room is what the lead leaves; the others', what the indent leaves.
    let mut room = WIDTH.saturating_sub(columns(lead)).max(1);
    let mut lines: Vec<String> = vec![String::new()];
    let mut used = 0;
    for unit in units {
        let w = columns(unit);
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && used + 1 + w > room {
            room = WIDTH.saturating_sub(indent).max(1);
            lines.push(unit.to_string());
            used = w;
        } else {
            if !line.is_empty() {
                line.push(' ');
                used += 1;
            }
            line.push_str(unit);
            used += w;
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let text = style.map_or_else(|| line.clone(), |(on, st)| paint(on, st, line));
        let _ = match i {
            0 => writeln!(s, "{lead}{text}"),
            _ => writeln!(s, "{:indent$}{text}", ""),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_stay_within_the_width_and_keep_every_word() {
        let text = "word ".repeat(60);
        let mut s = String::new();
        fill(&mut s, "warning: ", &text);
        assert!(s.lines().count() > 2);
        assert!(s.lines().all(|l| columns(l) <= WIDTH), "{s}");
        assert!(s.lines().skip(1).all(|l| l.starts_with("         word")));
        assert_eq!(s.split_whitespace().filter(|w| *w == "word").count(), 60);
    }

    #[test]
    fn colour_sequences_take_no_columns() {
        let red = anstyle::AnsiColor::Red.on_default();
        let lead = format!("{}: ", paint(true, red, "warning"));
        assert_eq!(columns(&lead), 9);
        let mut s = String::new();
        fill(&mut s, &lead, &"abcdefghi ".repeat(20));
        // 9 columns of lead, then nine words of ten columns: 98 (a tenth would make 108).
        assert_eq!(columns(s.lines().next().unwrap_or_default()), 98);
    }

    /// QA aj, F3: a figure's line of the report (`startup` with its outliers: 105 columns)
    /// goes on under its value; a table's last column under itself.
    #[test]
    fn a_labelled_line_goes_on_under_its_value() {
        let mut s = String::new();
        let value = "median 0.84 ms · p90 1.00 ms · min 0.57 ms · max 1.34 ms (20 runs, ready: \
                     exit); 1 outlier";
        labelled(&mut s, true, "startup", value);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 2, "{s}");
        assert!(lines.iter().all(|l| columns(l) <= WIDTH), "{s}");
        assert!(lines[1].starts_with(&format!("{:15}", "")) && !lines[1][15..].starts_with(' '));
        let words: Vec<&str> = s.split_whitespace().collect();
        assert!(words.join(" ").ends_with("exit); 1 outlier"), "{s}");
        // A count keeps its noun: no line starts with `outlier`.
        let w = super::words(value);
        assert!(w.contains(&"1 outlier".to_string()), "{w:?}");
        assert!(w.contains(&"(20 runs,".to_string()), "{w:?}");
        assert!(w.contains(&"0.84 ms".to_string()), "{w:?}");
        let mut row = String::new();
        let figures = format!("    {:<70}", "memchr  2.86 KiB  0.1%");
        fill(
            &mut row,
            &figures,
            "mangled, 2.86 KiB instantiated in other crates, std's copy",
        );
        assert!(
            row.lines().skip(1).all(|l| l.starts_with(&" ".repeat(74))),
            "{row}"
        );
        assert!(row.lines().all(|l| columns(l) <= WIDTH), "{row}");
    }

    /// A quoted line of a program's output goes on under its own `| `.
    #[test]
    fn a_quoted_line_keeps_its_mark() {
        let mut s = String::new();
        fill_quoted(&mut s, "      | ", &"not judged: the plain run ".repeat(8));
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.len() > 1, "{s}");
        assert!(lines.iter().all(|l| l.starts_with("      | ")), "{s}");
        assert!(lines.iter().all(|l| columns(l) <= WIDTH), "{s}");
    }

    #[test]
    fn a_name_in_backticks_is_one_word() {
        assert_eq!(
            words("in place of its `opt-level = 3`: and `a` b"),
            [
                "in",
                "place",
                "of",
                "its",
                "`opt-level = 3`:",
                "and",
                "`a`",
                "b"
            ]
        );
        assert_eq!(
            words("to 162 KiB: over 5% and 4.00 KiB, 3 s. 2 Bytes"),
            [
                "to",
                "162 KiB:",
                "over",
                "5%",
                "and",
                "4.00 KiB,",
                "3 s.",
                // A count keeps its noun, whatever it is.
                "2 Bytes"
            ]
        );
        // An unmatched backtick holds the rest together up to 60 columns; nothing is lost.
        assert_eq!(words("a `b c"), ["a", "`b c"]);
        let long = format!("`{}", "word ".repeat(30));
        let w = words(&long);
        assert!(w.len() > 2 && w.iter().all(|w| columns(w) <= 60), "{w:?}");
        assert_eq!(w.join(" "), long.trim_end());
        // A line to paste is one word (QA aq F5), filled within the width under its lead.
        let toml = "`libz-sys = { version = \"1.1.29\", features = [\"static\"] }`";
        let text = format!("or add {toml} to static-web-server's own [dependencies] table");
        assert!(
            words(&text).contains(&toml.to_string()),
            "{:?}",
            words(&text)
        );
        let mut s = String::new();
        fill(&mut s, "        advice:    ", &text);
        assert!(s.lines().any(|l| l.contains(toml)), "{s}");
        assert!(s.lines().all(|l| columns(l) <= WIDTH), "{s}");
    }

    /// QA dr F4: a name in backticks longer than a word may be broken at its spaces; what
    /// follows its closing backtick is text again, not held to it past the width.
    #[test]
    fn a_long_name_in_backticks_closes_where_its_backtick_does() {
        let text = "grown most: `<indexmap::map::IndexMap<K,V,S> as \
                    core::iter::traits::collect::Extend<(K,V)>>::extend` (1.20 KiB; new, or at \
                    most 802 B in the baseline), `[section .eh_frame]` (+176 B)";
        let w = words(text);
        let end = w
            .iter()
            .find(|w| w.ends_with("::extend`"))
            .expect("the name's end");
        assert_eq!(
            end, "core::iter::traits::collect::Extend<(K,V)>>::extend`",
            "{w:?}"
        );
        assert!(w.contains(&"(1.20 KiB;".to_string()), "{w:?}");
        assert!(w.contains(&"`[section .eh_frame]`".to_string()), "{w:?}");
        let mut s = String::new();
        fill(&mut s, &format!("{:46}", ""), text);
        assert!(s.lines().all(|l| columns(l) <= WIDTH), "{s}");
    }

    #[test]
    fn units_are_not_broken_inside() {
        let units = vec!["strip = \"symbols\","; 8];
        let mut s = String::new();
        fill_units(&mut s, "  now: ", units.into_iter(), None);
        assert_eq!(s.lines().count(), 2, "{s}");
        assert!(
            s.lines().all(|l| l.ends_with(',') && columns(l) <= WIDTH),
            "{s}"
        );
        assert_eq!(s.matches("strip = \"symbols\",").count(), 8);
    }
}
