//! Estimates across replications: a mean with the half-width of its 95% confidence interval,
//! from Student's t for fewer than 30 replications and the normal distribution from 30 on;
//! and the quantiles of one replication's sample.

use serde::{Deserialize, Serialize};

/// A mean over replications and its 95% confidence interval, `mean ± half_width`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    /// Zero for a single replication or identical values; infinite cannot occur.
    pub half_width: f64,
    /// The replications the value was defined in (a service level needs arrivals).
    pub n: u32,
}

impl Estimate {
    /// The estimate of the values; `NaN` means there were none.
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                half_width: f64::NAN,
                n: 0,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let half_width = if n < 2 {
            0.0
        } else {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t_975(n - 1) * (var / n as f64).sqrt()
        };
        Estimate {
            mean,
            half_width,
            n: u32::try_from(n).unwrap_or(u32::MAX),
        }
    }

    /// The estimate of the defined values only.
    pub fn of_some(values: impl IntoIterator<Item = Option<f64>>) -> Estimate {
        let values: Vec<f64> = values.into_iter().flatten().collect();
        Estimate::of(&values)
    }

    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }

    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }

    /// Whether `value` lies within the confidence interval.
    pub fn covers(&self, value: f64) -> bool {
        self.low() <= value && value <= self.high()
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom; 1.96 from 29 on, where the
/// normal distribution serves (30 replications and more).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 28] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048,
    ];
    match df {
        0 => f64::NAN,
        1..=28 => TABLE[df - 1],
        _ => 1.96,
    }
}

/// The `p`-quantile of a sample sorted ascending, interpolating linearly between order
/// statistics (Hyndman and Fan's type 7, as spreadsheets do); `None` for no sample.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = p.clamp(0.0, 1.0) * last as f64;
    let below = h.floor() as usize;
    let above = (below + 1).min(last);
    Some(sorted[below] + (h - below as f64) * (sorted[above] - sorted[below]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_has_the_t_interval_of_its_values() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        // s = 1.291, t(3) = 3.182: 3.182 × 1.291 / 2.
        assert!((e.half_width - 2.054).abs() < 1e-3, "{e:?}");
        assert_eq!(Estimate::of(&[5.0]).half_width, 0.0);
        assert!(Estimate::of(&[]).mean.is_nan());
        assert_eq!(t_975(100), 1.96);
    }

    #[test]
    fn quantiles_interpolate() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&s, 0.5), Some(3.0));
        assert_eq!(quantile(&s, 0.9), Some(4.6));
        assert_eq!(quantile(&s, 1.0), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
