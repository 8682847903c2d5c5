//! The task table on its own, edge by edge of the state diagram in
//! `mod.rs`: no runtime, no thread-local, and a [`Schedule`] that only
//! records the wakes it is given.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_task::{ArcWake, waker, waker_ref};

use super::state::State;
use super::*;
use crate::util::panic;

/// A `Schedule` that records every wake.
#[derive(Default)]
struct Recorder(Mutex<Vec<(TaskKey, TaskId)>>);

impl Schedule for Recorder {
    fn schedule(waker: &Arc<TaskWaker<Self>>) {
        let recorder = waker.schedule();
        recorder.0.lock().unwrap().push((waker.key(), waker.id()));
    }
}

#[test]
fn a_waker_enters_the_inbox_once_until_it_leaves_and_reuse_clears_it() {
    let recorder = Arc::new(Recorder::default());
    let mut waker = Arc::new(TaskWaker::new(recorder, TaskKey::new(3), TaskId(7)));
    assert!(waker.enter_inbox(), "the first remote wake posts");
    assert!(!waker.enter_inbox(), "later ones fold into that post");
    assert_eq!(waker.leave_inbox(), (TaskKey::new(3), TaskId(7)));
    assert!(!waker.is_in_inbox());
    assert!(waker.enter_inbox(), "taken out: the next wake posts again");
    Arc::get_mut(&mut waker)
        .expect("unshared")
        .reuse(TaskKey::new(4), TaskId(8));
    assert!(
        !waker.is_in_inbox(),
        "a reused waker starts out of the inbox"
    );
}

/// A waker that counts its wakes, to stand for a join handle's owner.
#[derive(Default)]
struct Counter(AtomicUsize);

impl ArcWake for Counter {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A waker standing for a handle's owner.
fn handle() -> Arc<Counter> {
    Arc::new(Counter::default())
}

fn table() -> TaskTable<Recorder> {
    TaskTable::new(Arc::new(Recorder::default()), None)
}

fn cell<F>(future: F) -> Option<BoxTask>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Some(Box::pin(TaskCell::new(future)))
}

/// Polls a task taken out by `begin_poll` once, as the executor would.
fn poll(polling: &mut Polling<Recorder>) -> PollResult {
    let waker = waker_ref(&polling.waker);
    let task = polling.task.as_mut().expect("a spawned task has a cell");
    match task.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(()) => PollResult::Ready,
        Poll::Pending => PollResult::Pending,
    }
}

fn begin(table: &mut TaskTable<Recorder>) -> Polling<Recorder> {
    match table.begin_poll() {
        Begin::Poll(polling) => polling,
        Begin::Empty => panic!("the queue is empty"),
        Begin::Skip(_) => panic!("the front task was cancelled"),
    }
}

#[test]
fn edge_1_spawn_queues_in_spawn_order() {
    let mut table = table();
    let keys: Vec<_> = (1..=3)
        .map(|i| table.spawn(TaskId(i), cell(async {})))
        .collect();
    assert_eq!(table.queued(), 3);
    assert_eq!(table.len(), 3);
    for (i, key) in keys.into_iter().enumerate() {
        assert_eq!(table.state(key), State::Scheduled);
        let polling = begin(&mut table);
        assert_eq!((polling.key, polling.id), (key, TaskId(i as u64 + 1)));
    }
}

#[test]
fn edge_2_begin_poll_lends_the_cell_and_the_waker() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(async {}));
    let polling = begin(&mut table);
    assert!(polling.task.is_some());
    assert_eq!(
        table.state(key),
        State::Running {
            woken: false,
            cancelled: false
        }
    );
    assert!(matches!(table.begin_poll(), Begin::Empty));
}

#[test]
fn edge_3_pending_goes_idle() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let mut polling = begin(&mut table);
    let result = poll(&mut polling);
    let ended = table.end_poll(polling, result);
    assert_eq!(ended.after, AfterPoll::Idle);
    assert!(ended.leftovers.is_none());
    assert_eq!(table.state(key), State::Idle);
    assert_eq!(table.queued(), 0);
}

