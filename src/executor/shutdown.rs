//! Shutdown: what dropping a runtime does to the tasks still alive.
//!
//! Every task that has not finished is cancelled (its future dropped),
//! over and over until nothing is left: a destructor may spawn, and that
//! task is cancelled before it exists (`Core::spawn` checks `closed`).
//! Futures' destructors run with this runtime current, even when it is
//! dropped inside a task of another runtime, so what they call (`spawn`,
//! `now`) finds the runtime that owns them.
//!
//! A panicking destructor does not stop the others: every task is dropped,
//! then the first such panic is raised again from the drop (unless the
//! thread is already unwinding).
//!
//! Read next: `docs/06-cancellation-panics-shutdown.md`.

use std::panic;
use std::rc::Rc;

use super::context;
use super::core::Core;
use crate::util::panic::Payload;

impl Core {
    /// Cancels every task and closes the inbox (the runtime is dropped).
    pub(crate) fn shutdown(self: &Rc<Self>) {
        self.close();
        // Destructors may call `spawn` (the task is cancelled at once) or
        // read the clock, so this runtime is current while they run, even
        // when it is dropped inside a task of another runtime.
        let _enter = context::enter_for_shutdown(self);
        let mut first_panic: Option<Payload> = None;
        loop {
            let (cancelled, leftovers) = self.table.borrow_mut().cancel_all();
            self.narrator.shutdown_cancelled(cancelled);
            if leftovers.is_empty() {
                break;
            }
            for leftovers in leftovers {
                if let Some(payload) = leftovers.finish_catching() {
                    first_panic.get_or_insert(payload);
                }
            }
        }
        // Timers of futures that outlived their tasks (held by a handle's
        // owner outside the runtime, say).
        drop(self.timers.drain());
        // Jobs on worker threads: the queued ones never start, the running
        // ones are waited for (asyncio waits for its default executor).
        self.pool.shut_down();
        self.narrator.shutdown_done();
        if let Some(payload) = first_panic {
            if !std::thread::panicking() {
                panic::resume_unwind(payload);
            }
        }
    }
}
