//! Warming a batch: reading a little of each item's memory in a tight loop
//! before the batch is worked through.
//!
//! A batch of timers or tasks names memory scattered over the heap: a
//! wheel entry, a table slot, a task's cell. Worked through one by one,
//! each item's first read misses the cache and the work behind it waits;
//! with a few hundred instructions between two items, the processor cannot
//! look far enough ahead to start the next miss early, so the misses come
//! one after another. A loop that only reads (a few instructions per item,
//! and no read depending on another) lets the processor start many misses
//! at once; the real pass then finds its memory in the cache.
//!
//! A batch is warmed [`WARM_CHUNK`] items at a time, just before they are
//! worked: warming a batch of 100,000 tasks in one go would push its first
//! items out of the cache before their turn came. Below [`WARM_FROM`] items
//! the memory is mostly in the cache already and the pass would only cost.
//!
//! Where a production runtime would issue prefetch instructions, safe Rust
//! has only ordinary reads: the pass costs a few instructions per item
//! even when the memory is warm, which is why small batches skip it.

/// The fewest items worth warming.
pub(crate) const WARM_FROM: usize = 16;

/// How many items one pass warms: their memory (a few cache lines each)
/// fits in the first-level cache with room to spare.
pub(crate) const WARM_CHUNK: usize = 64;

/// Calls `read` on the first [`WARM_CHUNK`] items, keeping what it reads
/// alive so the reads are not optimised away; nothing if there are fewer
/// than [`WARM_FROM`].
#[inline]
pub(crate) fn warm<I: ExactSizeIterator>(items: I, mut read: impl FnMut(I::Item) -> bool) {
    if items.len() < WARM_FROM {
        return;
    }
    let mut kept = 0_usize;
    for item in items.take(WARM_CHUNK) {
        kept += usize::from(read(item));
    }
    std::hint::black_box(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(items: usize) -> usize {
        let mut read = 0;
        warm(0..items, |_| {
            read += 1;
            true
        });
        read
    }

    #[test]
    fn a_small_batch_is_not_read_and_a_big_one_a_chunk_at_a_time() {
        assert_eq!(reads(WARM_FROM - 1), 0);
        assert_eq!(reads(WARM_FROM), WARM_FROM);
        assert_eq!(reads(WARM_CHUNK * 3), WARM_CHUNK);
    }
}
