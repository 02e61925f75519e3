//! Geometry of the page's drawings: the squarified treemap layout, axis ticks, numbers as SVG
//! writes them. Layout only: the figures come from the report.

/// A rectangle in the drawing's own units (its `viewBox`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    /// Smaller by the given margins; never negative.
    pub fn inset(self, left: f64, top: f64, right: f64, bottom: f64) -> Rect {
        Rect {
            x: self.x + left,
            y: self.y + top,
            w: (self.w - left - right).max(0.0),
            h: (self.h - top - bottom).max(0.0),
        }
    }

    pub fn area(self) -> f64 {
        self.w * self.h
    }

    /// `x="…" y="…" width="…" height="…"`.
    pub fn attrs(self) -> String {
        format!(
            "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
            num(self.x),
            num(self.y),
            num(self.w),
            num(self.h)
        )
    }
}

/// A number as the page writes coordinates: at most two decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// One rectangle per weight, in the order given, filling `r`, each with an area proportional
/// to its weight: the squarified treemap (Bruls, Huizing and van Wijk, 2000), which lays the
/// largest first in rows along the shorter side while that keeps them close to squares. Zero
/// weights get empty rectangles; all zero, all empty.
pub fn squarify(weights: &[f64], r: Rect) -> Vec<Rect> {
    let mut out = vec![Rect::new(r.x, r.y, 0.0, 0.0); weights.len()];
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    if total <= 0.0 || r.area() <= 0.0 {
        return out;
    }
    let mut order: Vec<usize> = (0..weights.len()).filter(|&i| weights[i] > 0.0).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    let scale = r.area() / total;
    let areas: Vec<f64> = order.iter().map(|&i| weights[i] * scale).collect();
    let mut free = r;
    let mut start = 0;
    while start < areas.len() {
        let side = free.w.min(free.h);
        let mut end = start + 1;
        let mut sum = areas[start];
        let mut worst = worst_ratio(&areas[start..end], sum, side);
        while end < areas.len() {
            let next = worst_ratio(&areas[start..=end], sum + areas[end], side);
            if next > worst {
                break;
            }
            sum += areas[end];
            worst = next;
            end += 1;
        }
        // The last row takes what is left, so rounding cannot leave a sliver uncovered.
        let last = end == areas.len();
        if free.w >= free.h {
            let thick = if last { free.w } else { sum / free.h };
            let mut y = free.y;
            for k in start..end {
                let h = areas[k] / sum * free.h;
                out[order[k]] = Rect::new(free.x, y, thick, h);
                y += h;
            }
            free = free.inset(thick, 0.0, 0.0, 0.0);
        } else {
            let thick = if last { free.h } else { sum / free.w };
            let mut x = free.x;
            for k in start..end {
                let w = areas[k] / sum * free.w;
                out[order[k]] = Rect::new(x, free.y, w, thick);
                x += w;
            }
            free = free.inset(0.0, thick, 0.0, 0.0);
        }
        start = end;
    }
    out
}

/// The worst aspect ratio of a row of `areas` (summing to `sum`) laid along `side`.
fn worst_ratio(areas: &[f64], sum: f64, side: f64) -> f64 {
    let (s2, side2) = (sum * sum, side * side);
    areas
        .iter()
        .map(|&a| (side2 * a / s2).max(s2 / (side2 * a)))
        .fold(0.0, f64::max)
}

/// Round values for an axis from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten,
/// at most `n` + 1 ticks; the last is the axis' end.
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    if max <= 0.0 || !max.is_finite() {
        return vec![0.0, 1.0];
    }
    let rough = max / n.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let count = (max / step).ceil().max(1.0) as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_is_proportional_and_the_canvas_covered() {
        let r = Rect::new(10.0, 20.0, 1000.0, 600.0);
        let weights = [0.0, 500.0, 3.0, 250.0, 120.0, 120.0, 1.0, 7000.0];
        let out = squarify(&weights, r);
        let total: f64 = weights.iter().sum();
        for (w, rect) in weights.iter().zip(&out) {
            let expected = w / total * r.area();
            assert!(
                (rect.area() - expected).abs() < 1e-6 * r.area(),
                "{w}: {rect:?}"
            );
            assert!(rect.x >= r.x - 1e-9 && rect.x + rect.w <= r.x + r.w + 1e-6);
            assert!(rect.y >= r.y - 1e-9 && rect.y + rect.h <= r.y + r.h + 1e-6);
        }
        let covered: f64 = out.iter().map(|q| q.area()).sum();
        assert!((covered - r.area()).abs() < 1e-6 * r.area());
        // No two overlap.
        for (i, a) in out.iter().enumerate() {
            for b in &out[i + 1..] {
                let ox = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let oy = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(ox <= 1e-6 || oy <= 1e-6, "{a:?} overlaps {b:?}");
            }
        }
        assert!(squarify(&[0.0, 0.0], r).iter().all(|q| q.area() == 0.0));
        assert!(squarify(&[], r).is_empty());
    }

    #[test]
    fn ticks_and_numbers_read_well() {
        assert_eq!(ticks(9.3, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(1.0, 4), [0.0, 0.5, 1.0]);
        assert_eq!(ticks(0.0, 4), [0.0, 1.0]);
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(10.50), "10.5");
    }
}
