//! The workloads' parameters, drawn as `BENCHMARKS.md` says, and the models
//! that give each workload's expected virtual elapsed time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The seed of every workload's parameters unless told otherwise.
pub const SEED: u64 = 1;

/// One fresh generator per workload.
pub fn generator(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `lo + next_u64() % (hi - lo)`: plain modulo, so that the draws do not
/// depend on a `rand` version.
pub fn draw(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> u64 {
    lo + rng.next_u64() % (hi - lo)
}

/// `n` draws from `lo..hi`.
pub fn draws(rng: &mut ChaCha8Rng, n: usize, lo: u64, hi: u64) -> Vec<u64> {
    (0..n).map(|_| draw(rng, lo, hi)).collect()
}

/// W1 and W6: one sleep in `0..10000` ms per task.
pub fn spawn_sleep(n: usize) -> Vec<u64> {
    draws(&mut generator(SEED), n, 0, 10_000)
}

/// Number of producers in W3.
pub const PRODUCERS: usize = 5;
/// Number of consumers in W3.
pub const CONSUMERS: usize = 10;
/// Capacity of W3's channel.
pub const W3_CAPACITY: usize = 100;
/// Permits of W4's semaphore.
pub const PERMITS: usize = 100;

/// W3's parameters: `d` (producer sleeps, producer-major) then `e` (consumer
/// sleeps, by global take order), both in `1..11` ms, from one generator.
pub struct ProducerConsumer {
    /// Items per producer.
    pub per_producer: usize,
    /// Producer `p` sleeps `d[p * per_producer + k]` before sending item `k`.
    pub d: Vec<u64>,
    /// The consumer taking the `j`-th item sleeps `e[j]`.
    pub e: Vec<u64>,
}

/// W3 with `n` items in all (`n / 5` per producer).
pub fn producer_consumer(n: usize) -> ProducerConsumer {
    assert!(
        n.is_multiple_of(PRODUCERS),
        "W3's n must be a multiple of {PRODUCERS}"
    );
    let mut rng = generator(SEED);
    let d = draws(&mut rng, n, 1, 11);
    let e = draws(&mut rng, n, 1, 11);
    ProducerConsumer {
        per_producer: n / PRODUCERS,
        d,
        e,
    }
}

/// W4: one latency in `10..100` ms per acquisition.
pub fn semaphore(n: usize) -> Vec<u64> {
    draws(&mut generator(SEED), n, 10, 100)
}

/// W1/W6's expected elapsed time, in ms: the longest sleep.
pub fn spawn_sleep_model(d: &[u64]) -> u64 {
    d.iter().copied().max().unwrap_or(0)
}

/// W3's model, in ms: arrivals (each producer's running sums, merged and
/// sorted) are served by 10 consumers in order; the `j`-th arrival `a` goes
/// to the earliest free consumer `f`, starts at `max(a, f)` and ends `e[j]`
/// later. The result is the last end.
pub fn producer_consumer_model(p: &ProducerConsumer) -> u64 {
    let mut arrivals = Vec::with_capacity(p.d.len());
    for chunk in p.d.chunks(p.per_producer) {
        let mut t = 0;
        for &d in chunk {
            t += d;
            arrivals.push(t);
        }
    }
    arrivals.sort_unstable();
    let mut free: BinaryHeap<Reverse<u64>> = (0..CONSUMERS).map(|_| Reverse(0)).collect();
    let mut end = 0;
    for (j, &a) in arrivals.iter().enumerate() {
        let Reverse(f) = free.pop().expect("ten consumers");
        let done = a.max(f) + p.e[j];
        end = end.max(done);
        free.push(Reverse(done));
    }
    end
}

/// W4's model, in ms: 100 permits as a min-heap of free times; the `k`-th
/// acquisition takes the earliest and holds it `lat[k]`.
pub fn semaphore_model(lat: &[u64]) -> u64 {
    let mut free: BinaryHeap<Reverse<u64>> = (0..PERMITS).map(|_| Reverse(0)).collect();
    let mut end = 0;
    for &l in lat {
        let Reverse(s) = free.pop().expect("a hundred permits");
        end = end.max(s + l);
        free.push(Reverse(s + l));
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_draws_match_the_reference_values() {
        assert_eq!(
            spawn_sleep(8),
            [3201, 795, 3285, 4466, 1733, 1064, 6951, 9310]
        );
        let p = producer_consumer(500_000);
        assert_eq!(p.d[..8], [2, 6, 6, 7, 4, 5, 2, 1]);
        assert_eq!(p.e[..8], [9, 6, 4, 8, 1, 7, 9, 2]);
        assert_eq!(semaphore(8), [41, 45, 65, 46, 83, 44, 61, 10]);
    }

    #[test]
    fn models_match_the_reference_values() {
        assert_eq!(spawn_sleep_model(&spawn_sleep(100_000)), 9_999);
        assert_eq!(
            producer_consumer_model(&producer_consumer(500_000)),
            551_450
        );
        assert_eq!(semaphore_model(&semaphore(100_000)), 54_622);
    }
}
