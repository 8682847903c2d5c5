//! `Queue` against a model: random put / put_nowait / get / get_nowait /
//! re-poll / drop-a-waiter / task_done / shutdown sequences on a queue of
//! random maxsize. The model keeps the items, the two FIFO lines of
//! waiting ids and who was granted a turn; the queue's results, its wakes
//! (which waiter, with which of its wakers) and its counts must match:
//! nothing lost, nothing delivered twice, FIFO kept, no barging.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use looplet::sync::{GetError, PutError, Queue, QueueGet, QueuePut};
use proptest::prelude::*;

mod common;

use common::Labelled;

#[derive(Debug, Clone)]
enum Op {
    Put,
    PutNowait,
    Get,
    GetNowait,
    Poll(usize),
    Drop(usize),
    TaskDone,
    Shutdown(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Put),
        2 => Just(Op::PutNowait),
        4 => Just(Op::Get),
        2 => Just(Op::GetNowait),
        5 => any::<usize>().prop_map(Op::Poll),
        3 => any::<usize>().prop_map(Op::Drop),
        2 => Just(Op::TaskDone),
        1 => any::<bool>().prop_map(Op::Shutdown),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    Waiting,
    Granted,
    Gone,
}

enum Fut<'a> {
    Put(Pin<Box<QueuePut<'a, u32, looplet::sync::Fifo<u32>>>>),
    Get(Pin<Box<QueueGet<'a, u32, looplet::sync::Fifo<u32>>>>),
}

#[derive(Default)]
struct Model {
    maxsize: usize,
    items: VecDeque<u32>,
    getters: VecDeque<usize>,
    putters: VecDeque<usize>,
    granted_getters: usize,
    granted_putters: usize,
    unfinished: usize,
    shut_down: bool,
    wakes: Vec<(usize, usize)>,
}

impl Model {
    fn room(&self) -> bool {
        self.maxsize == 0
            || (self.putters.is_empty() && self.items.len() + self.granted_putters < self.maxsize)
    }
    fn free_items(&self) -> usize {
        self.items.len().saturating_sub(self.granted_getters)
    }
    /// The design's rule: freed items and places go to the oldest waiter.
    fn settle(&mut self, state: &mut [M], polls: &[usize]) {
        if !self.getters.is_empty() && self.items.len() > self.granted_getters {
            let g = self.getters.pop_front().unwrap();
            state[g] = M::Granted;
            self.granted_getters += 1;
            self.wakes.push((g, polls[g]));
        }
        if !self.putters.is_empty()
            && self.maxsize > 0
            && self.items.len() + self.granted_putters < self.maxsize
        {
            let p = self.putters.pop_front().unwrap();
            state[p] = M::Granted;
            self.granted_putters += 1;
            self.wakes.push((p, polls[p]));
        }
    }
    fn store(&mut self, v: u32) {
        self.items.push_back(v);
        self.unfinished += 1;
    }
}

fn check(maxsize: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let queue: Queue<u32> = Queue::new(maxsize);
    let log: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let mut m = Model {
        maxsize,
        ..Model::default()
    };
    let mut futs: Vec<Option<Fut<'_>>> = Vec::new();
    let mut state: Vec<M> = Vec::new();
    let mut polls: Vec<usize> = Vec::new();
    let mut values: Vec<u32> = Vec::new(); // a putter's item
    let mut taken = 0usize; // items got, not yet task_done'd
    let mut next = 0u32;

    for op in ops {
        match op {
            Op::Put | Op::Get if futs.len() > 40 => {}
            Op::Put | Op::Get => {
                let i = futs.len();
                let putter = matches!(op, Op::Put);
                let v = next;
                next += 1;
                values.push(v);
                polls.push(1);
                state.push(M::Gone);
                let waker = futures::task::waker(Arc::new(Labelled {
                    label: (i, 1),
                    log: log.clone(),
                }));
                let cx = &mut Context::from_waker(&waker);
                if putter {
                    let mut f = Box::pin(queue.put(v));
                    let got = f.as_mut().poll(cx);
                    if m.shut_down {
                        prop_assert_eq!(got, Poll::Ready(Err(PutError::ShutDown(v))));
                        futs.push(None);
                    } else if m.room() {
                        prop_assert_eq!(got, Poll::Ready(Ok(())));
                        m.store(v);
                        m.settle(&mut state, &polls);
                        futs.push(None);
                    } else {
                        prop_assert!(got.is_pending());
                        state[i] = M::Waiting;
                        m.putters.push_back(i);
                        futs.push(Some(Fut::Put(f)));
                    }
                } else {
                    let mut f = Box::pin(queue.get());
                    let got = f.as_mut().poll(cx);
                    if m.free_items() > 0 {
                        let v = m.items.pop_front().unwrap();
                        prop_assert_eq!(got, Poll::Ready(Ok(v)));
                        taken += 1;
                        m.settle(&mut state, &polls);
                        futs.push(None);
                    } else if m.shut_down {
                        prop_assert_eq!(got, Poll::Ready(Err(GetError::ShutDown)));
                        futs.push(None);
                    } else {
                        prop_assert!(got.is_pending());
                        state[i] = M::Waiting;
                        m.getters.push_back(i);
                        futs.push(Some(Fut::Get(f)));
                    }
                }
            }
            Op::PutNowait => {
                let v = next;
                next += 1;
                let got = queue.put_nowait(v);
                if m.shut_down {
                    prop_assert_eq!(got, Err(PutError::ShutDown(v)));
                } else if m.room() {
                    prop_assert_eq!(got, Ok(()));
                    m.store(v);
                    m.settle(&mut state, &polls);
                } else {
                    prop_assert_eq!(got, Err(PutError::Full(v)));
                }
            }
            Op::GetNowait => {
                let got = queue.get_nowait();
                if m.free_items() > 0 {
                    let v = m.items.pop_front().unwrap();
                    prop_assert_eq!(got, Ok(v));
                    taken += 1;
                    m.settle(&mut state, &polls);
                } else if m.shut_down {
                    prop_assert_eq!(got, Err(GetError::ShutDown));
                } else {
                    prop_assert_eq!(got, Err(GetError::Empty));
                }
            }
            Op::Poll(_) | Op::Drop(_) if futs.is_empty() => {}
            Op::Poll(i) => {
                let i = i % futs.len();
                let Some(f) = &mut futs[i] else { continue };
                polls[i] += 1;
                let waker = futures::task::waker(Arc::new(Labelled {
                    label: (i, polls[i]),
                    log: log.clone(),
                }));
                let cx = &mut Context::from_waker(&waker);
                match f {
                    Fut::Put(f) => {
                        let got = f.as_mut().poll(cx);
                        if state[i] == M::Granted {
                            m.granted_putters -= 1;
                            if m.shut_down {
                                prop_assert_eq!(
                                    got,
                                    Poll::Ready(Err(PutError::ShutDown(values[i])))
                                );
                            } else {
                                prop_assert_eq!(got, Poll::Ready(Ok(())));
                                m.store(values[i]);
                                m.settle(&mut state, &polls);
                            }
                            state[i] = M::Gone;
                            futs[i] = None;
                        } else {
                            prop_assert!(got.is_pending());
                        }
                    }
                    Fut::Get(f) => {
                        let got = f.as_mut().poll(cx);
                        if state[i] == M::Granted {
                            m.granted_getters -= 1;
                            if m.free_items() > 0 {
                                let v = m.items.pop_front().unwrap();
                                prop_assert_eq!(got, Poll::Ready(Ok(v)));
                                taken += 1;
                                m.settle(&mut state, &polls);
                            } else {
                                prop_assert!(m.shut_down);
                                prop_assert_eq!(got, Poll::Ready(Err(GetError::ShutDown)));
                            }
                            state[i] = M::Gone;
                            futs[i] = None;
                        } else {
                            prop_assert!(got.is_pending());
                        }
                    }
                }
            }
            Op::Drop(i) => {
                let i = i % futs.len();
                let Some(f) = futs[i].take() else { continue };
                let putter = matches!(f, Fut::Put(_));
                drop(f);
                match (state[i], putter) {
                    (M::Waiting, true) => m.putters.retain(|&w| w != i),
                    (M::Waiting, false) => m.getters.retain(|&w| w != i),
                    (M::Granted, true) => {
                        m.granted_putters -= 1;
                        m.settle(&mut state, &polls);
                    }
                    (M::Granted, false) => {
                        m.granted_getters -= 1;
                        m.settle(&mut state, &polls);
                    }
                    (M::Gone, _) => {}
                }
                state[i] = M::Gone;
            }
            Op::TaskDone if taken == 0 => {}
            Op::TaskDone => {
                queue.task_done();
                taken -= 1;
                m.unfinished -= 1;
            }
            Op::Shutdown(immediate) => {
                queue.shutdown(immediate);
                m.shut_down = true;
                if immediate {
                    let n = m.items.len();
                    m.items.clear();
                    m.unfinished = m.unfinished.saturating_sub(n);
                }
                while let Some(g) = m.getters.pop_front() {
                    state[g] = M::Granted;
                    m.granted_getters += 1;
                    m.wakes.push((g, polls[g]));
                }
                while let Some(p) = m.putters.pop_front() {
                    state[p] = M::Granted;
                    m.granted_putters += 1;
                    m.wakes.push((p, polls[p]));
                }
            }
        }
        prop_assert_eq!(&*log.lock().unwrap(), &m.wakes, "wakes, in order");
        prop_assert_eq!(queue.len(), m.items.len());
        prop_assert_eq!(
            format!("{queue:?}"),
            format!(
                "Queue {{ len: {}, maxsize: {maxsize}, unfinished: {}, getters: {}, putters: {}, shut_down: {} }}",
                m.items.len(),
                m.unfinished,
                m.getters.len(),
                m.putters.len(),
                m.shut_down
            )
        );
        // join is ready exactly when nothing is unfinished.
        let mut join = Box::pin(queue.join());
        let ready = join
            .as_mut()
            .poll(&mut Context::from_waker(std::task::Waker::noop()))
            .is_ready();
        prop_assert_eq!(ready, m.unfinished == 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn queue_matches_model(maxsize in 0usize..4, ops in prop::collection::vec(op(), 1..100)) {
        check(maxsize, ops)?;
    }
}
