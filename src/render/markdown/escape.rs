//! Escaping for the Markdown report: text made inert for Markdown, GitHub and HTML while it
//! stays readable raw ([`escape`]), identifiers as code spans ([`code`], [`cell`]), and a
//! check's message with the names it holds quoted ([`message`]).

use std::fmt::Write as _;

use crate::report::{Check, CheckId};

/// Text made inert for Markdown, GitHub and HTML, escaping only what would be interpreted:
/// a backslash before Markdown's punctuation (`\*`, `\<`, `\|`, ...) where it would act, and
/// where GitHub reads more than Markdown (`@mention`, `#12`, `:emoji:`, which it finds in the
/// rendered text, after escapes are gone) an invisible word joiner after the `@`, `#` or `:`.
/// Line breaks become spaces (a table row is one line). `git:HEAD`, `file_size`, `a.b` and
/// `Vec<T>`'s `>` stay as written.
pub fn escape(text: &str) -> String {
    const JOINER: char = '\u{2060}';
    let chars: Vec<char> = text
        .chars()
        .map(|c| if inert(c) { c } else { ' ' })
        .collect();
    let at = |i: usize| chars.get(i).copied();
    let word = |i: Option<usize>| i.and_then(at).is_some_and(char::is_alphanumeric);
    // A `[` opens a link only before `](` or `][` (a lone `[x]` is a link only with a
    // definition `[x]: url`, which starts a line; this text is one line and a `[` at its start
    // is escaped): `[no symbol]` stays as written (QA ah, F7).
    let links = text.contains("](") || text.contains("][");
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let next = at(i + 1);
        // `1.` or `1)` then a space at the start: an ordered list.
        let ordered =
            i > 0 && chars[..i].iter().all(char::is_ascii_digit) && next.is_none_or(|n| n == ' ');
        let escaped = match c {
            '\\' | '`' | '*' | '<' | '|' | '~' | '$' => true,
            '[' => i == 0 || links,
            // Emphasis only where an underscore is not inside a word: `file_size` stays.
            '_' => !(word(i.checked_sub(1)) && word(Some(i + 1))),
            // An entity (`&amp;`); a link from a bare URL (`http://`, `www.`).
            '&' => next.is_some_and(|n| n.is_alphanumeric() || n == '#'),
            ':' => chars[i + 1..].starts_with(&['/', '/']),
            '.' => {
                ordered || (i >= 3 && chars[i - 3..i] == ['w', 'w', 'w'] && !word(i.checked_sub(4)))
            }
            // What starts a block at the start of a line: a quote, a list, a heading.
            '>' | '-' | '+' | '=' | '#' => i == 0,
            ')' => ordered,
            _ => false,
        };
        if escaped {
            out.push('\\');
        }
        out.push(c);
        let github = match c {
            '@' | '#' => word(Some(i + 1)),
            ':' => opens_emoji(&chars[i + 1..]),
            _ => false,
        };
        if github {
            out.push(JOINER);
        }
    }
    out
}

/// Not a line break nor another control character (those become spaces).
fn inert(c: char) -> bool {
    !(c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

/// `:name:` is an emoji on GitHub.
fn opens_emoji(rest: &[char]) -> bool {
    let n = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
        .count();
    n > 0 && rest.get(n) == Some(&':')
}

/// An identifier (a check id, crate, section, path) as a code span, shown as written: a fence
/// longer than any run of backticks in it, padded where it starts or ends with one. Outside a
/// table.
pub fn code(text: &str) -> String {
    code_span(text, false)
}

/// As [`code`], inside a table cell: a `|` is escaped there even in a code span (GFM splits
/// cells first). A backslash before a `|` cannot be written in a cell's code span; such text
/// is [`escape`]d instead.
pub(super) fn cell(text: &str) -> String {
    code_span(text, true)
}

fn code_span(text: &str, in_table: bool) -> String {
    let mut body: String = text
        .chars()
        .map(|c| if inert(c) { c } else { ' ' })
        .collect();
    if body.is_empty() {
        return String::new();
    }
    if in_table {
        if body.contains("\\|") {
            return escape(&body);
        }
        body = body.replace('|', "\\|");
    }
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' ') && body.trim() != "");
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text of ours in which names are quoted with backticks (`` `deny` names `regexx_syntax` ``):
/// each quoted name a code span (as [`cell`] when `in_table`), the rest [`escape`]d. A
/// line that is not our quoting ([`crate::render::words::quoted_parts`]) is escaped text.
/// QA w: warnings and messages read
/// `` \`deny\` `` raw and showed their backticks rendered.
pub(super) fn spans(text: &str, in_table: bool) -> String {
    crate::render::words::quoted_parts(text)
        .into_iter()
        .map(|(quoted, part)| match quoted {
            true => code_span(part, in_table),
            false => escape(part),
        })
        .collect()
}

/// A check's message in a table cell, with the names it holds as code spans, shown as written
/// (no word joiner inside a code span: GitHub renders no mention or emoji there, and a copied
/// name must match `nm`): the section or crate the check is about, where the message starts
/// with it, and the entry points it names. The rest is escaped text.
pub(super) fn message(c: &Check) -> String {
    message_with(c, usize::MAX)
}

/// [`message`] with at most `most` entry points quoted, the others counted as listed below the
/// table (QA bo F3: a verdict table's cell held 1,238 characters of them; a reviewer reads the
/// first, the rest follow in a list under the table).
pub(super) fn message_with(c: &Check, most: usize) -> String {
    let mut rest = c.message.as_str();
    let mut out = String::new();
    if let Some(name) = c.id.part() {
        let kind = match c.id {
            CheckId::BaselineSection(_) => "section ",
            _ => "crate ",
        };
        if let Some(after) = rest.strip_prefix(kind).and_then(|r| r.strip_prefix(name)) {
            let _ = write!(out, "{kind}{}", cell(name));
            rest = after;
        }
    }
    let names = crate::gate::entry_points::shown(c);
    match crate::gate::entry_points::split(rest, &names) {
        Some((body, lead, shown, more)) => {
            let (shown, more) = crate::gate::entry_points::at_most(
                &names,
                (shown, more),
                most,
                "listed below the table",
            );
            // A reference: its two ends quoted apart, each as `nm` writes it, cut where
            // longer than a name in the page's tables.
            let quoted: Vec<String> =
                crate::gate::entry_points::cut(c, shown, crate::format::NAME_MAX + 2)
                    .iter()
                    .map(|x| x.written(cell))
                    .collect();
            let _ = write!(
                out,
                "{}{}{}{more}",
                spans(body, true),
                escape(lead),
                quoted.join(", "),
            );
        }
        None => out.push_str(&spans(rest, true)),
    }
    out
}