#[test]
fn edge_4_wake_queues_an_idle_task_once() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let polling = begin(&mut table);
    let _ = table.end_poll(polling, PollResult::Pending);
    assert_eq!(table.wake(key, TaskId(1)), WakeResult::Queued);
    assert_eq!(table.wake(key, TaskId(1)), WakeResult::Duplicate);
    assert_eq!(table.queued(), 1);
    assert_eq!(table.state(key), State::Scheduled);
}

#[test]
fn edge_5_a_task_woken_while_running_goes_to_the_back_after_its_poll() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let other = table.spawn(TaskId(2), cell(std::future::pending::<()>()));
    let polling = begin(&mut table);
    assert_eq!(table.wake(key, TaskId(1)), WakeResult::Deferred);
    assert_eq!(table.wake(key, TaskId(1)), WakeResult::Duplicate);
    let ended = table.end_poll(polling, PollResult::Pending);
    assert_eq!(ended.after, AfterPoll::Requeued);
    assert_eq!(table.queued(), 2);
    assert_eq!(
        begin(&mut table).key,
        other,
        "behind the task already queued"
    );
}

#[test]
fn edge_6_ready_completes_keeps_the_output_and_wakes_the_handle() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(async { 42_u32 }));
    let handle = Arc::new(Counter::default());
    let handle_waker = waker(handle.clone());
    assert_eq!(table.join_poll(key, &handle_waker), JoinPoll::NeedsWaker);
    assert!(matches!(
        table.set_join_waker(key, Wake::of(&handle_waker)),
        Ok(None)
    ));
    assert_eq!(table.join_poll(key, &handle_waker), JoinPoll::Pending);
    let mut polling = begin(&mut table);
    assert_eq!(
        table.join_poll(key, &handle_waker),
        JoinPoll::OwnTask,
        "a handle that finds its task RUNNING is polled by that task"
    );
    let result = poll(&mut polling);
    let ended = table.end_poll(polling, result);
    assert_eq!(ended.after, AfterPoll::Completed { freed: false });
    ended.leftovers.expect("the handle to wake").finish();
    assert_eq!(handle.0.load(Ordering::Relaxed), 1, "the handle was woken");
    assert_eq!(
        table.join_poll(key, &handle_waker),
        JoinPoll::Ready(Outcome::Completed)
    );
    let Ok((id, outcome, Some(mut cell))) = table.take_result(key, &handle_waker) else {
        panic!("the output waits in the cell");
    };
    assert_eq!((id, outcome), (TaskId(1), Outcome::Completed));
    assert_eq!(take_output::<u32>(cell.as_mut()), Some(42));
    assert!(table.detach(key).is_some(), "edge 9: the slot is freed");
    assert_eq!(table.len(), 0);
}

#[test]
fn edge_7_a_panic_keeps_its_payload_for_the_handle() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let mut polling = begin(&mut table);
    let task = polling.task.as_mut().unwrap();
    task.as_mut().fail(Box::new("boom"));
    let ended = table.end_poll(polling, PollResult::Panicked);
    assert_eq!(ended.after, AfterPoll::Panicked);
    assert_eq!(table.outcome(key), Some(Outcome::Panicked));
    let Ok((_, Outcome::Panicked, Some(mut cell))) = table.take_result(key, &waker(handle()))
    else {
        panic!("the payload waits in the cell");
    };
    let payload = cell.as_mut().take_panic().unwrap();
    assert_eq!(panic::message(&*payload), Some("boom"));
}

