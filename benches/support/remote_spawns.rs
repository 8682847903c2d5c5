//! The remote-spawn workload for looplet and tokio, shared by
//! `threads.rs` (sender and runtime at once) and
//! `examples/remote_spawn_cost.rs` (one after the other, for callgrind):
//! each spawn is a trivial task that bumps a shared counter, and the
//! runtime runs until the counter reaches the number sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Sends one task through looplet's `handle`.
pub fn looplet_send(handle: &looplet::Handle, done: Arc<AtomicUsize>) {
    drop(handle.spawn(move || async move {
        done.fetch_add(1, Ordering::Relaxed);
    }));
}

/// Runs looplet's `rt` until `n` tasks have bumped `done`.
pub fn looplet_until(rt: &looplet::Runtime, done: &AtomicUsize, n: usize) {
    rt.block_on(async {
        while done.load(Ordering::Relaxed) < n {
            looplet::yield_now().await;
        }
    });
}

/// Sends one task through tokio's `handle`.
pub fn tokio_send(handle: &tokio::runtime::Handle, done: Arc<AtomicUsize>) {
    drop(handle.spawn(async move {
        done.fetch_add(1, Ordering::Relaxed);
    }));
}

/// Runs tokio's `rt` until `n` tasks have bumped `done`.
pub fn tokio_until(rt: &tokio::runtime::Runtime, done: &AtomicUsize, n: usize) {
    rt.block_on(async {
        while done.load(Ordering::Relaxed) < n {
            tokio::task::yield_now().await;
        }
    });
}
