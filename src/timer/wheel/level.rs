//! The wheel's arithmetic: which level and slot a tick belongs to.
//!
//! Everything here is a pure function of two numbers, so it is tested
//! exhaustively at every level boundary (see the tests at the bottom) and
//! the rest of the wheel can trust it.
//!
//! A tick is written in base 64: digit 0 is bits 0..6, digit 1 is bits
//! 6..12, and so on. Level `L` has 64 slots, one per value of digit `L`.
//! A timer goes to the level of the highest digit where its tick differs
//! from the wheel's `elapsed` tick, into the slot named by its own digit
//! there.
//!
//! # Invariants
//!
//! For `when > elapsed` placed at level `L < LEVELS`: `when` and `elapsed`
//! agree on every digit above `L`, and `when`'s digit `L` is strictly
//! greater than `elapsed`'s. So every occupied slot of a level lies ahead
//! of the wheel's position on that level (no wrap-around), and every timer
//! on level `L` comes before every timer on level `L + 1`.
//!
//! Read next: `entry.rs`.

use crate::util::list::List;

/// Bits per digit: each level has `1 << SLOT_BITS` slots.
pub(crate) const SLOT_BITS: u32 = 6;

/// Slots per level.
pub(crate) const SLOTS: usize = 1 << SLOT_BITS;

/// Number of levels: 6 levels of 64 slots cover 2^36 ticks (about 2.2
/// years of 1 ms ticks).
pub(crate) const LEVELS: usize = 6;

/// Bits of tick covered by all the levels together.
pub(crate) const SPAN_BITS: u32 = SLOT_BITS * LEVELS as u32;

/// A position on the wheel's time line, counted in ticks.
///
/// # Examples
///
/// ```
/// use looplet::time::wheel::{Tick, Wheel};
///
/// let mut wheel = Wheel::<()>::with_tick(1000);
/// wheel.poll(2_500);
/// assert_eq!(wheel.elapsed(), Tick(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tick(pub u64);

/// The level for a timer due at `when` while the wheel stands at `elapsed`.
///
/// Returns [`LEVELS`] when `when` lies in a later 2^36-tick block than
/// `elapsed`: such a timer waits in the overflow list.
pub(crate) fn level_for(elapsed: Tick, when: Tick) -> usize {
    debug_assert!(
        when > elapsed,
        "level_for({when:?}) at or before elapsed {elapsed:?}"
    );
    // `| (SLOTS - 1)` makes level 0 the answer when only digit 0 differs.
    let differing = (elapsed.0 ^ when.0) | (SLOTS as u64 - 1);
    let highest_bit = u64::BITS - 1 - differing.leading_zeros();
    ((highest_bit / SLOT_BITS) as usize).min(LEVELS)
}

/// The slot of `when` on `level`: its digit there.
pub(crate) fn slot_for(when: Tick, level: usize) -> usize {
    ((when.0 >> (SLOT_BITS * level as u32)) as usize) & (SLOTS - 1)
}

/// The first tick of `slot` on `level`, in the block of that level that
/// contains `elapsed`.
pub(crate) fn slot_start(elapsed: Tick, level: usize, slot: usize) -> Tick {
    let level_span = SLOT_BITS * (level as u32 + 1);
    let block_start = (elapsed.0 >> level_span) << level_span;
    Tick(block_start + ((slot as u64) << (SLOT_BITS * level as u32)))
}

/// The first tick of the 2^36-tick block holding `tick`: where the wheel
/// must look at the overflow list again for a timer due at `tick`.
pub(crate) fn block_start(tick: Tick) -> Tick {
    Tick((tick.0 >> SPAN_BITS) << SPAN_BITS)
}

/// One level of the wheel.
///
/// # Invariants
///
/// Bit `s` of `occupied` is set exactly when `slots[s]` is non-empty.
pub(super) struct Level {
    /// One bit per non-empty slot.
    pub(super) occupied: u64,
    /// The timers of each slot, in insertion order.
    pub(super) slots: [List; SLOTS],
}

impl Default for Level {
    fn default() -> Self {
        Level {
            occupied: 0,
            slots: [const { List::new() }; SLOTS],
        }
    }
}

/// The next slot the wheel must visit.
#[derive(Debug, Clone, Copy)]
pub(super) struct NextSlot {
    /// The level, or `LEVELS` for the overflow list.
    pub(super) level: usize,
    /// The slot on that level (0 for the overflow list).
    pub(super) slot: usize,
    /// The tick at which the wheel must visit it.
    pub(super) start: Tick,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `64^level`: how many ticks one slot of `level` covers.
    fn slot_width(level: usize) -> u64 {
        1 << (SLOT_BITS * level as u32)
    }

