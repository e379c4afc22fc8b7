//! Random streams and the few distributions the simulator needs.
//!
//! Every source of randomness is its own ChaCha8 stream, keyed by the seed, the replication,
//! what it draws (arrivals, service times, patience) and the arrival stream it belongs to, never
//! by anything in the configuration. So two configurations run on the same seed see the same
//! visitors: the same arrival instants, and for visitor `j` of a stream the same uniform for
//! the service time and for the patience (common random numbers). Times are drawn by inverting
//! the distribution function of one uniform, so a visitor keeps their quantile even when a
//! what-if changes a service's mean.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// What a stream draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Draw {
    Arrival = 1,
    ServiceTime = 2,
    Patience = 3,
}

/// One stream of uniforms.
pub(crate) struct Stream(ChaCha8Rng);

impl Stream {
    pub(crate) fn new(seed: u64, replication: u32, draw: Draw, index: usize) -> Stream {
        let key = mix(seed ^ mix(u64::from(replication).wrapping_add(0x5151_5151)));
        let mut rng = ChaCha8Rng::seed_from_u64(key);
        rng.set_stream(((draw as u64) << 40) | index as u64);
        Stream(rng)
    }

    /// A uniform in (0, 1): never 0 nor 1, so logarithms and normal quantiles stay finite.
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponential with mean 1.
    pub(crate) fn unit_exponential(&mut self) -> f64 {
        -self.uniform().ln()
    }
}

/// SplitMix64's finaliser: spreads nearby seeds and replications far apart.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The exponential quantile of `u` for this mean.
pub(crate) fn exponential(mean: f64, u: f64) -> f64 {
    -mean * (1.0 - u).ln()
}

/// The log-normal quantile of `u` for this mean and coefficient of variation.
pub(crate) fn log_normal(mean: f64, cv: f64, u: f64) -> f64 {
    let sigma2 = (1.0 + cv * cv).ln();
    let mu = mean.ln() - sigma2 / 2.0;
    (mu + sigma2.sqrt() * normal_quantile(u)).exp()
}

/// The standard normal quantile, by Acklam's rational approximation (relative error below
/// 1.2·10⁻⁹ over (0, 1)), which is far finer than any service time needs.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_the_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.9, 1.281_551_565_545),
            (0.975, 1.959_963_984_540),
            (0.01, -2.326_347_874_041),
            (1e-6, -4.753_424_308_823),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-8,
                "{p}: {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn draws_have_their_means() {
        let mut s = Stream::new(7, 0, Draw::ServiceTime, 0);
        let n = 200_000;
        let (mut ln, mut ex) = (0.0, 0.0);
        for _ in 0..n {
            let u = s.uniform();
            ln += log_normal(300.0, 0.6, u);
            ex += exponential(300.0, u);
        }
        let (ln, ex) = (ln / f64::from(n), ex / f64::from(n));
        assert!((ln - 300.0).abs() < 3.0, "log-normal mean {ln}");
        assert!((ex - 300.0).abs() < 4.0, "exponential mean {ex}");
    }

    #[test]
    fn streams_are_independent_of_each_other_and_repeatable() {
        let first = |draw, index| Stream::new(1, 3, draw, index).uniform();
        assert_eq!(first(Draw::Arrival, 0), first(Draw::Arrival, 0));
        assert_ne!(first(Draw::Arrival, 0), first(Draw::Arrival, 1));
        assert_ne!(first(Draw::Arrival, 0), first(Draw::Patience, 0));
        assert_ne!(
            Stream::new(1, 3, Draw::Arrival, 0).uniform(),
            Stream::new(1, 4, Draw::Arrival, 0).uniform()
        );
    }
}
