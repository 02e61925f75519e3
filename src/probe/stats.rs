//! Summary statistics over a series of runs: robust ones (median, MAD) first, because startup
//! times on a shared machine are skewed and often bimodal (see FIELD-NOTES).

use crate::report::Stats;

/// 1.4826 × MAD estimates the standard deviation of normally distributed data.
const MAD_TO_SIGMA: f64 = 1.4826;

/// Values farther than this many robust sigmas above the median are flagged.
const OUTLIER_SIGMAS: f64 = 3.0;

/// Robust spread (1.4826 × MAD) above this share of the median makes the series "noisy".
pub const NOISY_SPREAD: f64 = 0.25;

/// `None` for an empty series.
pub fn summarize(values: &[f64]) -> Option<Stats> {
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = quantile(&sorted, 0.5);
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let stddev = (n >= 2).then(|| {
        let var = sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        var.sqrt()
    });
    let mut dev: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = quantile(&dev, 0.5);
    let limit = median + OUTLIER_SIGMAS * MAD_TO_SIGMA * mad;
    // With MAD = 0 (most values identical) every different value would be an outlier: flag none.
    let outliers = if mad > 0.0 {
        values.iter().copied().filter(|v| *v > limit).collect()
    } else {
        Vec::new()
    };
    Some(Stats {
        count: n as u32,
        min: sorted[0],
        median,
        mean,
        stddev,
        p90: quantile(&sorted, 0.9),
        max: sorted[n - 1],
        mad,
        outliers,
    })
}

/// Linear interpolation between closest ranks (type 7, as numpy's default) on sorted data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Robust spread relative to the median, e.g. 0.3 for "±30%".
pub fn relative_spread(s: &Stats) -> f64 {
    if s.median > 0.0 {
        MAD_TO_SIGMA * s.mad / s.median
    } else {
        0.0
    }
}

/// Median of whole numbers (rounded), `None` for an empty series.
pub fn median_u64(values: &[u64]) -> Option<u64> {
    let v: Vec<f64> = values.iter().map(|&x| x as f64).collect();
    summarize(&v).map(|s| s.median.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_series() {
        let s = summarize(&[1.0, 2.0, 3.0, 4.0, 100.0]).expect("stats");
        assert_eq!(s.count, 5);
        assert_eq!(s.min, 1.0);
        assert_eq!(s.max, 100.0);
        assert_eq!(s.median, 3.0);
        assert_eq!(s.mean, 22.0);
        assert_eq!(s.mad, 1.0);
        assert!((s.p90 - 61.6).abs() < 1e-9, "{}", s.p90);
        assert!((s.stddev.expect("n>1") - 43.617_656_5).abs() < 1e-6);
        assert_eq!(s.outliers, vec![100.0]);
    }

    #[test]
    fn edge_cases() {
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[f64::NAN]).is_none());
        let one = summarize(&[2.5]).expect("one");
        assert_eq!(
            (one.min, one.median, one.p90, one.max),
            (2.5, 2.5, 2.5, 2.5)
        );
        assert!(one.stddev.is_none());
        let same = summarize(&[1.0, 1.0, 1.0, 5.0]).expect("same");
        assert_eq!(same.mad, 0.0);
        assert!(same.outliers.is_empty());
        assert_eq!(median_u64(&[1, 2, 3, 4]), Some(3));
        assert_eq!(median_u64(&[]), None);
    }

    #[test]
    fn spread_is_relative_to_the_median() {
        let s = summarize(&[9.0, 10.0, 11.0]).expect("stats");
        assert!((relative_spread(&s) - 0.14826).abs() < 1e-9);
    }
}
