//! Shutdown: what dropping a runtime does to the tasks still alive.
//!
//! Every task that has not finished is cancelled (its future dropped),
//! over and over until nothing is left: a destructor may spawn, and that
//! task is cancelled before it exists (`Core::spawn` checks `closed`).
//! Futures' destructors run with this runtime current, even when it is
//! dropped inside a task of another runtime, so what they call (`spawn`,
//! `now`) finds the runtime that owns them.
//!
//! # Destructors that spawn
//!
//! A future spawned during shutdown is not dropped inside `spawn`: it
//! waits in `Core::doomed`, and the loop here drops those futures one at a
//! time, a generation at a time (the futures spawned while the previous
//! generation was dropped). So a chain of clean-up tasks, each owning the
//! next, takes constant stack however long it is. A chain that never ends
//! (every drop spawns again) is stopped after [`MAX_SHUTDOWN_GENERATIONS`]
//! generations: what is left is leaked, not dropped, and the drop panics,
//! a panic the caller can catch, where recursing would have aborted the
//! process on a stack overflow.
//!
//! A panicking destructor does not stop the others: every task is dropped,
//! then the first such panic is raised again from the drop (unless the
//! thread is already unwinding).
//!
//! Read next: `docs/06-cancellation-panics-shutdown.md`.

use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use super::context;
use super::core::Core;
use crate::util::panic::Payload;

/// How many generations of tasks spawned by destructors during shutdown
/// are dropped before shutdown gives up on the chain, leaks the rest and
/// panics. Far beyond any real clean-up (a chain of clean-up tasks each
/// owning the next is one generation per link), and reached in well under
/// a second by a chain that never ends.
pub(crate) const MAX_SHUTDOWN_GENERATIONS: u32 = 100_000;

impl Core {
    /// Cancels every task and closes the inbox (the runtime is dropped).
    ///
    /// # Panics
    ///
    /// With the first panic of a destructor, once everything is dropped;
    /// or if destructors kept spawning for more than
    /// [`MAX_SHUTDOWN_GENERATIONS`] generations. Not while the thread is
    /// already unwinding.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        // Destructors may call `spawn` (the task is cancelled at once) or
        // read the clock, so this runtime is current while they run, even
        // when it is dropped inside a task of another runtime.
        let _enter = context::enter_for_shutdown(self);
        // Closing drops the remote spawns still in the inbox: each reports
        // cancelled.
        let mut first_panic: Option<Payload> = self.close();
        let mut doomed = Doomed::default();
        loop {
            let (cancelled, leftovers) = self.table.borrow_mut().cancel_all();
            self.narrator.shutdown_cancelled(cancelled);
            if leftovers.is_empty() && self.doomed.borrow().is_empty() {
                break;
            }
            for leftovers in leftovers {
                if let Some(payload) = leftovers.finish_catching() {
                    first_panic.get_or_insert(payload);
                }
            }
            self.drop_doomed(&mut doomed, &mut first_panic);
        }
        // Timers of futures that outlived their tasks (held by a handle's
        // owner outside the runtime, say); a foreign waker's destructor
        // may spawn too.
        drop(self.timers.drain());
        self.drop_doomed(&mut doomed, &mut first_panic);
        // Jobs on worker threads: the queued ones never start, the running
        // ones are waited for (asyncio waits for its default executor).
        self.pool.shut_down();
        self.narrator.shutdown_done();
        if std::thread::panicking() {
            return;
        }
        if doomed.gave_up {
            panic!(
                "`Runtime` shutdown stopped after {MAX_SHUTDOWN_GENERATIONS} generations of tasks \
                 spawned by destructors (each drop spawned a task whose drop spawned again); \
                 the rest was leaked; make a destructor's clean-up task stop spawning"
            );
        }
        if let Some(payload) = first_panic {
            panic::resume_unwind(payload);
        }
    }

    /// Drops the futures spawned during shutdown, one at a time, a
    /// generation at a time, until no destructor spawns any more or
    /// [`MAX_SHUTDOWN_GENERATIONS`] is reached.
    fn drop_doomed(&self, doomed: &mut Doomed, first_panic: &mut Option<Payload>) {
        loop {
            let generation = std::mem::take(&mut *self.doomed.borrow_mut());
            if generation.is_empty() {
                return;
            }
            if doomed.generations == MAX_SHUTDOWN_GENERATIONS {
                // An endless chain: dropping the rest would only spawn
                // more. Leaking is safe; recursing or looping forever is
                // not an option.
                std::mem::forget(generation);
                doomed.gave_up = true;
                return;
            }
            doomed.generations += 1;
            for future in generation {
                // Each drop runs with no borrow held; what it spawns joins
                // the next generation.
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| drop(future))) {
                    first_panic.get_or_insert(payload);
                }
            }
        }
    }
}

/// How far shutdown got with the futures that destructors spawned.
#[derive(Default)]
struct Doomed {
    /// Generations dropped so far.
    generations: u32,
    /// Whether it stopped at [`MAX_SHUTDOWN_GENERATIONS`] and leaked the
    /// rest.
    gave_up: bool,
}
