//! `Event` under another runtime's executor: tokio's `LocalSet`. It lives
//! in the bench member, beside the other peers, so that the root package's
//! tests do not build tokio; `tests/event.rs` keeps the `futures` ones.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::Log;
use looplet::Event;

#[test]
fn works_under_tokio_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let log = Log::new();
    local.block_on(&rt, {
        let log = log.clone();
        async move {
            let ev = Event::new();
            let handles: Vec<_> = (0..3)
                .map(|i| {
                    let (ev, log) = (ev.clone(), log.clone());
                    tokio::task::spawn_local(async move {
                        ev.wait().await;
                        log.push(format!("woke {i}"));
                    })
                })
                .collect();
            tokio::task::yield_now().await;
            ev.set();
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(log.take(), ["woke 0", "woke 1", "woke 2"]);
}

/// `sync::Mutex` and `sync::Queue` under tokio's `LocalSet` (the issue asks
/// for a queue and a mutex under it at least).
#[test]
fn mutex_and_queue_work_under_tokio_local_set() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let (total, order) = local.block_on(&rt, async {
        let counter = looplet::sync::Mutex::new(0u32);
        let queue = looplet::sync::Queue::new(2);
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (counter, queue) = (counter.clone(), queue.clone());
                tokio::task::spawn_local(async move {
                    while let Ok(item) = queue.get().await {
                        let mut n = counter.lock().await;
                        tokio::task::yield_now().await; // hold across an await
                        *n += item;
                        queue.task_done();
                    }
                })
            })
            .collect();
        let mut order = Vec::new();
        for item in 1..=10 {
            queue.put(item).await.unwrap();
            order.push(item);
        }
        queue.join().await;
        queue.shutdown(false);
        for w in workers {
            w.await.unwrap();
        }
        let total = *counter.lock().await;
        (total, order)
    });
    assert_eq!(total, 55);
    assert_eq!(order.len(), 10);
}
