//! How figures and names are written, the same way by the gate (in its check messages), the
//! audit and every renderer. A leaf: it depends on the report's data types and nothing else.

use crate::report::Artifact;

/// The most characters of a name in a Markdown or HTML table or list; longer ones are cut in
/// the middle ([`clip`]).
pub const NAME_MAX: usize = 240;

/// How a line of evidence begins that is one item of the list the line before it introduces
/// (the crates whose code makes std make a call): the terminal hangs its wrapped lines under
/// the item's text.
pub const LISTED: &str = "↳ ";

/// `1419280` → `1.35 MiB`; below 1 KiB, bytes.
///
/// ```
/// assert_eq!(cargo_aotcheck::format::size(1_419_280), "1.35 MiB");
/// assert_eq!(cargo_aotcheck::format::size(512), "512 B");
/// ```
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let (v, unit, digits) = scaled(bytes);
    format!("{v:.digits$} {}", UNITS[unit])
}

/// `bytes` (from 1 KiB) in its unit for [`size`]: the value, the unit's index (KiB, MiB, GiB,
/// TiB) and the decimals written.
/// The decimals are chosen for the value as written, after rounding (QA w, F7: 1,048,064 B
/// read `1024 KiB`, 10,239 B `10.00 KiB`): `1.00 MiB`, `10.0 KiB`, three digits throughout.
fn scaled(bytes: u64) -> (f64, usize, usize) {
    let decimals = |v: f64| match v {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    loop {
        let digits = decimals(v);
        let scale = 10f64.powi(digits as i32);
        let written = (v * scale).round() / scale;
        // Four digits are the next unit's three (QA at F8: 1,023,580 B read `1000 KiB`).
        if written >= 1000.0 && unit < 3 {
            v /= 1024.0;
            unit += 1;
            continue;
        }
        return (written, unit, decimals(written));
    }
}

/// The bytes one unit of [`size`]'s last digit stands for: 1 below 1 KiB, 10.24 for `3.32 KiB`.
fn last_digit(bytes: u64) -> f64 {
    if bytes < 1024 {
        return 1.0;
    }
    let (_, unit, digits) = scaled(bytes);
    1024f64.powi(unit as i32 + 1) / 10f64.powi(digits as i32)
}

/// Bytes in lower-case hex, two digits each (a digest as OCI and `sha256sum` write it).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Exact bytes: `3,402 B`.
pub fn bytes(n: u64) -> String {
    format!("{} B", thousands(n))
}

/// Two sizes of one thing, `base` then `now`, written to be told apart: as [`size`] writes
/// them, or, when they differ, in exact bytes where they would read the same or differ by less
/// than their last digit (`3.32 KiB` and `3.32 KiB`; `1.53 KiB` and `1.54 KiB` for 8 bytes).
/// The `bool` says they are exact.
///
/// ```
/// use cargo_aotcheck::format::two_sizes;
/// assert_eq!(two_sizes(57, 300_000), ("57 B".into(), "293 KiB".into(), false));
/// assert_eq!(two_sizes(3_398, 3_402), ("3,398 B".into(), "3,402 B".into(), true));
/// ```
pub fn two_sizes(base: u64, now: u64) -> (String, String, bool) {
    let (b, n) = (size(base), size(now));
    let apart = base.abs_diff(now) as f64 >= last_digit(base.max(now));
    if base == now || (b != n && apart) {
        (b, n, false)
    } else {
        (bytes(base), bytes(now), true)
    }
}

/// A duration in milliseconds with the digits that matter: `123 ms`, `12.3 ms`, `1.23 ms`.
pub fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// `text` safe to print on a terminal: control characters (an escape sequence, a newline in a
/// file name) escaped as Rust writes them (`\u{1b}`, `\n`); line breaks and tabs are kept
/// when `lines`. File names and tool output reach the terminal through this.
pub fn printable(text: &str, lines: bool) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && !(lines && (c == '\n' || c == '\t'));
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if bad(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A program's output as the report quotes it (QA ae: bat colours its errors on a pipe too):
/// terminal escape sequences removed (CSI such as colours, `ESC [ … m`; OSC such as titles,
/// `ESC ] … BEL`; two-byte `ESC x`), other control characters escaped as [`printable`] does,
/// line breaks and tabs kept.
pub fn program_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // Parameters and intermediates, up to the final byte (`@` to `~`).
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // Up to BEL or the string terminator `ESC \`.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    printable(&out, true).into_owned()
}

/// At most `max` characters of `name`, `…` and its end: for a path, whose end names the file.
pub fn clip_start(name: &str, max: usize) -> String {
    let n = name.chars().count();
    if n <= max {
        return name.to_string();
    }
    let mut out = String::from("…");
    out.extend(name.chars().skip(n + 1 - max.max(1)));
    out
}

/// At most `max` characters of `name`, its beginning and `…`: for a label fitted to a box,
/// read from its start.
pub fn clip_end(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let mut out: String = name.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// ` (retains 1.20 KiB)`: what a symbol keeps alive, after its name (a `--why` chain's target,
/// a gate's new reference); nothing when that is not known.
pub fn retains(bytes: Option<u64>) -> String {
    bytes.map_or(String::new(), |r| format!(" (retains {})", size(r)))
}

/// At most `max` characters of `name`, cut in the middle with `…`: its beginning and its
/// end, where a symbol's function and the last of its type parameters are (QA n: skim's six
/// largest frizbee rows read the same, cut after 240 of their ~320 characters).
///
/// A name too long that ends with LLVM's `.llvm.<digits>` (a local promoted under ThinLTO)
/// loses that suffix first, for a `…`: anonymous constants `anon.<hash>.97.llvm.<digits>` differ only in
/// the `.97`, which the cut removed (QA as F4: eight of mdbook's ten largest rows read alike).
pub fn clip(name: &str, max: usize) -> String {
    let n = name.chars().count();
    if n <= max {
        return name.to_string();
    }
    if let Some((head, digits)) = name.rsplit_once(".llvm.")
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        // Marked as cut, as the other cuts are (QA at F7: the terminal's name read as whole).
        return format!("{}…", clip(head, max.saturating_sub(1)));
    }
    let kept = max.saturating_sub(1);
    let head = kept * 3 / 5;
    let tail = kept - head;
    let mut out: String = name.chars().take(head).collect();
    let mut end: String = name.chars().skip(n - tail).collect();
    // Not half of a path's `::` beside the cut (QA cb F6: `clap_builder::parser::pa…:get_
    // matches_with`).
    if out.ends_with(':') && !out.ends_with("::") {
        out.pop();
    }
    if end.starts_with(':') && !end.starts_with("::") {
        end.remove(0);
    }
    out.push('…');
    out.push_str(&end);
    out
}

/// Each of `names` cut to `max` characters as [`clip`] cuts it, but where two different
/// names would read the same, each of them keeps the part where it first differs from the
/// other, between two cuts (QA av F4: `DisplayBuffer<15>` and `DisplayBuffer<21>`, cut in
/// the middle, read as one name twice among the gate's new entry points).
pub fn clip_apart<S: AsRef<str>>(names: &[S], max: usize) -> Vec<String> {
    let cut: Vec<String> = names.iter().map(|n| clip(n.as_ref(), max)).collect();
    let chars: Vec<Vec<char>> = names.iter().map(|n| n.as_ref().chars().collect()).collect();
    (0..names.len())
        .map(|i| {
            // Where this name first differs from another whose cut reads the same.
            let at = (0..names.len())
                .filter(|&j| j != i && cut[j] == cut[i] && chars[j] != chars[i])
                .map(|j| {
                    chars[i]
                        .iter()
                        .zip(&chars[j])
                        .take_while(|(a, b)| a == b)
                        .count()
                })
                .min();
            match at {
                Some(d) => around(&chars[i], d, max),
                None => cut[i].clone(),
            }
        })
        .collect()
}

/// `name` cut to `max` characters with its beginning, its end, and the characters around
/// index `d` between them.
fn around(name: &[char], d: usize, max: usize) -> String {
    let n = name.len();
    let kept = max.saturating_sub(2);
    let (head, tail) = (kept / 3, kept / 3);
    let window = kept - head - tail;
    let start = d.saturating_sub(window / 2).max(head);
    let end = (start + window).min(n.saturating_sub(tail));
    if n <= max || end <= start {
        return clip(&name.iter().collect::<String>(), max);
    }
    let part = |r: std::ops::Range<usize>| name[r].iter().collect::<String>();
    let mut out = part(0..head);
    if start > head {
        out.push('…');
    }
    out.push_str(&part(start..end));
    if end < n - tail {
        out.push('…');
    }
    out.push_str(&part(n - tail..n));
    out
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `23rd`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// One word for a POSIX shell: bare when it is safe, else in single quotes (a command shown to
/// be run by hand: a reproduce command, an image's entrypoint).
pub fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Names as code, listed: `` `a`, `b` ``.
pub fn quoted<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A glibc floor as every format writes it: the symbol version, as `objdump -T` lists it
/// (`GLIBC_2.34`; QA ac, W8: the terminal wrote "2.34", the Markdown "GLIBC_2.34").
pub fn glibc(version: &str) -> String {
    format!("GLIBC_{version}")
}

/// Whether two crate names are the same crate: `-` and `_` alike, as rustc spells a package's
/// `-` (`dirs-sys` is `dirs_sys` in symbols and the crate table; crates.io has no two names
/// that differ only there).
pub fn same_crate(a: &str, b: &str) -> bool {
    let unify = |c: u8| if c == b'-' { b'_' } else { c };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| unify(x) == unify(y))
}

/// `s` with its first letter in capitals.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `n` and the noun that goes with it: `1 file`, `3 files`, `2,678 symbols` (`one` and `many`
/// given whole, for nouns like `library`/`libraries`).
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

/// `1419280` → `1,419,280`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size difference with its sign: `+1.20 KiB`, `-512 B`.
pub fn signed_size(delta: i128) -> String {
    let sign = if delta < 0 { "-" } else { "+" };
    let magnitude = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    format!("{sign}{}", size(magnitude))
}

/// A relative change (a fraction) as a signed percentage: `0.053` → `+5.3%`; from nothing, `new`.
/// A change that one decimal would round to nothing keeps the decimals that show it: QA w saw
/// 16 bytes off 855 KiB written `-0.0%`, QA aq 4 bytes off 930 KiB written `-<0.001%`, now
/// `-0.0004%`.
pub fn percent(change: f64) -> String {
    let p = change * 100.0;
    if change.is_infinite() {
        "new".into()
    } else if p == 0.0 || p.abs() >= 0.05 {
        format!("{:+.1}%", p)
    } else {
        let sign = if p < 0.0 { '-' } else { '+' };
        match (2..=9).find(|&d| p.abs() >= 0.5 / 10f64.powi(d as i32)) {
            Some(d) => format!("{sign}{:.d$}%", p.abs()),
            None => format!("{sign}<0.000000001%"),
        }
    }
}

/// A limit given as a fraction, as a percentage with the decimals it needs (up to three):
/// `0.05` → `5%`, `0.001` → `0.1%`, `0.0005` → `0.05%` (QA v: a `size_fail` of 0.1% read
/// `over 0%`).
pub fn limit_percent(fraction: f64) -> String {
    format!("{}%", decimals(fraction * 100.0, 0, 3))
}

/// A ratio limit (`1 + startup_fail`) with the decimals it needs, two at least: `1.10`,
/// `1.005`.
pub fn limit_ratio(ratio: f64) -> String {
    decimals(ratio, 2, 4)
}

/// `x` with at most `max` decimals, the trailing zeros beyond `min` dropped.
fn decimals(x: f64, min: usize, max: usize) -> String {
    let s = format!("{x:.max$}");
    let Some(dot) = s.find('.') else { return s };
    let keep = s.trim_end_matches('0').len().max(dot + 1 + min);
    s[..keep].trim_end_matches('.').to_string()
}

/// Past this growth (+500%) a percentage tells less than the two sizes do.
const RELATIVE_UP_TO: f64 = 5.0;

/// A growth that a percentage would misstate: from nothing, from a base under `small` bytes
/// (the gate's `size_fail_min`), or past +500%. Such a change is written [`size_change`]'s way.
pub fn grew_from_little(base: u64, now: u64, small: u64) -> bool {
    now > base && (base < small || base == 0 || (now - base) as f64 / base as f64 > RELATIVE_UP_TO)
}

/// A size change as every report writes it: `+5.3%`, `-12.0%`, `0.0%`; a growth from little
/// ([`grew_from_little`]) as the two sizes, `now 293 KiB (was 57 B)` (in bytes where they
/// would read the same, [`two_sizes`]), or `new: 293 KiB` from nothing.
///
/// ```
/// use cargo_aotcheck::format::size_change;
/// assert_eq!(size_change(57, 300_000, 4096), "now 293 KiB (was 57 B)");
/// assert_eq!(size_change(3_398, 3_402, 4096), "now 3,402 B (was 3,398 B)");
/// assert_eq!(size_change(100_000, 105_300, 4096), "+5.3%");
/// ```
pub fn size_change(base: u64, now: u64, small: u64) -> String {
    match (grew_from_little(base, now, small), base) {
        (true, 0) => format!("new: {}", size(now)),
        (true, _) => {
            let (was, is, _) = two_sizes(base, now);
            format!("now {is} (was {was})")
        }
        (false, 0) => percent(0.0),
        (false, _) => percent((now as f64 - base as f64) / base as f64),
    }
}

/// `name (static)` or `name (package p, dynamic)`: how reports name a binary.
pub fn artifact_label(a: &Artifact) -> String {
    let mut parts = Vec::new();
    if let Some(p) = a.package.as_ref().filter(|p| **p != a.name) {
        parts.push(format!("package {p}"));
    }
    if let Some(m) = a.link_mode {
        parts.push(m.as_str().to_string());
    }
    if parts.is_empty() {
        a.name.clone()
    } else {
        format!("{} ({})", a.name, parts.join(", "))
    }
}

#[path = "format_written.rs"]
mod written;
pub use written::{binary_size, decimal_size, whole_limit, written_size};

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
