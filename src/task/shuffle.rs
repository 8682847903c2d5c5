//! Shuffled schedules, on the table's side: each turn's batch polled in a
//! seeded random order (`Builder::shuffle`, `LOOPLET_SHUFFLE`).
//!
//! A turn begins with [`TaskTable::begin_turn`], which counts the batch
//! and, on a shuffled runtime, permutes exactly those entries at the front
//! of the run queue (a Fisher-Yates shuffle drawing from `util/rng.rs`).
//! Nothing else changes: the batch holds the same entries, each polled
//! once, and what is queued during the turn waits behind them, so every
//! guarantee of the loop but FIFO order still holds.
//!
//! # Invariants
//!
//! * A shuffle only reorders the first `batch` entries of the queue; the
//!   set of entries and everything behind them are untouched.
//! * The permutation depends on the seed and on the sequence of batch
//!   sizes alone: the same program, seed and clock give the same order.
//!
//! Read next: `table.rs`; `timer/driver.rs` shuffles equal deadlines.

use super::table::TaskTable;
use crate::util::rng::Rng;

/// A shuffled runtime's batch order.
#[derive(Debug)]
pub(crate) struct Shuffle {
    /// Draws the permutation of each batch.
    rng: Rng,
    /// A hash of every batch order so far: equal for two runs that polled
    /// the same slots in the same order, turn after turn.
    fingerprint: u64,
}

impl Shuffle {
    /// A batch order drawn from a generator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Box<Self> {
        Box::new(Shuffle {
            rng: Rng::new(seed),
            fingerprint: 0,
        })
    }
}

impl<S> TaskTable<S> {
    /// Begins a turn: returns how many entries are queued (the batch) and,
    /// on a shuffled runtime, permutes them first.
    #[inline]
    pub(crate) fn begin_turn(&mut self) -> usize {
        let batch = self.queue.len();
        if self.shuffle.is_some() {
            self.shuffle_batch(batch);
        }
        batch
    }

    /// Permutes the batch and folds its order into the fingerprint.
    #[cold]
    #[inline(never)]
    fn shuffle_batch(&mut self, batch: usize) {
        let Some(mut shuffle) = self.shuffle.take() else {
            return;
        };
        let order = self.shuffle_front(batch, &shuffle.rng);
        shuffle.fingerprint = shuffle
            .fingerprint
            .rotate_left(5)
            .wrapping_mul(0x0100_0000_01b3)
            ^ order;
        self.shuffle = Some(shuffle);
    }

    /// A hash of the order every turn polled its batch in, on a shuffled
    /// runtime: two runs with the same fingerprint ran the same schedule.
    pub(crate) fn fingerprint(&self) -> Option<u64> {
        self.shuffle.as_ref().map(|shuffle| shuffle.fingerprint)
    }

    /// Permutes the first `n` entries of the run queue (a turn's batch)
    /// uniformly at random, by a Fisher-Yates shuffle drawing from `rng`.
    /// Only order changes: the same entries stay in the batch, each once,
    /// and what is behind them stays behind them. Returns a fingerprint
    /// of the order it made (the keys in their new order, hashed), so a
    /// caller can count distinct schedules.
    pub(crate) fn shuffle_front(&mut self, n: usize, rng: &Rng) -> u64 {
        let n = n.min(self.queue.len());
        for i in (1..n).rev() {
            self.queue.swap(i, rng.below(i + 1));
        }
        self.queue
            .iter()
            .take(n)
            .fold(0xcbf2_9ce4_8422_2325, |hash, key| {
                (hash ^ key.index() as u64).wrapping_mul(0x0100_0000_01b3)
            })
    }
}
