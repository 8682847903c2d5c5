//! The "no allocation per operation on the uncontended path",
//! counted: a counting global allocator wraps the system one, and each
//! primitive's uncontended operations run many times after a warm-up
//! with the count checked unchanged.
//!
//! The count is per thread: the test harness's own threads allocate while
//! a test runs (a first version with one global count failed on a clean
//! clone because of them).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use looplet::sync::{Mutex, Queue, Semaphore};

/// Counts allocations, then lets the system allocator do them.
struct Counting;

thread_local! {
    /// Allocations made by this thread (const-initialized, no destructor:
    /// reading it never allocates).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Counts one allocation on this thread (ignored while the thread-local
/// is being torn down).
fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds
// `GlobalAlloc`'s contract; the counter is a plain thread-local add.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f`.
fn allocations(mut f: impl FnMut()) -> usize {
    let before = ALLOCATIONS.get();
    f();
    ALLOCATIONS.get() - before
}

/// Polls `future` once; it must be ready.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("uncontended: ready at once"),
    }
}

#[test]
fn uncontended_operations_do_not_allocate() {
    // The counter counts: one box is one allocation.
    assert_eq!(
        allocations(|| drop(std::hint::black_box(Box::new(1u64)))),
        1
    );
    let mutex = Mutex::new(0u64);
    let semaphore = Semaphore::new(2);
    let queue = Queue::new(64);
    let rounds = |f: &mut dyn FnMut()| {
        f(); // warm-up: buffers reach their size
        allocations(|| (0..1000).for_each(|_| f()))
    };
    assert_eq!(rounds(&mut || *ready(mutex.lock()) += 1), 0, "Mutex::lock");
    assert_eq!(rounds(&mut || drop(mutex.try_lock())), 0, "Mutex::try_lock");
    assert_eq!(
        rounds(&mut || drop(ready(semaphore.acquire()))),
        0,
        "Semaphore::acquire"
    );
    assert_eq!(
        rounds(&mut || drop(semaphore.try_acquire())),
        0,
        "Semaphore::try_acquire"
    );
    assert_eq!(
        rounds(&mut || {
            ready(queue.put(1)).unwrap();
            ready(queue.get()).unwrap();
            queue.task_done();
        }),
        0,
        "Queue::put + get + task_done"
    );
    assert_eq!(
        rounds(&mut || {
            queue.put_nowait(1).unwrap();
            queue.get_nowait().unwrap();
            queue.task_done();
        }),
        0,
        "Queue::put_nowait + get_nowait + task_done"
    );
}
