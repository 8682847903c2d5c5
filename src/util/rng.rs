//! A small seeded random number generator (SplitMix64), written here so
//! that shuffled schedules need no dependency and give the same numbers
//! on every machine, platform and Rust version.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014) adds a fixed odd constant to a 64-bit state
//! and scrambles the result with two multiply-xorshift rounds. It passes
//! BigCrush, every seed (0 included) is a good one, and a step is a few
//! instructions: plenty for choosing the order of a batch of tasks. It is
//! not cryptographic, and need not be.
//!
//! # Invariants
//!
//! * The sequence depends on the seed alone: the same seed gives the same
//!   numbers, run after run.
//!
//! Read next: `task/table.rs` (`shuffle_front`, which uses it).

use std::cell::Cell;

/// The golden-ratio increment of SplitMix64.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// A seeded SplitMix64 generator, advanced through a shared reference.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    /// The state: the seed plus `GAMMA` times the numbers drawn so far.
    state: Cell<u64>,
}

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Rng {
            state: Cell::new(seed),
        }
    }

    /// The next number of the sequence.
    pub(crate) fn next_u64(&self) -> u64 {
        let state = self.state.get().wrapping_add(GAMMA);
        self.state.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by Lemire's multiply-and-shift: the
    /// high half of a 64×64-bit product. Its bias is below `n / 2^64`,
    /// far too small to matter for batches of tasks.
    pub(crate) fn below(&self, n: usize) -> usize {
        debug_assert!(n > 0, "`Rng::below(0)` has no number to give");
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_sequence_is_splitmix64() {
        // The first outputs of SplitMix64 for seed 0 and seed 1234567, as
        // published with the reference implementation.
        let rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        let rng = Rng::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (a, b) = (Rng::new(42), Rng::new(42));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn below_stays_in_range_and_reaches_every_value() {
        let rng = Rng::new(7);
        let mut seen = [0_u32; 5];
        for _ in 0..10_000 {
            seen[rng.below(5)] += 1;
        }
        // Each of the five values about 2,000 times.
        assert!(
            seen.iter().all(|&n| (1_800..2_200).contains(&n)),
            "{seen:?}"
        );
        assert_eq!(rng.below(1), 0);
    }
}
