//! Memory that must stay flat: a wheel under steady arm and cancel, a loop
//! of timeouts that finish in time, and a storm of wakes from other
//! threads. Measured through the public API, with a global allocator that
//! counts the bytes alive (the one piece of `unsafe` here: `GlobalAlloc`
//! cannot be implemented without it; looplet itself has none).
//!
//! Every test holds `SERIAL`, so no other test of this binary allocates
//! while one measures.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use looplet::time::wheel::Wheel;
use looplet::{Builder, sleep, spawn, timeout, yield_now};

/// Bytes allocated and not yet freed, by anyone in the process.
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The system allocator, counting into `LIVE`.
struct Counting;

// SAFETY: every call is forwarded unchanged to `System`; the counter is
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measuring test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Bytes alive now.
fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// A live timer on top of the due heap with an earlier deadline than the
/// ones armed and cancelled below it: their stale items used to stay until
/// it fired, 32 bytes per cancel.
#[test]
fn steady_arm_and_cancel_under_a_live_due_timer_keeps_memory_flat() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut wheel = Wheel::with_tick(1000);
    wheel.poll(1000); // tick 1 reached: deadlines in it go to the due heap
    let first = wheel.insert(1100, 0_u32);
    let round = |wheel: &mut Wheel<u32>| {
        let key = wheel.insert(1500, 1);
        assert_eq!(wheel.cancel(key), Some(1));
        assert!(wheel.poll(1050).is_none(), "nothing is due at 1050");
    };
    for _ in 0..1000 {
        round(&mut wheel);
    }
    let before = live();
    for _ in 0..20_000 {
        round(&mut wheel);
    }
    let grown = live() - before;
    assert!(grown < 4096, "20,000 arm/cancel rounds kept {grown} bytes");
    assert!(wheel.contains(first));
    assert_eq!(wheel.poll(1100).map(|fired| fired.value), Some(0));
    assert!(wheel.is_empty());
}

/// A loop of `timeout`s whose future finishes in time, while a sleeper's
/// timer waits in the due heap with an earlier deadline (the paused clock
/// never jumps, since the loop is always ready).
#[test]
fn a_loop_of_timeouts_that_finish_in_time_keeps_memory_flat() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = Builder::new().start_paused(true).build();
    let grown = rt.block_on(async {
        let sleeper = spawn(sleep(Duration::from_micros(100)));
        yield_now().await; // the sleeper arms its timer
        let round = || timeout(Duration::from_micros(500), yield_now());
        for _ in 0..1000 {
            round().await.expect("finishes in time");
        }
        let before = live();
        for _ in 0..20_000 {
            round().await.expect("finishes in time");
        }
        let grown = live() - before;
        sleeper.await.unwrap();
        grown
    });
    assert!(grown < 4096, "20,000 timeouts kept {grown} bytes");
}
