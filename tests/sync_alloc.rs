//! The "no allocation per operation on the uncontended path",
//! counted: a counting global allocator wraps the system one, and each
//! primitive's uncontended operations run many times after a warm-up
//! with the count checked unchanged.
//!
//! One test in this binary, so no other test thread allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use looplet::sync::{Mutex, Queue, Semaphore};

/// Counts allocations, then lets the system allocator do them.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds
// `GlobalAlloc`'s contract; the counter is only an atomic add.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f`.
fn allocations(mut f: impl FnMut()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
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
