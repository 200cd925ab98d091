//! [`Shard`]: one machine's slice of a sweep's seeds.

use std::fmt;
use std::str::FromStr;

/// The `index`-th of `count` interleaved slices of a sweep's seeds: with
/// seeds `0..n`, shard `i/c` runs seeds `i, i + c, i + 2c, ...` below `n`.
/// The slices are disjoint and together cover every seed, so a CI matrix of
/// `c` machines runs a sweep `c` times faster.
///
/// Shards count from 0 (`0/4` to `3/4`), unlike `cargo nextest
/// --partition`, which counts from 1.
///
/// ```
/// use simloop::harness::Shard;
///
/// let shard: Shard = "1/3".parse().unwrap();
/// let mine: Vec<u64> = (0..10).filter(|&s| shard.contains(s)).collect();
/// assert_eq!(mine, vec![1, 4, 7]);
/// assert!("3/3".parse::<Shard>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// The whole sweep: shard `0/1`.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index/count`, if `index < count`.
    pub const fn new(index: u64, count: u64) -> Option<Shard> {
        if index < count {
            Some(Shard { index, count })
        } else {
            None
        }
    }

    /// This shard's number, from 0.
    pub const fn index(self) -> u64 {
        self.index
    }

    /// How many shards there are.
    pub const fn count(self) -> u64 {
        self.count
    }

    /// Whether `seed` (counted from the sweep's first seed) belongs to this
    /// shard.
    pub const fn contains(self, seed: u64) -> bool {
        seed % self.count == self.index
    }

    /// How many of the seeds `0..total` belong to this shard; 0 when the
    /// shard's index is `total` or more, a slice that would run nothing.
    ///
    /// ```
    /// use simloop::harness::Shard;
    ///
    /// assert_eq!(Shard::new(1, 3).unwrap().seeds_of(10), 3); // 1, 4, 7
    /// assert_eq!(Shard::new(500, 1000).unwrap().seeds_of(100), 0);
    /// ```
    pub const fn seeds_of(self, total: u64) -> u64 {
        if self.index >= total {
            0
        } else {
            (total - self.index - 1) / self.count + 1
        }
    }
}

impl Default for Shard {
    fn default() -> Shard {
        Shard::ALL
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a shard's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard {input:?}: {reason}; expected `I/N` with 0 <= I < N, e.g. `0/4`")]
pub struct ParseShardError {
    input: String,
    reason: &'static str,
}

impl ParseShardError {
    /// What is wrong with the text, without the text and the accepted forms.
    ///
    /// ```
    /// let err = "4/4".parse::<simloop::harness::Shard>().unwrap_err();
    /// assert!(err.reason().starts_with("I must be below N"));
    /// ```
    pub fn reason(&self) -> &str {
        self.reason
    }
}

impl FromStr for Shard {
    type Err = ParseShardError;

    fn from_str(s: &str) -> Result<Shard, ParseShardError> {
        let err = |reason| ParseShardError {
            input: s.to_owned(),
            reason,
        };
        let (index, count) = s.trim().split_once('/').ok_or(err("no `/`"))?;
        let index: u64 = index.trim().parse().map_err(|_| err("I is not a number"))?;
        let count: u64 = count.trim().parse().map_err(|_| err("N is not a number"))?;
        if count == 0 {
            return Err(err("N must be at least 1"));
        }
        Shard::new(index, count).ok_or(err(
            "I must be below N (shards count from 0, unlike nextest's --partition)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_seeds_into_disjoint_slices_that_cover_all() {
        for count in 1..6u64 {
            let shards: Vec<Shard> = (0..count).map(|i| Shard::new(i, count).unwrap()).collect();
            for seed in 0..50 {
                let owners = shards.iter().filter(|s| s.contains(seed)).count();
                assert_eq!(owners, 1, "seed {seed} with {count} shards");
            }
        }
    }

    #[test]
    fn text_form_round_trips_and_rejects_bad_input() {
        assert_eq!("2/5".parse::<Shard>().unwrap().to_string(), "2/5");
        assert_eq!(" 0 / 1 ".parse::<Shard>().unwrap(), Shard::ALL);
        for bad in ["", "1", "a/2", "1/b", "0/0", "2/2", "-1/2"] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains("I/N"), "{bad}: {e}");
        }
    }
}
