//! `Semaphore` and `Mutex` against a model: random sequences of acquire,
//! try-acquire, re-poll, drop (of a waiter, a granted waiter or a holder),
//! release and yield. The model is a count of free permits, a FIFO of
//! waiting ids and the state of each id; the semaphore's wakes (which
//! waiter, with which of its wakers) and its counts must match exactly:
//! nothing lost, nothing granted twice, FIFO kept.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{Context, Poll};

use looplet::sync::{Mutex, MutexGuard, MutexLock, Semaphore, SemaphoreAcquire, SemaphorePermit};
use proptest::prelude::*;

mod common;

use common::Labelled;

/// What the model test needs of a primitive.
trait Primitive {
    type Fut<'a>: Future<Output = Self::Held<'a>>
    where
        Self: 'a;
    type Held<'a>
    where
        Self: 'a;
    fn acquire(&self) -> Self::Fut<'_>;
    fn try_acquire(&self) -> Option<Self::Held<'_>>;
    fn release(&self);
    fn available(&self) -> usize;
    fn waiters(&self) -> usize;
}

impl Primitive for Semaphore {
    type Fut<'a> = SemaphoreAcquire<'a>;
    type Held<'a> = SemaphorePermit<'a>;
    fn acquire(&self) -> SemaphoreAcquire<'_> {
        Semaphore::acquire(self)
    }
    fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        Semaphore::try_acquire(self)
    }
    fn release(&self) {
        Semaphore::release(self)
    }
    fn available(&self) -> usize {
        self.available_permits()
    }
    fn waiters(&self) -> usize {
        let debug = format!("{self:?}");
        let n = debug.rsplit("waiters: ").next().unwrap();
        n.trim_end_matches(" }").parse().unwrap()
    }
}

impl Primitive for Mutex<u64> {
    type Fut<'a> = MutexLock<'a, u64>;
    type Held<'a> = MutexGuard<'a, u64>;
    fn acquire(&self) -> MutexLock<'_, u64> {
        self.lock()
    }
    fn try_acquire(&self) -> Option<MutexGuard<'_, u64>> {
        self.try_lock()
    }
    fn release(&self) {
        unreachable!("a mutex is released by its guard")
    }
    fn available(&self) -> usize {
        usize::from(!self.is_locked())
    }
    fn waiters(&self) -> usize {
        let debug = format!("{self:?}");
        let n = debug.split("waiters: ").nth(1).unwrap();
        n.split(',').next().unwrap().parse().unwrap()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Acquire,
    TryAcquire,
    Poll(usize),
    Drop(usize),
    Release,
}

fn op(release: bool) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Acquire),
        1 => Just(Op::TryAcquire),
        4 => any::<usize>().prop_map(Op::Poll),
        3 => any::<usize>().prop_map(Op::Drop),
        if release { 1 } else { 0 } => Just(Op::Release),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Waiting,
    Granted,
    Holding,
    Gone,
}

/// An id's future, or what it resolved to.
enum Slot<'a, P: Primitive + 'a> {
    Waiting(Pin<Box<P::Fut<'a>>>),
    Holding(P::Held<'a>),
    Gone,
}

fn check<P: Primitive>(prim: &P, initial: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let log: Arc<StdMutex<Vec<(usize, usize)>>> = Arc::default();
    let mut slots: Vec<Slot<'_, P>> = Vec::new();
    let mut polls: Vec<usize> = Vec::new();
    let mut model: Vec<Model> = Vec::new();
    let mut available = initial;
    let mut queue: std::collections::VecDeque<usize> = Default::default();
    let mut expected: Vec<(usize, usize)> = Vec::new();

    // The model's release: to the oldest waiter, or to the count.
    let release = |available: &mut usize,
                   queue: &mut std::collections::VecDeque<usize>,
                   model: &mut Vec<Model>,
                   expected: &mut Vec<(usize, usize)>,
                   polls: &[usize]| {
        if let Some(w) = queue.pop_front() {
            model[w] = Model::Granted;
            expected.push((w, polls[w]));
        } else {
            *available += 1;
        }
    };

    for op in ops {
        match op {
            Op::Acquire | Op::TryAcquire if model.len() > 40 => {}
            Op::Acquire => {
                let i = slots.len();
                polls.push(1);
                let waker = futures::task::waker(Arc::new(Labelled {
                    label: (i, 1),
                    log: log.clone(),
                }));
                let mut fut = Box::pin(prim.acquire());
                match fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                    Poll::Ready(held) => {
                        prop_assert!(available > 0 && queue.is_empty(), "ready only when free");
                        available -= 1;
                        slots.push(Slot::Holding(held));
                        model.push(Model::Holding);
                    }
                    Poll::Pending => {
                        prop_assert!(available == 0 || !queue.is_empty(), "waits only when taken");
                        slots.push(Slot::Waiting(fut));
                        model.push(Model::Waiting);
                        queue.push_back(i);
                    }
                }
            }
            Op::TryAcquire => {
                let got = prim.try_acquire();
                let free = available > 0 && queue.is_empty();
                prop_assert_eq!(got.is_some(), free);
                polls.push(0);
                match got {
                    Some(held) => {
                        available -= 1;
                        slots.push(Slot::Holding(held));
                        model.push(Model::Holding);
                    }
                    None => {
                        slots.push(Slot::Gone);
                        model.push(Model::Gone);
                    }
                }
            }
            Op::Poll(_) | Op::Drop(_) if model.is_empty() => {}
            Op::Poll(i) => {
                let i = i % model.len();
                if let Slot::Waiting(fut) = &mut slots[i] {
                    polls[i] += 1;
                    let waker = futures::task::waker(Arc::new(Labelled {
                        label: (i, polls[i]),
                        log: log.clone(),
                    }));
                    match fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                        Poll::Ready(held) => {
                            prop_assert_eq!(model[i], Model::Granted, "ready only once granted");
                            slots[i] = Slot::Holding(held);
                            model[i] = Model::Holding;
                        }
                        Poll::Pending => prop_assert_eq!(model[i], Model::Waiting),
                    }
                }
            }
            Op::Drop(i) => {
                let i = i % model.len();
                slots[i] = Slot::Gone;
                match model[i] {
                    Model::Waiting => queue.retain(|&w| w != i),
                    Model::Granted | Model::Holding => release(
                        &mut available,
                        &mut queue,
                        &mut model,
                        &mut expected,
                        &polls,
                    ),
                    Model::Gone => {}
                }
                model[i] = Model::Gone;
            }
            Op::Release => {
                prim.release();
                release(
                    &mut available,
                    &mut queue,
                    &mut model,
                    &mut expected,
                    &polls,
                );
            }
        }
        prop_assert_eq!(&*log.lock().unwrap(), &expected, "wakes, in order");
        prop_assert_eq!(prim.available(), available);
        prop_assert_eq!(prim.waiters(), queue.len());
    }
    drop(slots);
    prop_assert_eq!(
        prim.available(),
        available
            + model
                .iter()
                .filter(|&&m| matches!(m, Model::Granted | Model::Holding))
                .count()
    );
    prop_assert_eq!(prim.waiters(), 0);
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn semaphore_matches_model(initial in 0usize..4, ops in prop::collection::vec(op(true), 1..80)) {
        check(&Semaphore::new(initial), initial, ops)?;
    }

    #[test]
    fn mutex_matches_model(ops in prop::collection::vec(op(false), 1..80)) {
        check(&Mutex::new(0u64), 1, ops)?;
    }
}
