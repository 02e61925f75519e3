//! Statistics for timings, which are noisy and often bimodal on a shared machine (see
//! FIELD-NOTES): robust summaries (median, MAD) for the probe, and for the gate intervals that
//! fail a verdict only when a change is beyond the noise of both runs. Deterministic (the
//! bootstrap uses a fixed-seed generator), so a verdict is reproducible. A leaf module.

use crate::report::Stats;

/// Resamples for the bootstrap interval of a ratio of medians.
const RESAMPLES: usize = 2000;
/// Fewer runs than this per side give no interval: the verdict is then at most inconclusive.
pub const MIN_SAMPLES: usize = 6;

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

/// The median of `xs`; `None` when empty or not all finite.
pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    Some(quantile(&v, 0.5))
}

/// A distribution-free 95% confidence interval of the median from order statistics: the k-th
/// smallest and k-th largest sample, k from the binomial(n, 1/2) tail. `None` below
/// [`MIN_SAMPLES`].
pub fn median_interval(xs: &[f64]) -> Option<(f64, f64)> {
    let n = xs.len();
    if n < MIN_SAMPLES || xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    // Largest k with P(X < k) <= 0.025 for X ~ Binomial(n, 1/2).
    let k = if n <= 100 {
        let mut cdf = 0.0;
        let mut pmf = 0.5f64.powi(n as i32);
        let mut k = 0;
        for i in 0..n {
            if cdf + pmf > 0.025 {
                break;
            }
            cdf += pmf;
            k = i + 1;
            pmf *= (n - i) as f64 / (i + 1) as f64;
        }
        k
    } else {
        ((n as f64 - 1.96 * (n as f64).sqrt()) / 2.0).floor() as usize
    };
    let k = k.max(1);
    Some((v[k - 1], v[n - k]))
}

/// The ratio `median(current) / median(baseline)` with a 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioInterval {
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

/// SplitMix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn resampled_median(xs: &[f64], rng: &mut Rng, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    buf.extend((0..xs.len()).map(|_| xs[rng.below(xs.len())]));
    buf.sort_by(f64::total_cmp);
    quantile(buf, 0.5)
}

/// Bootstrap (percentile method) over both runs' samples. `None` when either side has fewer
/// than [`MIN_SAMPLES`] finite samples or a median is not positive.
pub fn ratio_of_medians(baseline: &[f64], current: &[f64]) -> Option<RatioInterval> {
    if baseline.len() < MIN_SAMPLES || current.len() < MIN_SAMPLES {
        return None;
    }
    let (mb, mc) = (median(baseline)?, median(current)?);
    if mb <= 0.0 || mc <= 0.0 {
        return None;
    }
    let mut rng = Rng(0x0000_A07C_4EC4_u64);
    let mut buf = Vec::with_capacity(baseline.len().max(current.len()));
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let b = resampled_median(baseline, &mut rng, &mut buf);
            let c = resampled_median(current, &mut rng, &mut buf);
            if b > 0.0 { c / b } else { f64::INFINITY }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((RESAMPLES as f64 - 1.0) * q).round() as usize];
    Some(RatioInterval {
        ratio: mc / mb,
        low: at(0.025),
        high: at(0.975),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jittered(center: f64, spread: f64, n: usize) -> Vec<f64> {
        let mut rng = Rng(42);
        (0..n)
            .map(|_| center + spread * ((rng.next() % 1000) as f64 / 1000.0 - 0.5))
            .collect()
    }

    #[test]
    fn medians_and_their_interval() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median_interval(&[1.0; 5]), None);
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        let (lo, hi) = median_interval(&xs).expect("enough samples");
        // For n = 20 the 95% interval is the 6th to the 15th order statistic.
        assert_eq!((lo, hi), (6.0, 15.0));
        let big: Vec<f64> = (1..=400).map(f64::from).collect();
        let (lo, hi) = median_interval(&big).expect("enough samples");
        assert!(lo < 200.5 && hi > 200.5 && hi - lo < 60.0, "{lo}..{hi}");
    }

    #[test]
    fn a_clear_slowdown_has_an_interval_above_one() {
        let base = jittered(1.0, 0.05, 30);
        let cur = jittered(1.5, 0.05, 30);
        let r = ratio_of_medians(&base, &cur).expect("interval");
        assert!(r.low > 1.3 && r.high < 1.7, "{r:?}");
        // Deterministic: the same samples give the same interval.
        assert_eq!(Some(r), ratio_of_medians(&base, &cur));
    }

    #[test]
    fn overlapping_noise_straddles_the_threshold() {
        let base = jittered(1.0, 1.0, 10);
        let cur = jittered(1.15, 1.0, 10);
        let r = ratio_of_medians(&base, &cur).expect("interval");
        assert!(r.low < 1.1 && r.high > 1.1, "{r:?}");
        assert_eq!(ratio_of_medians(&base[..3], &cur), None);
    }

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
