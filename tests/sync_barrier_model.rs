//! `Barrier` against a model: random wait / re-poll / drop / reset /
//! abort sequences on a barrier of 1 to 4 parties. The model follows
//! asyncio's phases (filling, draining, resetting, broken) with a count
//! of the tasks inside the cycle; the barrier's results, wakes (which
//! waiter, with which of its wakers), `n_waiting` and `is_broken` must
//! match. Nobody released twice, nobody left behind.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use looplet::sync::{Barrier, BarrierWait, BrokenBarrier};
use proptest::prelude::*;

mod common;

use common::Labelled;

#[derive(Debug, Clone)]
enum Op {
    Wait,
    Poll(usize),
    Drop(usize),
    Reset,
    Abort,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => Just(Op::Wait),
        6 => any::<usize>().prop_map(Op::Poll),
        2 => any::<usize>().prop_map(Op::Drop),
        1 => Just(Op::Reset),
        1 => Just(Op::Abort),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum W {
    /// Waiting for the next filling cycle.
    Queued {
        granted: bool,
    },
    /// Arrived with an index.
    Arrived {
        index: usize,
        granted: bool,
    },
    Gone,
}

struct Model {
    parties: usize,
    phase: Phase,
    count: usize,
    arrived: Vec<usize>,
    next: Vec<usize>,
    wakes: Vec<(usize, usize)>,
}

impl Model {
    fn grant_arrived(&mut self, w: &mut [W], polls: &[usize]) {
        for i in std::mem::take(&mut self.arrived) {
            if let W::Arrived { granted, .. } = &mut w[i] {
                *granted = true;
            }
            self.wakes.push((i, polls[i]));
        }
    }
    fn grant_next(&mut self, w: &mut [W], polls: &[usize]) {
        for i in std::mem::take(&mut self.next) {
            w[i] = W::Queued { granted: true };
            self.wakes.push((i, polls[i]));
        }
    }
    fn leave(&mut self, w: &mut [W], polls: &[usize]) {
        self.count -= 1;
        if self.count == 0 && matches!(self.phase, Phase::Draining | Phase::Resetting) {
            self.phase = Phase::Filling;
            self.grant_next(w, polls);
        }
    }
    /// A task arrives (first poll, or a queued one let in): its result.
    fn arrive(
        &mut self,
        i: usize,
        w: &mut [W],
        polls: &[usize],
    ) -> Option<Result<usize, BrokenBarrier>> {
        match self.phase {
            Phase::Broken => {
                w[i] = W::Gone;
                Some(Err(BrokenBarrier))
            }
            Phase::Draining | Phase::Resetting => {
                w[i] = W::Queued { granted: false };
                self.next.push(i);
                None
            }
            Phase::Filling => {
                let index = self.count;
                self.count += 1;
                if self.count == self.parties {
                    self.phase = Phase::Draining;
                    self.grant_arrived(w, polls);
                    self.leave(w, polls);
                    w[i] = W::Gone;
                    Some(Ok(index))
                } else {
                    w[i] = W::Arrived {
                        index,
                        granted: false,
                    };
                    self.arrived.push(i);
                    None
                }
            }
        }
    }
}

fn check(parties: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let barrier = Barrier::new(parties);
    let log: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let mut futs: Vec<Option<Pin<Box<BarrierWait<'_>>>>> = Vec::new();
    let mut w: Vec<W> = Vec::new();
    let mut polls: Vec<usize> = Vec::new();
    let mut m = Model {
        parties,
        phase: Phase::Filling,
        count: 0,
        arrived: Vec::new(),
        next: Vec::new(),
        wakes: Vec::new(),
    };

    for op in ops {
        match op {
            Op::Wait if futs.len() > 40 => {}
            Op::Wait | Op::Poll(_) => {
                let i = match op {
                    Op::Poll(_) if futs.is_empty() => continue,
                    Op::Poll(i) => i % futs.len(),
                    _ => {
                        futs.push(Some(Box::pin(barrier.wait())));
                        w.push(W::Gone);
                        polls.push(0);
                        futs.len() - 1
                    }
                };
                let Some(fut) = &mut futs[i] else { continue };
                let first = polls[i] == 0;
                polls[i] += 1;
                let waker = futures::task::waker(Arc::new(Labelled {
                    label: (i, polls[i]),
                    log: log.clone(),
                }));
                let got = fut.as_mut().poll(&mut Context::from_waker(&waker));
                let expected = if first {
                    m.arrive(i, &mut w, &polls)
                } else {
                    match w[i] {
                        W::Queued { granted: false } | W::Arrived { granted: false, .. } => None,
                        W::Queued { granted: true } => m.arrive(i, &mut w, &polls),
                        W::Arrived {
                            index,
                            granted: true,
                        } => {
                            let result = match m.phase {
                                Phase::Draining => Ok(index),
                                _ => Err(BrokenBarrier),
                            };
                            m.leave(&mut w, &polls);
                            w[i] = W::Gone;
                            Some(result)
                        }
                        W::Gone => unreachable!("a finished wait is not polled"),
                    }
                };
                match (got, expected) {
                    (Poll::Ready(r), Some(e)) => {
                        prop_assert_eq!(r, e);
                        futs[i] = None;
                    }
                    (Poll::Pending, None) => {}
                    (got, expected) => {
                        prop_assert!(false, "waiter {}: {:?}, model {:?}", i, got, expected)
                    }
                }
            }
            Op::Drop(_) if futs.is_empty() => {}
            Op::Drop(i) => {
                let i = i % futs.len();
                if futs[i].take().is_none() {
                    continue;
                }
                match w[i] {
                    W::Queued { granted: false } => m.next.retain(|&x| x != i),
                    W::Queued { granted: true } | W::Gone => {}
                    W::Arrived { granted, .. } => {
                        if !granted {
                            m.arrived.retain(|&x| x != i);
                        }
                        m.leave(&mut w, &polls);
                    }
                }
                w[i] = W::Gone;
            }
            Op::Reset => {
                barrier.reset();
                if m.count > 0 {
                    m.phase = Phase::Resetting;
                    m.grant_arrived(&mut w, &polls);
                } else {
                    m.phase = Phase::Filling;
                    m.grant_next(&mut w, &polls);
                }
            }
            Op::Abort => {
                barrier.abort();
                m.phase = Phase::Broken;
                m.grant_arrived(&mut w, &polls);
                m.grant_next(&mut w, &polls);
            }
        }
        prop_assert_eq!(&*log.lock().unwrap(), &m.wakes, "wakes, in order");
        let n_waiting = if m.phase == Phase::Filling {
            m.count
        } else {
            0
        };
        prop_assert_eq!(barrier.n_waiting(), n_waiting);
        prop_assert_eq!(barrier.is_broken(), m.phase == Phase::Broken);
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn barrier_matches_model(parties in 1usize..5, ops in prop::collection::vec(op(), 1..100)) {
        check(parties, ops)?;
    }
}
