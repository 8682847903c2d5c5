//! `Condition` against a model: random wait / notify(n) / notify_all /
//! re-poll / drop sequences. A waiter first takes the lock (only when it
//! is free), then waits; `notify` runs with the lock taken for the call.
//! The model keeps the notify line, the notified waiters, the lock's
//! holder and its FIFO line; the condition's wakes (which waiter, with
//! which of its wakers), who gets the lock and the counts must match:
//! no notification lost to a dropped waiter, none delivered twice, FIFO.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{Context, Poll};

use looplet::sync::{Condition, ConditionWait, MutexGuard};
use proptest::prelude::*;

mod common;

use common::Labelled;

#[derive(Debug, Clone)]
enum Op {
    Wait,
    Notify(usize),
    NotifyAll,
    Poll(usize),
    Drop(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Wait),
        2 => (0usize..3).prop_map(Op::Notify),
        1 => Just(Op::NotifyAll),
        5 => any::<usize>().prop_map(Op::Poll),
        3 => any::<usize>().prop_map(Op::Drop),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    /// In the notify line.
    Waiting,
    /// Notified, not yet polled.
    Notified,
    /// Polled after the notify: in the lock's line.
    Locking,
    /// Granted the lock, not yet polled.
    LockGranted,
    /// Holds the guard.
    Holding,
    Gone,
}

enum Slot<'a> {
    Waiting(Pin<Box<ConditionWait<'a, u8>>>),
    Holding(#[allow(dead_code)] MutexGuard<'a, u8>),
    Gone,
}

#[derive(Default)]
struct Model {
    line: VecDeque<usize>,
    lock_line: VecDeque<usize>,
    locked: bool,
    wakes: Vec<(usize, usize)>,
}

impl Model {
    /// The lock is released: to the oldest in its line, or free.
    fn unlock(&mut self, state: &mut [M], polls: &[usize]) {
        if let Some(next) = self.lock_line.pop_front() {
            state[next] = M::LockGranted;
            self.wakes.push((next, polls[next]));
        } else {
            self.locked = false;
        }
    }
    /// Grants up to `n` of the notify line.
    fn notify(&mut self, n: usize, state: &mut [M], polls: &[usize]) {
        for _ in 0..n {
            let Some(w) = self.line.pop_front() else {
                break;
            };
            state[w] = M::Notified;
            // A waiter never polled has only the no-op waker `wait` gave it.
            if polls[w] > 0 {
                self.wakes.push((w, polls[w]));
            }
        }
    }
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let cond = Condition::new(0u8);
    let log: Arc<StdMutex<Vec<(usize, usize)>>> = Arc::default();
    let mut slots: Vec<Slot<'_>> = Vec::new();
    let mut state: Vec<M> = Vec::new();
    let mut polls: Vec<usize> = Vec::new();
    let mut m = Model::default();

    for op in ops {
        match op {
            Op::Wait if slots.len() > 40 => {}
            Op::Wait => {
                // Takes the lock first: only possible when it is free.
                let Some(guard) = cond.inner_try_lock() else {
                    prop_assert!(m.locked || !m.lock_line.is_empty());
                    continue;
                };
                prop_assert!(!m.locked && m.lock_line.is_empty());
                let i = slots.len();
                slots.push(Slot::Waiting(Box::pin(cond.wait(guard))));
                state.push(M::Waiting);
                polls.push(0);
                m.line.push_back(i);
            }
            Op::Notify(_) | Op::NotifyAll => {
                let Some(guard) = cond.inner_try_lock() else {
                    continue;
                };
                let n = match op {
                    Op::Notify(n) => n,
                    _ => usize::MAX,
                };
                if n == usize::MAX {
                    cond.notify_all();
                } else {
                    cond.notify(n);
                }
                m.notify(n, &mut state, &polls);
                drop(guard);
            }
            Op::Poll(_) | Op::Drop(_) if slots.is_empty() => {}
            Op::Poll(i) => {
                let i = i % slots.len();
                let Slot::Waiting(fut) = &mut slots[i] else {
                    continue;
                };
                polls[i] += 1;
                let waker = futures::task::waker(Arc::new(Labelled {
                    label: (i, polls[i]),
                    log: log.clone(),
                }));
                let got = fut.as_mut().poll(&mut Context::from_waker(&waker));
                let expect_ready = match state[i] {
                    M::Waiting | M::Locking => false,
                    M::Notified => {
                        // Queues for the lock like anyone.
                        if !m.locked && m.lock_line.is_empty() {
                            m.locked = true;
                            true
                        } else {
                            m.lock_line.push_back(i);
                            state[i] = M::Locking;
                            false
                        }
                    }
                    M::LockGranted => true,
                    M::Holding | M::Gone => unreachable!("not a waiting slot"),
                };
                match got {
                    Poll::Ready(guard) => {
                        prop_assert!(expect_ready, "waiter {} ready in state {:?}", i, state[i]);
                        slots[i] = Slot::Holding(guard);
                        state[i] = M::Holding;
                    }
                    Poll::Pending => prop_assert!(!expect_ready, "waiter {} pending", i),
                }
            }
            Op::Drop(i) => {
                let i = i % slots.len();
                slots[i] = Slot::Gone;
                match state[i] {
                    M::Waiting => m.line.retain(|&w| w != i),
                    M::Notified => m.notify(1, &mut state, &polls), // passed on
                    M::Locking => m.lock_line.retain(|&w| w != i),
                    M::LockGranted | M::Holding => m.unlock(&mut state, &polls),
                    M::Gone => {}
                }
                state[i] = M::Gone;
            }
        }
        prop_assert_eq!(&*log.lock().unwrap(), &m.wakes, "wakes, in order");
        prop_assert_eq!(cond.is_locked(), m.locked);
        prop_assert_eq!(
            format!("{cond:?}"),
            format!(
                "Condition {{ locked: {}, waiters: {} }}",
                m.locked,
                m.line.len()
            )
        );
    }
    Ok(())
}

/// `try_lock` on the condition's mutex, through `lock` polled once.
trait TryLock {
    fn inner_try_lock(&self) -> Option<MutexGuard<'_, u8>>;
}

impl TryLock for Condition<u8> {
    fn inner_try_lock(&self) -> Option<MutexGuard<'_, u8>> {
        let mut lock = Box::pin(self.lock());
        match lock
            .as_mut()
            .poll(&mut Context::from_waker(std::task::Waker::noop()))
        {
            Poll::Ready(guard) => Some(guard),
            Poll::Pending => None, // dropped: leaves the line at once
        }
    }
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn condition_matches_model(ops in prop::collection::vec(op(), 1..100)) {
        check(ops)?;
    }
}
