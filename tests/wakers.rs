//! Wakers: from other threads, after the runtime is gone, stale after slot
//! reuse; and parking without burning CPU.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{Probe, thread_cpu_time};
use looplet::{Builder, run, spawn, yield_now};

/// Runs `f` on a fresh thread and fails the test if it takes longer than
/// `limit` (a lost wakeup would otherwise hang the test forever).
fn with_watchdog<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .expect("runtime hung: a wakeup was lost")
}

#[test]
fn wakes_from_four_threads_all_arrive() {
    // Each of 4 threads hands its task 2,000 turns: it waits until the task
    // asks for the next wake, then wakes it. One lost wake hangs the chain.
    const THREADS: usize = 4;
    const ROUNDS: usize = 2000;
    let total = with_watchdog(Duration::from_secs(60), || {
        run(async {
            let mut handles = Vec::new();
            for _ in 0..THREADS {
                let (ask_tx, ask_rx) = mpsc::channel::<Waker>();
                let flag = Arc::new(AtomicBool::new(false));
                let remote_flag = flag.clone();
                thread::spawn(move || {
                    while let Ok(waker) = ask_rx.recv() {
                        remote_flag.store(true, Ordering::Release);
                        waker.wake();
                    }
                });
                let mut rounds = 0;
                let mut asked = false;
                handles.push(spawn(std::future::poll_fn(move |cx| {
                    if flag.swap(false, Ordering::Acquire) {
                        rounds += 1;
                        asked = false;
                    }
                    if rounds == ROUNDS {
                        return Poll::Ready(rounds);
                    }
                    if !asked {
                        asked = true;
                        ask_tx.send(cx.waker().clone()).unwrap();
                    }
                    Poll::Pending
                })));
            }
            let mut total = 0;
            for handle in handles {
                total += handle.await.unwrap();
            }
            total
        })
    });
    assert_eq!(total, THREADS * ROUNDS);
}

#[test]
fn a_burst_of_remote_wakes_is_seen() {
    // 4 threads wake the same task 5,000 times each with no handshake: wakes
    // coalesce, but the task must see the final count.
    const SENDERS: usize = 4;
    const WAKES: usize = 5000;
    let seen = with_watchdog(Duration::from_secs(60), || {
        run(async {
            let sent = Arc::new(AtomicUsize::new(0));
            let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let task = spawn({
                let sent = sent.clone();
                let waker_slot = waker_slot.clone();
                std::future::poll_fn(move |cx| {
                    *waker_slot.lock().unwrap() = Some(cx.waker().clone());
                    let n = sent.load(Ordering::Acquire);
                    if n == SENDERS * WAKES {
                        Poll::Ready(n)
                    } else {
                        Poll::Pending
                    }
                })
            });
            yield_now().await; // the task has registered its waker
            let waker = waker_slot.lock().unwrap().clone().unwrap();
            for _ in 0..SENDERS {
                let waker = waker.clone();
                let sent = sent.clone();
                thread::spawn(move || {
                    for _ in 0..WAKES {
                        sent.fetch_add(1, Ordering::AcqRel);
                        waker.wake_by_ref();
                    }
                });
            }
            task.await.unwrap()
        })
    });
    assert_eq!(seen, SENDERS * WAKES);
}

#[test]
fn a_wake_after_the_runtime_is_gone_is_harmless() {
    let probe = Probe::new();
    run({
        let probe = probe.clone();
        async move {
            drop(spawn(probe.future()));
            yield_now().await;
        }
    });
    let waker = probe.waker.borrow().clone().unwrap();
    // Same thread, no runtime running.
    waker.wake_by_ref();
    // Same thread, while another runtime runs.
    run(async {
        waker.wake_by_ref();
        yield_now().await;
    });
    // Another thread.
    thread::spawn(move || waker.wake()).join().unwrap();
    assert_eq!(probe.polls(), 1);
}

