//! Sizes as a budget is likely written in the configuration: `20 MiB`, `6.98 MiB`, `16 MB`.

use super::thousands;

/// `b` in the largest binary unit it is a whole number of hundredths of (`20 MiB`, `7.5 MiB`,
/// `14,500 KiB`; not `20.0 MiB`, `7,680 KiB` (QA cn F7) or `20971.52 kB` (QA as F1)).
///
/// Or of four significant digits at most, that many hundredths or thousandths rounded to the
/// byte: a budget written `6.98 MiB` is 7,319,060.48 B, read as 7,319,060, and was echoed
/// `7319.06 kB` (QA cx F7); `6.975 MiB` was echoed in bytes (QA cz F4).
pub fn binary_size(b: u64) -> Option<String> {
    let b128 = u128::from(b);
    let digits = |h: u128| h.to_string().trim_end_matches('0').len();
    // `h` parts of `unit / scale` that round to `b`.
    let near =
        |h: u128, unit: u128, scale: u128| (h * unit + scale / 2) / scale == b128 && digits(h) <= 4;
    let units = [("GiB", 1u128 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    let exact = units
        .iter()
        .find(|&&(_, unit)| b128 >= unit && (b128 * 100).is_multiple_of(unit))
        .map(|&(name, unit)| (name, b128 * 1000 / unit));
    let rounded = || {
        units
            .iter()
            .filter(|&&(_, unit)| b128 >= unit)
            .find_map(|&(name, unit)| {
                [100u128, 1000].into_iter().find_map(|scale| {
                    let h = (b128 * scale + unit / 2) / unit;
                    near(h, unit, scale).then_some((name, h * (1000 / scale)))
                })
            })
    };
    exact.or_else(rounded).map(|(name, thousandths)| {
        let whole = thousands((thousandths / 1000) as u64);
        let part = format!("{:03}", thousandths % 1000);
        match part.trim_end_matches('0') {
            "" => format!("{whole} {name}"),
            p => format!("{whole}.{p} {name}"),
        }
    })
}

/// `b` as likely written, and whether in decimal units: of [`binary_size`] and [`decimal_size`],
/// fewer significant digits, binary on a tie (QA cq F6, cs F1: `16 MB`, `500 KiB`).
pub fn written_size(b: u64) -> Option<(String, bool)> {
    let significant = |s: &str| {
        s.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .trim_end_matches('0')
            .len()
    };
    match (binary_size(b), decimal_size(b)) {
        (Some(bin), Some(dec)) if significant(&dec) < significant(&bin) => Some((dec, true)),
        (Some(bin), _) => Some((bin, false)),
        (None, Some(dec)) => Some((dec, true)),
        (None, None) => None,
    }
}

/// A budget's limit as written ([`written_size`], whole ms; QA bx F5, cc F7: "limit 8.00 MiB"
/// beside the message's "8 MiB"); `None` otherwise, for the unit's usual figure.
pub fn whole_limit(limit: f64, unit: crate::report::Unit) -> Option<String> {
    match unit {
        crate::report::Unit::Bytes => written_size(limit as u64).map(|(w, _)| w),
        crate::report::Unit::Ms if limit >= 1.0 && limit.fract() == 0.0 => {
            Some(format!("{} ms", thousands(limit as u64)))
        }
        _ => None,
    }
}

/// `b` in decimal units when it is a round figure in one (at most two decimals: `1.9 MB`,
/// `2.2 MB`, `500 kB`), as a budget written so in the configuration is: said beside the binary
/// units every size is given in, so the user finds their own figure (QA ah, F10).
pub fn decimal_size(b: u64) -> Option<String> {
    [("GB", 1_000_000_000u64), ("MB", 1_000_000), ("kB", 1_000)]
        .into_iter()
        .find(|&(_, unit)| b >= unit && b.is_multiple_of(unit / 100))
        .map(|(name, unit)| {
            let hundredths = b / (unit / 100);
            let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
            let text = text.trim_end_matches('0').trim_end_matches('.');
            format!("{text} {name}")
        })
}