#[test]
fn edge_8_cancel_from_every_state() {
    let mut table = table();
    // SCHEDULED: cancelled now; the queue entry is skipped later.
    let scheduled = table.spawn(TaskId(1), cell(async {}));
    let (cancel, leftovers) = table.cancel(scheduled);
    assert_eq!(cancel, Cancel::Now);
    assert!(!leftovers.is_empty(), "the future is handed back to drop");
    assert!(matches!(table.begin_poll(), Begin::Skip(_)));
    // IDLE: cancelled now.
    let idle = table.spawn(TaskId(2), cell(std::future::pending::<()>()));
    let polling = begin(&mut table);
    let _ = table.end_poll(polling, PollResult::Pending);
    assert_eq!(table.cancel(idle).0, Cancel::Now);
    assert_eq!(table.outcome(idle), Some(Outcome::Cancelled));
    // RUNNING: cancelled after its poll, even if the poll finished it.
    let running = table.spawn(TaskId(3), cell(async { 7 }));
    let mut polling = begin(&mut table);
    assert_eq!(table.cancel(running).0, Cancel::AfterPoll);
    let result = poll(&mut polling);
    assert_eq!(result, PollResult::Ready);
    let ended = table.end_poll(polling, result);
    assert_eq!(ended.after, AfterPoll::Cancelled);
    assert!(ended.leftovers.is_some(), "its output is dropped");
    assert_eq!(table.outcome(running), Some(Outcome::Cancelled));
    // DONE: nothing to do.
    assert_eq!(table.cancel(running).0, Cancel::Finished);
}

#[test]
fn edge_8_cancel_all_cancels_what_waits_and_frees_what_nobody_holds() {
    let mut table = table();
    // Idle, handle kept.
    let idle = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let polling = begin(&mut table);
    let _ = table.end_poll(polling, PollResult::Pending);
    // Cancelled while queued, handle dropped: its slot waits for the queue.
    let orphan = table.spawn(TaskId(2), cell(async {}));
    let _ = table.cancel(orphan);
    assert!(table.detach(orphan).is_none());
    let (cancelled, leftovers) = table.cancel_all();
    assert_eq!(cancelled, 1, "only task 1 was still waiting");
    assert_eq!(leftovers.len(), 2, "task 1's future, task 2's freed slot");
    assert_eq!(table.outcome(idle), Some(Outcome::Cancelled));
    assert_eq!(table.queued(), 0);
    assert_eq!(
        table.len(),
        1,
        "only task 1, whose handle is alive, keeps a slot"
    );
}

#[test]
fn edge_9_a_detached_task_frees_its_slot_when_it_finishes() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(async {}));
    assert!(table.detach(key).is_none(), "a live task keeps its slot");
    assert!(table.has(key, TaskId(1)));
    let mut polling = begin(&mut table);
    let result = poll(&mut polling);
    let ended = table.end_poll(polling, result);
    assert_eq!(ended.after, AfterPoll::Completed { freed: true });
    assert!(!table.has(key, TaskId(1)));
    assert_eq!(table.len(), 0);
}

#[test]
fn a_slot_stays_while_its_key_is_in_the_queue() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(async {}));
    let _ = table.cancel(key);
    assert!(table.detach(key).is_none(), "still in the queue");
    assert!(matches!(table.begin_poll(), Begin::Skip(_)));
    assert_eq!(table.len(), 0, "freed when the queue reached it");
}

#[test]
fn a_stale_wake_is_ignored_even_when_the_slot_is_reused() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(async {}));
    let _ = table.detach(key);
    let polling = begin(&mut table);
    let _ = table.end_poll(polling, PollResult::Ready);
    let reused = table.spawn(TaskId(2), cell(std::future::pending::<()>()));
    assert_eq!(reused, key, "the slab reuses the freed slot");
    let polling = begin(&mut table);
    let _ = table.end_poll(polling, PollResult::Pending);
    assert_eq!(table.wake(key, TaskId(1)), WakeResult::Stale);
    assert_eq!(table.state(reused), State::Idle);
}