#[test]
fn a_stale_waker_does_not_wake_the_task_reusing_its_slot() {
    run(async {
        let old = Probe::new();
        let first = spawn(old.future());
        yield_now().await;
        first.cancel();
        drop(first); // frees the slot
        let new = Probe::new();
        let second = spawn(new.future()); // reuses the slot
        yield_now().await;
        assert_eq!(new.polls(), 1);
        old.wake(); // the old task's waker points at the same slot
        yield_now().await;
        yield_now().await;
        assert_eq!(new.polls(), 1, "a stale waker must not poll the new task");
        second.cancel();
    });
}

#[test]
// Returns a handle out of `block_on` on purpose: tasks outlive it.
#[allow(clippy::async_yields_async)]
fn a_waker_woken_on_the_same_thread_outside_block_on_is_queued_for_later() {
    let rt = Builder::new().build();
    let probe = Probe::new();
    let handle = rt.block_on({
        let probe = probe.clone();
        async move {
            let handle = spawn(probe.future());
            yield_now().await;
            handle
        }
    });
    assert_eq!(probe.polls(), 1);
    probe.ready.set(true);
    probe.wake(); // the runtime is not running: goes through the inbox
    rt.block_on(handle).unwrap();
    assert_eq!(probe.polls(), 2);
}

#[test]
fn idle_runtime_parks_instead_of_spinning() {
    // The only task waits one second for a wake from another thread. A busy
    // loop would burn the whole second; parking burns almost nothing.
    let (cpu, waited) = with_watchdog(Duration::from_secs(30), || {
        let start_cpu = thread_cpu_time();
        let start = Instant::now();
        run(async {
            let (tx, rx) = mpsc::channel::<Waker>();
            let woken = Arc::new(AtomicBool::new(false));
            let remote = woken.clone();
            thread::spawn(move || {
                let waker = rx.recv().unwrap();
                thread::sleep(Duration::from_secs(1));
                remote.store(true, Ordering::Release);
                waker.wake();
            });
            let mut sent = false;
            std::future::poll_fn(move |cx| {
                if woken.load(Ordering::Acquire) {
                    return Poll::Ready(());
                }
                if !sent {
                    sent = true;
                    tx.send(cx.waker().clone()).unwrap();
                }
                Poll::Pending
            })
            .await;
        });
        (thread_cpu_time() - start_cpu, start.elapsed())
    });
    assert!(waited >= Duration::from_secs(1));
    // Generous: the bar is "well under 1 ms"; a spinning loop
    // would use about 1000 ms.
    assert!(
        cpu < Duration::from_millis(50),
        "idle runtime used {cpu:?} of CPU"
    );
}

#[test]
fn a_self_waking_task_cannot_starve_timers_or_the_inbox() {
    // A task that yields forever is always ready. If the loop drained the
    // run queue until it was empty before it looked at timers and the
    // inbox, the sleep below would never fire and the wake from the other
    // thread would never arrive: both are checked between batches.
    let turns = with_watchdog(Duration::from_secs(30), || {
        run(async {
            let stop = std::rc::Rc::new(std::cell::Cell::new(0));
            let spinner = spawn({
                let stop = stop.clone();
                async move {
                    let mut turns = 0u64;
                    while stop.get() < 2 {
                        turns += 1;
                        yield_now().await;
                    }
                    turns
                }
            });
            let sleeper = spawn({
                let stop = stop.clone();
                async move {
                    looplet::sleep(Duration::from_millis(5)).await;
                    stop.set(stop.get() + 1);
                }
            });
            let remote = spawn({
                let stop = stop.clone();
                let mut sent = false;
                async move {
                    std::future::poll_fn(move |cx| {
                        if sent {
                            return Poll::Ready(());
                        }
                        sent = true;
                        let waker = cx.waker().clone();
                        thread::spawn(move || {
                            thread::sleep(Duration::from_millis(5));
                            waker.wake();
                        });
                        Poll::Pending
                    })
                    .await;
                    stop.set(stop.get() + 1);
                }
            });
            sleeper.await.unwrap();
            remote.await.unwrap();
            spinner.await.unwrap()
        })
    });
    assert!(turns > 0);
}

