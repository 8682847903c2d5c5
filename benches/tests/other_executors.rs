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