#[test]
fn the_waker_hands_key_and_id_to_schedule() {
    let recorder = Arc::new(Recorder::default());
    let mut table = TaskTable::new(recorder.clone(), None);
    let key = table.spawn(TaskId(7), cell(async {}));
    let polling = begin(&mut table);
    let waker: Waker = waker_ref(&polling.waker).clone();
    waker.wake_by_ref();
    assert_eq!(*recorder.0.lock().unwrap(), [(key, TaskId(7))]);
    drop(waker);
    let _ = table.end_poll(polling, PollResult::Pending);
}

#[test]
fn a_finished_tasks_unshared_waker_serves_the_next_first_poll() {
    let recorder = Arc::new(Recorder::default());
    let mut table = TaskTable::new(recorder.clone(), None);
    // Task 1 finishes in its first poll; its handle still holds the slot.
    let first_key = table.spawn(TaskId(1), cell(async {}));
    let polling = begin(&mut table);
    let first = Arc::as_ptr(&polling.waker);
    let _ = table.end_poll(polling, PollResult::Ready);
    assert_eq!(table.spare_wakers(), 1, "back at once, not when freed");
    // A spawn takes no waker; the first poll of task 2 takes the spare.
    let second_key = table.spawn(TaskId(2), cell(std::future::pending::<()>()));
    assert_ne!(second_key, first_key, "task 1's handle keeps its slot");
    assert_eq!(table.spare_wakers(), 1);
    let polling = begin(&mut table);
    assert_eq!(Arc::as_ptr(&polling.waker), first, "reused");
    assert_eq!(table.spare_wakers(), 0);
    // Reused, it wakes task 2 and only task 2.
    let reused: Waker = waker_ref(&polling.waker).clone();
    let _ = table.end_poll(polling, PollResult::Pending);
    reused.wake();
    assert_eq!(*recorder.0.lock().unwrap(), [(second_key, TaskId(2))]);
}

#[test]
fn a_waker_kept_by_someone_is_never_reused_and_its_wakes_are_stale() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(async {}));
    let _ = table.detach(key);
    let polling = begin(&mut table);
    let kept: Waker = waker_ref(&polling.waker).clone();
    let old = Arc::as_ptr(&polling.waker);
    let _ = table.end_poll(polling, PollResult::Ready);
    // Kept as a spare: whether someone holds it is asked at reuse.
    assert_eq!(table.spare_wakers(), 1);
    // Task 2 reuses the slot, and gets a waker of its own; the shared spare
    // is passed over and let go, left to the clone.
    let reused = table.spawn(TaskId(2), cell(std::future::pending::<()>()));
    assert_eq!(reused, key, "the slab reuses the freed slot");
    let polling = begin(&mut table);
    assert_ne!(Arc::as_ptr(&polling.waker), old, "a new waker");
    assert_eq!(table.spare_wakers(), 0, "the shared spare is gone");
    let _ = table.end_poll(polling, PollResult::Pending);
    // The old clone still names task 1: the table finds it stale.
    assert_eq!(table.wake(key, TaskId(1)), WakeResult::Stale);
    assert_eq!(table.state(reused), State::Idle);
    drop(kept);
}

#[test]
fn a_task_cancelled_while_idle_gives_its_waker_back_when_freed() {
    let mut table = table();
    let key = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let polling = begin(&mut table);
    let kept: Waker = waker_ref(&polling.waker).clone();
    let _ = table.end_poll(polling, PollResult::Pending);
    assert_eq!(
        table.spare_wakers(),
        0,
        "an idle task keeps a waker someone holds"
    );
    let _ = table.cancel(key);
    assert!(table.detach(key).is_some(), "freed");
    assert_eq!(table.spare_wakers(), 1);
    drop(kept);
}

