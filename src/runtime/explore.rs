//! [`explore`]: run one test under many shuffled schedules, and name the
//! seed of the first that fails.
//!
//! Each seed gets a fresh runtime, paused and shuffled with that seed
//! (`Builder::start_paused`, `Builder::shuffle`), dropped before the next
//! seed starts, so schedules cannot leak into each other. A schedule's
//! *order* is the table's fingerprint of every batch order it polled
//! (`TaskTable::fingerprint`); counting distinct fingerprints tells a user
//! whether more seeds are still finding new interleavings.
//!
//! Read next: `examples/find_the_race.rs` and
//! `docs/10-testing-schedules.md`, which use it.

use std::collections::HashSet;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};

use super::Builder;
use super::builder::shuffle_from_env;

/// What [`explore`] did: how many schedules ran, and how many of them
/// polled tasks in an order no earlier one had.
///
/// # Examples
///
/// ```
/// let explored = looplet::explore(0..10, || async {
///     let a = looplet::spawn(async {});
///     let b = looplet::spawn(async {});
///     a.await.unwrap();
///     b.await.unwrap();
/// });
/// assert_eq!(explored.schedules, 10);
/// assert!(explored.distinct_orders > 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explored {
    /// Schedules run: one per seed.
    pub schedules: usize,
    /// How many of them polled in an order of their own. Far fewer than
    /// `schedules` means the program has few interleavings, and more
    /// seeds will mostly repeat them.
    pub distinct_orders: usize,
}

/// Runs the future `make()` returns once per seed, each time on a fresh
/// runtime with a paused clock and a schedule shuffled with that seed
/// ([`Builder::shuffle`]), to find an order bug that FIFO hides.
///
/// Seeds run in the order given. On the first schedule that panics (the
/// future, or a task's destructor when the runtime is dropped), `explore`
/// prints `` schedule seed N failed; rerun with `LOOPLET_SHUFFLE=N` `` on
/// stderr and raises that panic again. With `LOOPLET_SHUFFLE=N` set,
/// `explore` runs seed `N` alone, so rerunning the failing test that way
/// (add `LOOPLET_TRACE=1` for its trace) replays exactly the schedule that
/// failed. At the end it prints how many schedules ran and how many
/// distinct orders they produced, and returns those numbers.
///
/// # Panics
///
/// * With the panic of the first failing schedule, after naming its seed.
/// * If `LOOPLET_SHUFFLE` is set but is not a seed, as [`Builder::new`]
///   says.
/// * If called from within a running runtime, as [`run`](crate::run).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// // Read, yield, write back plus one: a lost update if the other task
/// // runs in between. The second task starts a turn later, so FIFO never
/// // lets that happen; some shuffled schedules do.
/// async fn two_increments() {
///     let counter = Rc::new(Cell::new(0));
///     let add_one = |counter: Rc<Cell<u32>>, late: bool| async move {
///         if late {
///             looplet::yield_now().await;
///         }
///         let seen = counter.get();
///         looplet::yield_now().await;
///         counter.set(seen + 1);
///     };
///     let a = looplet::spawn(add_one(counter.clone(), false));
///     let b = looplet::spawn(add_one(counter.clone(), true));
///     a.await.unwrap();
///     b.await.unwrap();
///     assert_eq!(counter.get(), 2, "an update was lost");
/// }
///
/// let fifo = looplet::Builder::new().start_paused(true).fifo().build();
/// fifo.block_on(two_increments()); // passes
/// let found = std::panic::catch_unwind(|| looplet::explore(0..100, two_increments));
/// assert!(found.is_err()); // stderr names the seed that lost the update
/// ```
#[doc(alias = "schedules")]
#[track_caller]
pub fn explore<F, M>(seeds: impl IntoIterator<Item = u64>, mut make: M) -> Explored
where
    F: Future,
    M: FnMut() -> F,
{
    let seeds: Vec<u64> = match shuffle_from_env() {
        Some(seed) => vec![seed],
        None => seeds.into_iter().collect(),
    };
    let mut orders = HashSet::new();
    let mut schedules = 0;
    for seed in seeds {
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let rt = Builder::new().start_paused(true).shuffle(seed).build();
            rt.block_on(async { drop(make().await) });
            let order = rt.core.schedule_fingerprint();
            drop(rt);
            order
        }));
        match result {
            Ok(order) => {
                orders.insert(order);
                schedules += 1;
            }
            Err(payload) => {
                eprintln!("schedule seed {seed} failed; rerun with `LOOPLET_SHUFFLE={seed}`");
                panic::resume_unwind(payload);
            }
        }
    }
    let explored = Explored {
        schedules,
        distinct_orders: orders.len(),
    };
    eprintln!(
        "explore: {} schedule(s) ran, {} distinct order(s)",
        explored.schedules, explored.distinct_orders
    );
    explored
}
