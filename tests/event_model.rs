//! `Event` against a model: random set / clear / wait / re-poll / drop
//! sequences. The model is a flag, a FIFO of waiting ids, and the state of
//! each waiter; the wakes the event performs (which waiter, which of its
//! wakers) must match the model's exactly, in order.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use looplet::{Event, EventWait};
use proptest::prelude::*;

mod common;

use common::Labelled;

#[derive(Debug, Clone)]
enum Op {
    Wait,
    Poll(usize),
    Drop(usize),
    Set,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Wait),
        3 => any::<usize>().prop_map(Op::Poll),
        2 => any::<usize>().prop_map(Op::Drop),
        2 => Just(Op::Set),
        1 => Just(Op::Clear),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Waiting,
    Released,
    Done,
    Dropped,
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let event = Event::new();
    let log: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();

    let mut futures: Vec<Option<Pin<Box<EventWait<'_>>>>> = Vec::new();
    let mut polls: Vec<usize> = Vec::new(); // polls so far, per waiter: its waker's label
    let mut model: Vec<Model> = Vec::new();
    let mut flag = false;
    let mut queue: Vec<usize> = Vec::new();
    let mut expected_wakes: Vec<(usize, usize)> = Vec::new();

    let poll =
        |futures: &mut Vec<Option<Pin<Box<EventWait<'_>>>>>, polls: &mut Vec<usize>, i: usize| {
            polls[i] += 1;
            let waker = futures::task::waker(Arc::new(Labelled {
                label: (i, polls[i]),
                log: log.clone(),
            }));
            futures[i]
                .as_mut()
                .unwrap()
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
        };

    for op in ops {
        match op {
            Op::Wait => {
                let i = futures.len();
                futures.push(Some(Box::pin(event.wait())));
                polls.push(0);
                let got = poll(&mut futures, &mut polls, i);
                if flag {
                    prop_assert_eq!(got, Poll::Ready(()), "wait on a set event is ready at once");
                    model.push(Model::Done);
                } else {
                    prop_assert_eq!(got, Poll::Pending);
                    model.push(Model::Waiting);
                    queue.push(i);
                }
            }
            Op::Poll(i) | Op::Drop(i) if model.is_empty() => {
                let _ = i;
            }
            Op::Poll(i) => {
                let i = i % model.len();
                match model[i] {
                    Model::Waiting => {
                        prop_assert_eq!(poll(&mut futures, &mut polls, i), Poll::Pending)
                    }
                    Model::Released => {
                        prop_assert_eq!(poll(&mut futures, &mut polls, i), Poll::Ready(()));
                        model[i] = Model::Done;
                    }
                    Model::Done | Model::Dropped => {}
                }
            }
            Op::Drop(i) => {
                let i = i % model.len();
                futures[i] = None;
                if model[i] == Model::Waiting {
                    queue.retain(|&w| w != i);
                }
                model[i] = Model::Dropped;
            }
            Op::Set => {
                event.set();
                if !flag {
                    flag = true;
                    for w in queue.drain(..) {
                        expected_wakes.push((w, polls[w]));
                        model[w] = Model::Released;
                    }
                }
            }
            Op::Clear => {
                event.clear();
                flag = false;
            }
        }
        prop_assert_eq!(&*log.lock().unwrap(), &expected_wakes);
        prop_assert_eq!(event.is_set(), flag);
        prop_assert_eq!(
            format!("{event:?}"),
            format!("Event {{ set: {flag}, waiters: {} }}", queue.len())
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn event_matches_model(ops in prop::collection::vec(op(), 1..80)) {
        check(ops)?;
    }
}