#[test]
fn a_task_keeps_a_waker_only_while_someone_else_holds_it() {
    let recorder = Arc::new(Recorder::default());
    let mut table = TaskTable::new(recorder.clone(), None);
    let first = table.spawn(TaskId(1), cell(std::future::pending::<()>()));
    let second = table.spawn(TaskId(2), cell(std::future::pending::<()>()));
    // Task 1's poll keeps no clone: its waker comes back as the loose one,
    // and task 2's poll borrows that same waker, pointed at task 2.
    let polling = begin(&mut table);
    let lent = Arc::as_ptr(&polling.waker);
    let _ = table.end_poll(polling, PollResult::Pending);
    assert!(table.loose_waker.is_some() && table.spare_wakers() == 0);
    let polling = begin(&mut table);
    assert_eq!(Arc::as_ptr(&polling.waker), lent, "the loose waker again");
    assert!(table.loose_waker.is_none());
    // Task 2 keeps a clone: the task keeps that waker, and the next poll
    // of task 1 gets a new one.
    let kept: Waker = waker_ref(&polling.waker).clone();
    let _ = table.end_poll(polling, PollResult::Pending);
    assert!(table.loose_waker.is_none());
    assert_eq!(table.wake(first, TaskId(1)), WakeResult::Queued);
    let polling = begin(&mut table);
    assert_ne!(
        Arc::as_ptr(&polling.waker),
        lent,
        "task 2 holds the old one"
    );
    let _ = table.end_poll(polling, PollResult::Pending);
    // The clone kept by task 2 wakes task 2, not task 1.
    kept.wake();
    assert_eq!(*recorder.0.lock().unwrap(), [(second, TaskId(2))]);
}

#[test]
fn a_shuffled_turn_permutes_only_its_batch() {
    for seed in 0..50 {
        let mut table = TaskTable::new(Arc::new(Recorder::default()), Some(seed));
        for i in 1..=6 {
            table.spawn(TaskId(i), cell(async {}));
        }
        // Pretend the last two were queued during the turn: a batch of 4.
        let before: Vec<_> = table.queue.iter().collect();
        let batch = 4;
        table.shuffle_front(batch, &crate::util::rng::Rng::new(seed));
        let after: Vec<_> = table.queue.iter().collect();
        let (mut front, mut expected) = (after[..batch].to_vec(), before[..batch].to_vec());
        front.sort_by_key(|key| key.index());
        expected.sort_by_key(|key| key.index());
        assert_eq!(front, expected, "seed {seed}: the batch keeps its entries");
        assert_eq!(
            after[batch..],
            before[batch..],
            "seed {seed}: the rest stays"
        );
        assert_eq!(table.begin_turn(), 6);
        assert!(table.fingerprint().is_some());
    }
    assert_eq!(table().begin_turn(), 0);
    assert_eq!(table().fingerprint(), None);
}

#[test]
fn join_wakers_live_out_of_line_and_leave_with_their_tasks() {
    let mut table = table();
    let handle_waker = waker(handle());
    let keys: Vec<TaskKey> = (1..=3)
        .map(|id| table.spawn(TaskId(id), cell(std::future::pending::<()>())))
        .collect();
    for &key in &keys {
        assert!(matches!(
            table.set_join_waker(key, Wake::of(&handle_waker)),
            Ok(None)
        ));
    }
    assert_eq!(table.join_wakers.len(), 3);
    // Registering again replaces in place.
    assert!(matches!(
        table.set_join_waker(keys[0], Wake::of(&handle_waker)),
        Ok(Some(_))
    ));
    assert_eq!(table.join_wakers.len(), 3);
    // Taken back by a handle that stopped waiting.
    assert!(
        table
            .take_join_waker(keys[1], Some(&handle_waker))
            .is_some()
    );
    assert_eq!(table.join_wakers.len(), 2);
    // Cancelled: the waker goes with the leftovers, to wake.
    let (_, leftovers) = table.cancel(keys[0]);
    assert!(leftovers.wake.is_some());
    assert_eq!(table.join_wakers.len(), 1);
    // Shutdown takes the rest.
    let (_, leftovers) = table.cancel_all();
    assert_eq!(leftovers.iter().filter(|l| l.wake.is_some()).count(), 1);
    assert_eq!(table.join_wakers.len(), 0);
}
