//! Panics as values: what a caught panic carries, the text a person reads
//! from it, and running a batch of foreign callbacks so that one panic does
//! not strand the rest.
//!
//! looplet catches panics in three places: a task's poll (the panic becomes
//! the task's result), destructors it runs for others (a cancelled future,
//! an unwanted output), and wakers it wakes in batches (a timer's, an
//! event's). All three need the same two things, so they live here.
//!
//! Read next: `reply.rs`.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// What a panic carries.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A panic payload's message, if it is a string (`panic!("...")` makes a
/// `&str`, `panic!("{x}")` a `String`).
pub(crate) fn message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Calls `f` on each of `items`, in order, even if some calls panic, and
/// returns the first panic's payload for the caller to raise again once its
/// own books are straight.
///
/// Waking a `Waker` runs foreign code (it may come from any executor) that
/// may panic. Whoever wakes a batch (`Event::set`, the timer driver) has
/// already taken every waker off its list; stopping at the first panic
/// would strand the rest, which nobody would ever wake.
pub(crate) fn each_catching<T>(
    items: impl IntoIterator<Item = T>,
    mut f: impl FnMut(T),
) -> Option<Payload> {
    let mut first = None;
    for item in items {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| f(item))) {
            first.get_or_insert(payload);
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_str_and_string_payloads() {
        let payload: Payload = Box::new("boom");
        assert_eq!(message(&*payload), Some("boom"));
        let payload: Payload = Box::new(format!("{}", 7));
        assert_eq!(message(&*payload), Some("7"));
        let payload: Payload = Box::new(42_u8);
        assert_eq!(message(&*payload), None);
    }

    #[test]
    fn each_catching_calls_every_item_and_keeps_the_first_panic() {
        let mut seen = Vec::new();
        let first = each_catching([1, 2, 3, 4], |i| {
            seen.push(i);
            if i % 2 == 0 {
                panic!("item {i}");
            }
        });
        assert_eq!(seen, [1, 2, 3, 4]);
        assert_eq!(message(&*first.unwrap()), Some("item 2"));
    }
}