#[test]
fn a_freed_waker_is_reused_and_a_shared_one_is_not() {
    // Which allocation a task's waker points to, seen through
    // `Waker::data` (an address, never dereferenced).
    fn waker_address() -> impl std::future::Future<Output = usize> {
        std::future::poll_fn(|cx| Poll::Ready(cx.waker().data() as usize))
    }
    run(async {
        let first = spawn(waker_address()).await.unwrap();
        // The first task is gone and nobody kept its waker. Had the waker
        // been freed, the allocator would hand its memory to the next
        // allocation of that size: take it with a block of the waker's size
        // (40 bytes), so a fresh waker could not land at the same address.
        let decoy = Box::new([0u8; 40]);
        let second = spawn(waker_address()).await.unwrap();
        assert_eq!(first, second, "a freed, unshared waker is reused");
        drop(decoy);

        // A task whose waker somebody keeps: its allocation is not reused,
        // since the keeper must never wake a later task through it.
        let keeper = spawn(std::future::poll_fn(|cx| {
            Poll::Ready((cx.waker().data() as usize, cx.waker().clone()))
        }));
        let (kept_address, kept) = keeper.await.unwrap();
        let next = spawn(waker_address()).await.unwrap();
        assert_ne!(
            next, kept_address,
            "a waker still held elsewhere is not reused"
        );
        drop(kept);
    });
}

#[test]
fn tasks_that_finish_in_their_first_poll_share_one_waker_while_alive() {
    // Which allocation a task's waker points to (an address, never
    // dereferenced).
    fn waker_address() -> impl std::future::Future<Output = usize> {
        std::future::poll_fn(|cx| Poll::Ready(cx.waker().data() as usize))
    }
    run(async {
        // Three tasks alive at once, their handles kept: a task gets its
        // waker at its first poll, and hands it back as soon as it finishes
        // with nobody holding a clone, so the next task's first poll takes
        // the same one.
        let handles: Vec<_> = (0..3).map(|_| spawn(waker_address())).collect();
        let mut addresses = Vec::new();
        for handle in handles {
            addresses.push(handle.await.unwrap());
        }
        assert_eq!(addresses[0], addresses[1], "reused while alive");
        assert_eq!(addresses[1], addresses[2], "reused while alive");

        // A task that keeps a clone of its own waker past its end: the
        // next task gets another waker, and the clone, woken, wakes nobody.
        let (sender, receiver) = std::sync::mpsc::channel();
        let keeper = spawn(std::future::poll_fn(move |cx| {
            sender.send(cx.waker().clone()).unwrap();
            Poll::Ready(cx.waker().data() as usize)
        }));
        let next = spawn(waker_address());
        let kept_address = keeper.await.unwrap();
        let kept = receiver.recv().unwrap();
        let waiter = spawn(std::future::poll_fn({
            let mut first = true;
            move |_| {
                if std::mem::take(&mut first) {
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }
        }));
        looplet::yield_now().await;
        kept.wake();
        looplet::yield_now().await;
        assert_ne!(
            next.await.unwrap(),
            kept_address,
            "a kept waker is not reused"
        );
        assert!(
            !waiter.is_finished(),
            "a stale waker never wakes a later task"
        );
        waiter.cancel();
    });
}

#[test]
fn idle_runtime_waiting_for_a_timer_parks_instead_of_spinning() {
    // Nothing but a timer one second away: parking until its deadline
    // costs almost nothing; a loop that polled the clock would burn the
    // whole second.
    let (cpu, waited) = with_watchdog(Duration::from_secs(30), || {
        let start_cpu = thread_cpu_time();
        let start = Instant::now();
        run(async { looplet::sleep(Duration::from_secs(1)).await });
        (thread_cpu_time() - start_cpu, start.elapsed())
    });
    assert!(waited >= Duration::from_secs(1));
    // Generous, like the test above: the bar is "well under 1 ms".
    assert!(
        cpu < Duration::from_millis(50),
        "idle runtime used {cpu:?} of CPU"
    );
}
