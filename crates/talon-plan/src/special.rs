//! The special functions Erlang A needs, in forms that stay finite for hundreds or thousands of
//! servers: the scaled incomplete gamma sum `A(s, z)` and `ln Γ(s + 1)`.
//!
//! `A(s, z) = Σ_{j≥0} z^j / ((s+1)(s+2)…(s+j)) = s·e^z·z^(−s)·γ(s, z)`, with `γ` the lower
//! incomplete gamma function. It is the sum, relative to the state with every server busy and
//! nobody waiting, of the stationary weights of the states with waiting customers in M/M/n+M.

/// Relative size below which a further term of a series no longer changes an `f64` sum.
const SERIES_EPSILON: f64 = 1e-17;
/// Guard against a loop that never converges; reached only for arguments far beyond any plan.
const MAX_ITERATIONS: usize = 50_000_000;
/// From this argument on, Stirling's series for `ln Γ` is exact to the last bit of an `f64`.
const STIRLING_FROM: f64 = 15.0;

/// `ln A(s, z)` together with the first moment ratio `Σ j·t_j / Σ t_j` of the same terms
/// (`t_j` the terms of `A`), for `s ≥ 0`, `z ≥ 0`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScaledGamma {
    pub ln_a: f64,
    pub mean_index: f64,
}

/// `ln A(s, z)` and the mean index of its terms.
///
/// When `z ≤ s + 1` the terms fall from the first one on, so the plain series converges and
/// has no cancellation. Beyond that the terms rise to a peak near `j = z − s`; there the upper
/// incomplete gamma function's continued fraction gives `A = e^L − s·F` with
/// `L = ln Γ(s+1) + z − s·ln z`, where `e^L` dominates.
pub(crate) fn scaled_gamma(s: f64, z: f64) -> ScaledGamma {
    if z <= s + 1.0 {
        let (mut sum, mut moment, mut term) = (1.0_f64, 0.0_f64, 1.0_f64);
        let mut j = 1usize;
        while j < MAX_ITERATIONS {
            term *= z / (s + j as f64);
            sum += term;
            moment += j as f64 * term;
            if term <= SERIES_EPSILON * sum && j as f64 * term <= SERIES_EPSILON * moment {
                break;
            }
            j += 1;
        }
        ScaledGamma {
            ln_a: sum.ln(),
            mean_index: moment / sum,
        }
    } else {
        let l = ln_gamma_plus_z_minus_s_ln_z(s, z);
        let tail = s * upper_gamma_fraction(s, z);
        // A = e^L − tail ≥ 1, so the logarithm is taken of a positive number.
        let ln_a = l + (-tail * (-l).exp()).ln_1p();
        // Σ j·t_j = z·A − s·(A − 1), from (s + j)·t_j = z·t_(j−1).
        let mean_index = (z - s) + s * (-ln_a).exp();
        ScaledGamma { ln_a, mean_index }
    }
}

/// `e^z·z^(−s)·Γ(s, z)` by the modified Lentz evaluation of its continued fraction, which
/// converges quickly for `z > s + 1`.
fn upper_gamma_fraction(s: f64, z: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = z + 1.0 - s;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    let mut i = 1usize;
    while i < MAX_ITERATIONS {
        let an = -(i as f64) * (i as f64 - s);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
        i += 1;
    }
    h
}

/// `ln Γ(s + 1) + z − s·ln z` without the cancellation of its large terms when `s` and `z` are
/// both large and close: Stirling's form turns it into `(z − s) − s·ln(1 + (z − s)/s) + …`.
fn ln_gamma_plus_z_minus_s_ln_z(s: f64, z: f64) -> f64 {
    if s >= STIRLING_FROM {
        let d = z - s;
        d - s * (d / s).ln_1p() + 0.5 * (2.0 * std::f64::consts::PI * s).ln() + stirling_tail(s)
    } else {
        ln_gamma_1p(s) + z - s * z.ln()
    }
}

/// `ln Γ(s + 1)` for `s ≥ 0`: Stirling's series, after shifting a small argument up with
/// `Γ(s + 1) = Γ(s + 1 + m) / ((s + 1)…(s + m))`.
pub(crate) fn ln_gamma_1p(s: f64) -> f64 {
    let mut shift = 0.0;
    let mut v = s;
    while v < STIRLING_FROM {
        v += 1.0;
        shift += v.ln();
    }
    v * v.ln() - v + 0.5 * (2.0 * std::f64::consts::PI * v).ln() + stirling_tail(v) - shift
}

/// `ln Γ(v + 1) − (v·ln v − v + ½·ln 2πv)`, the asymptotic series in `1/v`.
fn stirling_tail(v: f64) -> f64 {
    let r = 1.0 / v;
    let r2 = r * r;
    r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(s: f64, z: f64) -> f64 {
        let (mut sum, mut term) = (1.0, 1.0);
        for j in 1..200_000 {
            term *= z / (s + j as f64);
            sum += term;
        }
        sum
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut factorial = 1.0_f64;
        for n in 1..=30u32 {
            factorial *= f64::from(n);
            let got = ln_gamma_1p(f64::from(n));
            assert!(
                (got - factorial.ln()).abs() < 1e-13 * factorial.ln().max(1.0),
                "{n}"
            );
        }
        // Γ(1.5) = √π / 2.
        let half = ln_gamma_1p(0.5);
        assert!((half - (std::f64::consts::PI.sqrt() / 2.0).ln()).abs() < 1e-14);
    }

    #[test]
    fn both_branches_agree_with_the_plain_series() {
        for &(s, z) in &[
            (0.0, 3.0),
            (2.5, 10.0),
            (10.0, 11.5),
            (40.0, 60.0),
            (300.0, 330.0),
            (1000.0, 1500.0),
        ] {
            let want = series(s, z);
            let got = scaled_gamma(s, z).ln_a.exp();
            assert!(
                (got - want).abs() <= 1e-11 * want,
                "s={s} z={z}: {got} vs {want}"
            );
        }
    }
}
