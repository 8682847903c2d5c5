//! The synchronization primitives the `compare` benchmarks pit against
//! `looplet::sync`, one set per runtime, behind [`SyncPeers`]:
//!
//! | runtime | queue | mutex | semaphore |
//! |---|---|---|---|
//! | looplet | `sync::Queue` | `sync::Mutex` | `sync::Semaphore` |
//! | tokio (`LocalSet`) | `mpsc` (bounded, unbounded) | `sync::Mutex` | `sync::Semaphore` |
//! | async-executor | async-channel | async-lock `Mutex` | async-lock `Semaphore` |
//! | futures (`LocalPool`) | `channel::mpsc` | `lock::Mutex` | — (futures has none) |
//!
//! Each method does one whole step (send one item, lock–yield–unlock, or
//! acquire–yield–release), so the workloads stay written once without
//! naming guard types.

use std::rc::Rc;

use super::peers::{AsyncExecutor, FuturesPool, Looplet, Rt, Tokio};

/// A runtime's queue, mutex and semaphore.
pub trait SyncPeers: Rt {
    type Tx: 'static;
    type Rx: 'static;
    type Mutex: Clone + 'static;
    type Semaphore: Clone + 'static;
    /// Whether the runtime has a semaphore peer.
    const HAS_SEMAPHORE: bool = true;

    /// A queue of `u64`; `bound` 0 is unbounded.
    fn channel(bound: usize) -> (Self::Tx, Self::Rx);
    async fn send(tx: &mut Self::Tx, item: u64);
    async fn recv(rx: &mut Self::Rx) -> u64;
    fn mutex() -> Self::Mutex;
    /// Lock, add one, yield once while holding, unlock.
    async fn lock_yield_unlock(mutex: &Self::Mutex);
    /// The mutex's count (uncontended).
    async fn count(mutex: &Self::Mutex) -> u64;
    fn semaphore(permits: usize) -> Self::Semaphore;
    /// Acquire, yield once while holding, release.
    async fn acquire_yield_release(semaphore: &Self::Semaphore);
}

impl SyncPeers for Looplet {
    type Tx = looplet::sync::Queue<u64>;
    type Rx = looplet::sync::Queue<u64>;
    type Mutex = looplet::sync::Mutex<u64>;
    type Semaphore = looplet::sync::Semaphore;

    fn channel(bound: usize) -> (Self::Tx, Self::Rx) {
        let queue = looplet::sync::Queue::new(bound);
        (queue.clone(), queue)
    }
    async fn send(tx: &mut Self::Tx, item: u64) {
        tx.put(item).await.expect("open");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.get().await.expect("open")
    }
    fn mutex() -> Self::Mutex {
        looplet::sync::Mutex::new(0)
    }
    async fn lock_yield_unlock(mutex: &Self::Mutex) {
        let mut n = mutex.lock().await;
        *n += 1;
        looplet::yield_now().await;
    }
    async fn count(mutex: &Self::Mutex) -> u64 {
        *mutex.lock().await
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        looplet::sync::Semaphore::new(permits)
    }
    async fn acquire_yield_release(semaphore: &Self::Semaphore) {
        let _permit = semaphore.acquire().await;
        looplet::yield_now().await;
    }
}

/// tokio's bounded and unbounded channels are different types.
pub enum TokioTx {
    Bounded(tokio::sync::mpsc::Sender<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedSender<u64>),
}

/// The receiving side of either.
pub enum TokioRx {
    Bounded(tokio::sync::mpsc::Receiver<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<u64>),
}

impl SyncPeers for Tokio {
    type Tx = TokioTx;
    type Rx = TokioRx;
    type Mutex = Rc<tokio::sync::Mutex<u64>>;
    type Semaphore = Rc<tokio::sync::Semaphore>;

