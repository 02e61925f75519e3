//! Renderers: layout over the report, no computation of their own.

pub mod audit;
mod gate;
pub mod github;
mod hostile;
pub mod human;
pub mod markdown;
pub mod probe;
mod size;

use std::io::Write;

use crate::report::Report;

/// The report as one JSON document (`schema_version` first), newline-terminated.
pub fn json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // Buffered: stdout is line-buffered, and `--symbols all` can be 100k rows.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    writeln!(out)?;
    out.flush()
}

/// `1419280` → `1.35 MiB`; below 1 KiB, bytes.
///
/// ```
/// assert_eq!(cargo_aotcheck::render::size(1_419_280), "1.35 MiB");
/// assert_eq!(cargo_aotcheck::render::size(512), "512 B");
/// ```
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {}", UNITS[unit])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1024), "1.00 KiB");
        assert_eq!(size(1_419_280), "1.35 MiB");
        assert_eq!(size(150 * 1024 * 1024), "150 MiB");
        assert_eq!(thousands(1_419_280), "1,419,280");
        assert_eq!(thousands(999), "999");
    }
}
