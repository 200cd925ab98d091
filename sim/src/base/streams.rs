//! The seed's random streams: one ChaCha generator per purpose
//! (scheduling, the code under test, the network...), and unbiased draws.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Stream of the seed's ChaCha generator used for scheduling decisions.
pub(crate) const SCHEDULER_STREAM: u64 = 0;
/// Stream used for the code under test.
pub(crate) const USER_STREAM: u64 = 1;

/// The generator for one purpose (`stream`) of one seed.
pub(crate) fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A uniform draw from `0..n` without modulo bias (Lemire's method).
/// Returns 0 when `n` is 0.
pub(crate) fn below(rng: &mut impl Rng, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        if (m as u64) >= threshold {
            return (m >> 64) as u64;
        }
    }
}
