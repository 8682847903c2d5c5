//! Misuse panics point at the user's line (`#[track_caller]`), not at a
//! line inside looplet.
//!
//! The panic hook is process-wide, so every case runs in one test, one
//! after another, with a hook that records the location.

mod common;

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::Context;
use std::time::Duration;

use common::panic_message;
use looplet::{Builder, run, sleep, spawn, yield_now};

static LOCATION: Mutex<Option<(String, u32)>> = Mutex::new(None);

/// Runs `f`, which must panic, and returns its message and the file and
/// line the panic reports.
fn panic_site(f: impl FnOnce()) -> (String, String, u32) {
    *LOCATION.lock().unwrap() = None;
    let err = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    let (file, line) = LOCATION.lock().unwrap().take().expect("the hook ran");
    (panic_message(&*err), file, line)
}

#[test]
fn misuse_panics_report_the_callers_line() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let location = info.location().expect("a location");
        *LOCATION.lock().unwrap() = Some((location.file().to_owned(), location.line()));
    }));
    let this = file!();
    let mut cases: Vec<(&str, u32, (String, String, u32))> = Vec::new();

    let line = line!() + 1;
    let site = panic_site(|| drop(spawn(async {})));
    cases.push(("spawn", line, site));

    let line = line!() + 1;
    let site = panic_site(|| drop(looplet::spawn_named("n", async {})));
    cases.push(("spawn_named", line, site));

    let line = line!() + 2;
    let site = panic_site(|| {
        let _ = looplet::now();
    });
    cases.push(("now", line, site));

    let line = line!() + 2;
    let site = panic_site(|| {
        let _ = looplet::stats();
    });
    cases.push(("stats", line, site));

    let line = line!() + 1;
    let site = panic_site(|| run(async { run(async {}) }));
    cases.push(("nested run", line, site));

    let rt = Builder::new().build();
    let line = line!() + 1;
    let site = panic_site(|| run(async { rt.block_on(async {}) }));
    cases.push(("nested block_on", line, site));

    let line = line!() + 4;
    let site = panic_site(|| {
        let waker = futures::task::noop_waker();
        let mut nap = sleep(Duration::from_millis(1));
        let _ = Pin::new(&mut nap).poll(&mut Context::from_waker(&waker));
    });
    cases.push(("sleep polled outside", line, site));

    let line = line!() + 8;
    let site = panic_site(|| {
        run(async {
            let mut handle = spawn(async {});
            yield_now().await;
            let waker = futures::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            let _ = Pin::new(&mut handle).poll(&mut cx);
            let _ = Pin::new(&mut handle).poll(&mut cx);
        })
    });
    cases.push(("handle polled after completion", line, site));

    let line = line!() + 1;
    let site = panic_site(|| drop(run(async { cancelled().await }).into_panic()));
    cases.push(("into_panic on a cancelled task", line, site));

    panic::set_hook(default);
    for (what, line, (message, file, got)) in cases {
        assert_eq!(
            (file.as_str(), got),
            (this, line),
            "{what}: the panic `{message}` points elsewhere"
        );
    }
}

/// The error of a task cancelled before it ran.
async fn cancelled() -> looplet::JoinError {
    let handle = spawn(async {});
    handle.cancel();
    handle.await.unwrap_err()
}