    fn channel(bound: usize) -> (Self::Tx, Self::Rx) {
        if bound == 0 {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            (TokioTx::Unbounded(tx), TokioRx::Unbounded(rx))
        } else {
            let (tx, rx) = tokio::sync::mpsc::channel(bound);
            (TokioTx::Bounded(tx), TokioRx::Bounded(rx))
        }
    }
    async fn send(tx: &mut Self::Tx, item: u64) {
        match tx {
            TokioTx::Bounded(tx) => tx.send(item).await.expect("open"),
            TokioTx::Unbounded(tx) => tx.send(item).expect("open"),
        }
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        match rx {
            TokioRx::Bounded(rx) => rx.recv().await,
            TokioRx::Unbounded(rx) => rx.recv().await,
        }
        .expect("open")
    }
    fn mutex() -> Self::Mutex {
        Rc::new(tokio::sync::Mutex::new(0))
    }
    async fn lock_yield_unlock(mutex: &Self::Mutex) {
        let mut n = mutex.lock().await;
        *n += 1;
        tokio::task::yield_now().await;
    }
    async fn count(mutex: &Self::Mutex) -> u64 {
        *mutex.lock().await
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        Rc::new(tokio::sync::Semaphore::new(permits))
    }
    async fn acquire_yield_release(semaphore: &Self::Semaphore) {
        let _permit = semaphore.acquire().await.expect("open");
        tokio::task::yield_now().await;
    }
}

impl SyncPeers for AsyncExecutor {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    type Mutex = Rc<async_lock::Mutex<u64>>;
    type Semaphore = Rc<async_lock::Semaphore>;

    fn channel(bound: usize) -> (Self::Tx, Self::Rx) {
        if bound == 0 {
            async_channel::unbounded()
        } else {
            async_channel::bounded(bound)
        }
    }
    async fn send(tx: &mut Self::Tx, item: u64) {
        tx.send(item).await.expect("open");
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("open")
    }
    fn mutex() -> Self::Mutex {
        Rc::new(async_lock::Mutex::new(0))
    }
    async fn lock_yield_unlock(mutex: &Self::Mutex) {
        let mut n = mutex.lock().await;
        *n += 1;
        Self::yield_now().await;
    }
    async fn count(mutex: &Self::Mutex) -> u64 {
        *mutex.lock().await
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        Rc::new(async_lock::Semaphore::new(permits))
    }
    async fn acquire_yield_release(semaphore: &Self::Semaphore) {
        let _permit = semaphore.acquire().await;
        Self::yield_now().await;
    }
}

/// futures' bounded and unbounded channels are different types.
pub enum FuturesTx {
    Bounded(futures::channel::mpsc::Sender<u64>),
    Unbounded(futures::channel::mpsc::UnboundedSender<u64>),
}

/// The receiving side of either.
pub enum FuturesRx {
    Bounded(futures::channel::mpsc::Receiver<u64>),
    Unbounded(futures::channel::mpsc::UnboundedReceiver<u64>),
}

impl SyncPeers for FuturesPool {
    type Tx = FuturesTx;
    type Rx = FuturesRx;
    type Mutex = Rc<futures::lock::Mutex<u64>>;
    type Semaphore = ();
    const HAS_SEMAPHORE: bool = false;

    fn channel(bound: usize) -> (Self::Tx, Self::Rx) {
        if bound == 0 {
            let (tx, rx) = futures::channel::mpsc::unbounded();
            (FuturesTx::Unbounded(tx), FuturesRx::Unbounded(rx))
        } else {
            // Capacity is `buffer` plus one per sender: one sender here.
            let (tx, rx) = futures::channel::mpsc::channel(bound - 1);
            (FuturesTx::Bounded(tx), FuturesRx::Bounded(rx))
        }
    }
    async fn send(tx: &mut Self::Tx, item: u64) {
        use futures::SinkExt;
        match tx {
            FuturesTx::Bounded(tx) => tx.send(item).await.expect("open"),
            FuturesTx::Unbounded(tx) => tx.unbounded_send(item).expect("open"),
        }
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        use futures::StreamExt;
        match rx {
            FuturesRx::Bounded(rx) => rx.next().await,
            FuturesRx::Unbounded(rx) => rx.next().await,
        }
        .expect("open")
    }
    fn mutex() -> Self::Mutex {
        Rc::new(futures::lock::Mutex::new(0))
    }
    async fn lock_yield_unlock(mutex: &Self::Mutex) {
        let mut n = mutex.lock().await;
        *n += 1;
        Self::yield_now().await;
    }
    async fn count(mutex: &Self::Mutex) -> u64 {
        *mutex.lock().await
    }
    fn semaphore(_permits: usize) -> Self::Semaphore {
        unreachable!("futures has no semaphore")
    }
    async fn acquire_yield_release(_semaphore: &Self::Semaphore) {
        unreachable!("futures has no semaphore")
    }
}
