//! Quantities as written in config files: sizes (`"12 MiB"`, `"800 kB"`, bytes), durations
//! (`"15ms"`, `"1.5s"`), and percentages (`"5%"`).

use std::time::Duration;

use serde::Deserialize;

/// A size, duration or percentage as written: a number or a string with a unit.
#[derive(Debug, Clone)]
pub(super) enum Quantity {
    Int(u64),
    Float(f64),
    Text(String),
}

/// What a quantity of the wrong type is told it should be (QA cu F5: serde's untagged enum
/// said "data did not match any variant of untagged enum Quantity" of `max_file_size = true`).
const EXPECTED: &str = "a number or a string with a unit (\"3 MiB\", \"15ms\", \"5%\")";

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Written;
        impl serde::de::Visitor<'_> for Written {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Int(v))
            }
            // A negative whole number is no `u64`: said as negative where it is read.
            fn visit_i64<E>(self, v: i64) -> Result<Quantity, E> {
                Ok(u64::try_from(v).map_or(Quantity::Float(v as f64), Quantity::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity::Text(v.to_string()))
            }
        }
        d.deserialize_any(Written)
    }
}

/// Split `"12.5 MiB"` into (12.5, "MiB").
fn number_and_unit(s: &str) -> Result<(f64, String), String> {
    let s = s.trim();
    // `-1s` (QA y, 4a): said as what it is, not as a value without a number.
    if s.starts_with('-') && s[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Err(format!(
            "`{s}` is negative: a size or a duration is 0 or more"
        ));
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{s}` does not start with a number"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("`{s}` is not a non-negative number"));
    }
    Ok((n, unit.trim().to_string()))
}

/// The size units, as the error lists them; matched in any case (`kb`, `MIB`), and nothing
/// else is one: one rule, so that what is accepted is exactly what the message says.
/// TB and TiB too: the largest budgets are printed in TiB, and read back (QA cv F6).
const SIZE_UNITS: [(&str, f64); 9] = [
    ("B", 1.0),
    ("kB", 1e3),
    ("KiB", 1024.0),
    ("MB", 1e6),
    ("MiB", 1024.0 * 1024.0),
    ("GB", 1e9),
    ("GiB", 1024.0 * 1024.0 * 1024.0),
    ("TB", 1e12),
    ("TiB", 1024.0 * 1024.0 * 1024.0 * 1024.0),
];

/// `"12 MiB"`, `"800 kB"`, `"1.5MB"`, `"4096"`, `"4096 B"` → bytes. kB/MB/GB/TB are decimal,
/// KiB/MiB/GiB/TiB binary, in any case. Bytes are whole: `"1.5"` and `"1.5 B"` are errors, as the
/// number 1.5 is; a fraction of a larger unit is rounded to the nearest byte.
pub fn parse_size_str(s: &str) -> Result<u64, String> {
    let (n, unit) = number_and_unit(s)?;
    // Whole bytes are read as written, not through a float, which holds integers exactly
    // only up to 2^53 (QA cv F6: "18446744073709551615" was "too large" where the bare
    // number was taken).
    let digits = s
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == ' ');
    if (unit.is_empty() || unit.eq_ignore_ascii_case("B"))
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return digits
            .replace('_', "")
            .parse::<u64>()
            .map_err(|_| format!("`{s}` is too large"));
    }
    let factor = if unit.is_empty() {
        1.0
    } else {
        match SIZE_UNITS
            .iter()
            .find(|(u, _)| u.eq_ignore_ascii_case(&unit))
        {
            Some(&(_, f)) => f,
            None => {
                return Err(format!(
                    "unknown size unit `{unit}` in `{s}` (use B, kB, KiB, MB, MiB, GB, GiB, TB \
                     or TiB, in any case, or a number of bytes)"
                ));
            }
        }
    };
    if factor == 1.0 && n.fract() != 0.0 {
        return Err(format!("`{s}`: a size in bytes must be a whole number"));
    }
    let bytes = n * factor;
    // `u64::MAX as f64` is 2^64 itself, which no `u64` holds (QA cu F4: it read as
    // 16777216 TiB, the largest `u64`, and passed every budget).
    if bytes >= u64::MAX as f64 {
        return Err(format!("`{s}` is too large"));
    }
    Ok(bytes.round() as u64)
}

/// `"15ms"`, `"1.5s"`, `"500us"`, `"2m"` → duration. The units, exactly as the error lists
/// them: ns, us (µs), ms, s (sec), min (m).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = number_and_unit(s)?;
    let secs = match unit.as_str() {
        "ns" => n / 1e9,
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" | "sec" => n,
        "m" | "min" => n * 60.0,
        "" => return Err(format!("`{s}` needs a unit (ms, s, ...)")),
        other => {
            // Short: clap puts it after `invalid value '5x' for '--probe-timeout
            // <DURATION>': ` on one line (QA au F6: 137 columns); every unit still listed.
            return Err(format!(
                "unknown unit `{other}` (ns, us or µs, ms, s or sec, m or min)"
            ));
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{s}` is not a valid duration"))
}

/// The probe's per-run limit: a duration of at least 1 ms. Below it no program gets to start
/// (the spawn alone takes ~0.1 ms), and the watchdog would race the program's exit.
pub fn parse_probe_timeout(s: &str) -> Result<Duration, String> {
    // `0` and `-1s` are under the floor too, said so (QA dl F3: "needs a unit", then `0ms`
    // refused; "0 or more").
    let t = s.trim();
    let negative = t
        .strip_prefix('-')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit() || c == '.'));
    let zero = !t.is_empty() && t.chars().all(|c| c == '0' || c == '.');
    if negative {
        return Err(format!(
            "`{s}` is negative: the probe's limit is at least 1ms (e.g. 500ms, 2s)"
        ));
    }
    if zero {
        return Err(format!(
            "`{s}` is under 1ms: no program can start in that time (e.g. 500ms, 2s)"
        ));
    }
    at_least_a_millisecond(parse_duration(s)?, s)
}

fn at_least_a_millisecond(d: Duration, s: &str) -> Result<Duration, String> {
    if d < Duration::from_millis(1) {
        return Err(format!(
            "`{s}` is under 1ms: no program can start in that time (e.g. 500ms, 2s)"
        ));
    }
    Ok(d)
}

pub(super) fn parse_size(q: &Quantity) -> Result<u64, String> {
    match q {
        Quantity::Int(n) => Ok(*n),
        // A negative whole number is no `u64`, so it comes here (QA l: `-5` read as "must be
        // a whole number").
        Quantity::Float(f) if *f < 0.0 => Err(format!("{f} bytes: a size cannot be negative")),
        // TOML's `1e9` is a float, and a whole one (QA cu F5: "1000000000 bytes: ... must be
        // a whole number").
        Quantity::Float(f) if f.fract() == 0.0 && *f < u64::MAX as f64 => Ok(*f as u64),
        Quantity::Float(f) if f.fract() == 0.0 => Err(format!("{f} bytes is too large")),
        Quantity::Float(f) => Err(format!("{f} bytes: a size in bytes must be a whole number")),
        Quantity::Text(s) => parse_size_str(s),
    }
}

/// [`parse_probe_timeout`] of a configuration value.
pub(super) fn parse_probe_timeout_q(q: &Quantity) -> Result<Duration, String> {
    match q {
        // As on the command line (QA do F7: `"0"` needed a unit, `"-1s"` was "0 or more").
        Quantity::Text(s) => parse_probe_timeout(s),
        _ => parse_duration_q(q),
    }
}

pub(super) fn parse_duration_q(q: &Quantity) -> Result<Duration, String> {
    match q {
        Quantity::Text(s) => parse_duration(s),
        _ => Err("a duration needs a unit, e.g. \"15ms\" or \"1.5s\"".into()),
    }
}

/// `"5%"` or `0.05` → 0.05.
pub(super) fn parse_percent(q: &Quantity) -> Result<f64, String> {
    let f = match q {
        Quantity::Int(0) => 0.0,
        // `size_fail = 5` would be 500%: almost certainly meant as 5%.
        Quantity::Int(n) => {
            return Err(format!(
                "`{n}` is ambiguous: write a percentage like \"{n}%\" or a fraction like {}",
                *n as f64 / 100.0
            ));
        }
        Quantity::Float(f) => *f,
        Quantity::Text(s) => {
            let t = s.trim();
            let Some(p) = t.strip_suffix('%') else {
                return Err(format!("`{s}` is not a percentage like \"5%\""));
            };
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{s}` is not a percentage like \"5%\""))?
                / 100.0
        }
    };
    if !f.is_finite() || f < 0.0 {
        return Err("a threshold must be a non-negative number".into());
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    /// QA y, 4a: a negative value is said to be one, for a size as for a duration.
    #[test]
    fn a_negative_value_is_said_to_be_negative() {
        let e = super::parse_size_str("-5 MiB").expect_err("negative");
        assert!(e.contains("`-5 MiB` is negative"), "{e}");
        let e = super::parse_duration("-.5s").expect_err("negative");
        assert!(e.contains("is negative"), "{e}");
        assert_eq!(super::parse_size_str("5 KiB"), Ok(5120));
        // A hyphen before no number is no number.
        let e = super::parse_duration("-x").expect_err("no number");
        assert!(e.contains("does not start with a number"), "{e}");
    }

    /// QA cu F4: 2^64 bytes, which no `u64` holds, passed as the largest `u64`.
    #[test]
    fn a_size_of_two_to_the_64_bytes_is_too_large() {
        for s in ["18446744073709551616", "17179869184 GiB", "16777216 TiB"] {
            let e = super::parse_size_str(s).expect_err("2^64 bytes");
            assert!(e.contains("is too large"), "{s}: {e}");
        }
        assert_eq!(
            super::parse_size_str("18446744073709549568"),
            Ok(18_446_744_073_709_549_568)
        );
        // QA cv F6: whole bytes as written, the largest too.
        assert_eq!(super::parse_size_str("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            super::parse_size_str("9007199254740993 B"),
            Ok(9_007_199_254_740_993)
        );
    }

    /// QA cu F5: a value of the wrong type says what is expected; a whole float is a size.
    #[test]
    fn a_quantity_of_the_wrong_type_says_what_it_should_be() {
        #[derive(Debug, serde::Deserialize)]
        struct T {
            #[allow(dead_code)]
            q: super::Quantity,
        }
        let e = toml::from_str::<T>("q = true")
            .expect_err("a boolean")
            .to_string();
        assert!(e.contains(super::EXPECTED), "{e}");
        assert!(!e.contains("untagged"), "{e}");
        let q = toml::from_str::<T>("q = 1e9").expect("a float").q;
        assert_eq!(super::parse_size(&q), Ok(1_000_000_000));
        let q = toml::from_str::<T>("q = 1.5").expect("a float").q;
        assert!(super::parse_size(&q).is_err_and(|e| e.contains("whole number")));
        let q = toml::from_str::<T>("q = -5").expect("an integer").q;
        assert!(super::parse_size(&q).is_err_and(|e| e.contains("negative")));
        let q = toml::from_str::<T>("q = \"3 MiB\"").expect("a string").q;
        assert_eq!(super::parse_size(&q), Ok(3 << 20));
    }
}