    #[test]
    fn level_for_every_boundary_from_zero() {
        // From elapsed 0, level L covers ticks [64^L, 64^(L+1)).
        for level in 0..LEVELS {
            let first = if level == 0 { 1 } else { slot_width(level) };
            let last = slot_width(level + 1) - 1;
            for when in [first, first + 1, last - 1, last] {
                assert_eq!(level_for(Tick(0), Tick(when)), level, "when = {when}");
            }
        }
        assert_eq!(level_for(Tick(0), Tick(1 << SPAN_BITS)), LEVELS);
        assert_eq!(level_for(Tick(0), Tick(u64::MAX)), LEVELS);
    }

    #[test]
    fn level_for_sleeps_on_each_side_of_the_level_0_and_1_edges() {
        // 1, 63 ms: level 0; 64, 65, 4095 ms: level 1; 4096, 4097: level 2.
        let cases = [
            (1, 0),
            (63, 0),
            (64, 1),
            (65, 1),
            (4095, 1),
            (4096, 2),
            (4097, 2),
        ];
        for (when, level) in cases {
            assert_eq!(level_for(Tick(0), Tick(when)), level, "when = {when}");
        }
    }

    #[test]
    fn level_for_depends_on_the_differing_digit_not_the_distance() {
        // One tick apart, but across a level-1 boundary: level 1.
        assert_eq!(level_for(Tick(63), Tick(64)), 1);
        // One tick apart across a level-3 boundary: level 3.
        assert_eq!(level_for(Tick(64 * 64 * 64 - 1), Tick(64 * 64 * 64)), 3);
        // 63 ticks apart within one level-0 block: level 0.
        assert_eq!(level_for(Tick(64), Tick(127)), 0);
    }

    #[test]
    fn level_for_exhaustive_on_small_ticks() {
        // Brute force against the definition for every pair below 2^13.
        for elapsed in (0..1u64 << 13).step_by(7) {
            for when in elapsed + 1..(elapsed + 5000).min(1 << 13) {
                let expected = (0..=LEVELS)
                    .find(|&l| {
                        l == LEVELS
                            || (when >> (SLOT_BITS * (l as u32 + 1)))
                                == (elapsed >> (SLOT_BITS * (l as u32 + 1)))
                    })
                    .unwrap();
                assert_eq!(
                    level_for(Tick(elapsed), Tick(when)),
                    expected,
                    "{elapsed} -> {when}"
                );
            }
        }
    }

    #[test]
    fn slot_for_is_the_digit() {
        for level in 0..LEVELS {
            for slot in 0..SLOTS {
                let when = Tick(slot as u64 * slot_width(level) + (slot_width(level) - 1));
                assert_eq!(slot_for(when, level), slot, "level {level}, when {when:?}");
            }
        }
        assert_eq!(slot_for(Tick(4097), 0), 1);
        assert_eq!(slot_for(Tick(4097), 1), 0);
        assert_eq!(slot_for(Tick(4097), 2), 1);
    }

    #[test]
    fn slot_start_is_the_first_tick_of_the_slot() {
        for level in 0..LEVELS {
            for slot in 0..SLOTS {
                // Any elapsed inside the same level block gives the same start.
                let elapsed = Tick(3 * slot_width(level + 1) + 5);
                let start = slot_start(elapsed, level, slot);
                assert_eq!(slot_for(start, level), slot);
                assert_eq!(start.0 % slot_width(level), 0, "slot start is aligned");
                assert_eq!(start.0 >> (SLOT_BITS * (level as u32 + 1)), 3, "same block");
            }
        }
    }

    #[test]
    fn placed_timers_sit_ahead_of_the_wheel() {
        // The invariant the wheel relies on: the slot of a placed timer starts
        // after `elapsed` and no later than the timer itself.
        for elapsed in [0u64, 1, 63, 64, 4095, 4096, 262_143, 1 << 30] {
            for when in [
                elapsed + 1,
                elapsed + 63,
                elapsed + 64,
                elapsed + 4096,
                elapsed + 300_000,
            ] {
                let level = level_for(Tick(elapsed), Tick(when));
                let start = slot_start(Tick(elapsed), level, slot_for(Tick(when), level));
                assert!(start.0 > elapsed && start.0 <= when, "{elapsed} -> {when}");
            }
        }
    }

    #[test]
    fn block_start_boundaries() {
        assert_eq!(block_start(Tick(0)), Tick(0));
        assert_eq!(block_start(Tick((1 << SPAN_BITS) - 1)), Tick(0));
        assert_eq!(block_start(Tick(1 << SPAN_BITS)), Tick(1 << SPAN_BITS));
        assert_eq!(
            block_start(Tick((3 << SPAN_BITS) + 5)),
            Tick(3 << SPAN_BITS)
        );
        assert_eq!(
            block_start(Tick(u64::MAX)),
            Tick(u64::MAX >> SPAN_BITS << SPAN_BITS)
        );
    }
}
