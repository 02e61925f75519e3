//! Statistics for timings, which are noisy: a verdict fails only when the change is beyond the
//! noise of both runs. Deterministic (a fixed-seed generator), so a verdict is reproducible.

/// Resamples for the bootstrap interval of a ratio of medians.
const RESAMPLES: usize = 2000;
/// Fewer runs than this per side give no interval: the verdict is then at most inconclusive.
pub const MIN_SAMPLES: usize = 6;

/// The median of `xs`; `None` when empty or not all finite.
pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
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
    let n = buf.len();
    if n % 2 == 1 {
        buf[n / 2]
    } else {
        (buf[n / 2 - 1] + buf[n / 2]) / 2.0
    }
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
}
