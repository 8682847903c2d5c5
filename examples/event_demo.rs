//! The asyncio `Event` tutorial's program, in looplet.
//!
//! Five tasks wait on one shared event. Main lets them start, sets the
//! event, and waits for all of them; each task then draws a random value in
//! [0, 1), sleeps that many seconds and reports it, so the reports come out
//! in increasing order of value and the run takes about the largest value.
//!
//! ```sh
//! cargo run --example event_demo                    # like `python event.py`
//! cargo run --example event_demo -- --seed 1        # the same values every run
//! cargo run --example event_demo -- --paused        # virtual clock: instant, reproducible
//! cargo run --example event_demo -- --tasks 1000    # scale it up
//! LOOPLET_TRACE=1 cargo run --example event_demo -- --paused --seed 1   # narrated
//! ```
//!
//! Each line of the Python program has its counterpart below, with the
//! Python in the comment above it.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use looplet::{Builder, Event, ReturnWhen, sleep, spawn, wait, yield_now};

/// How to run the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seed for the random values; `None` draws one from the clock.
    pub seed: Option<u64>,
    /// Run on looplet's virtual clock.
    pub paused: bool,
    /// How many tasks wait on the event.
    pub tasks: usize,
}

/// What `--help` prints.
pub const USAGE: &str = "usage: event_demo [--seed N] [--paused] [--tasks N]";

/// Reads the command line (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        seed: None,
        paused: false,
        tasks: 5,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let value = args
                .next()
                .ok_or_else(|| format!("{flag} needs a number"))?;
            value
                .parse()
                .map_err(|_| format!("{flag} needs a number, not {value:?}"))
        };
        match arg.as_str() {
            "--seed" => options.seed = Some(number("--seed")?),
            "--tasks" => options.tasks = number("--tasks")? as usize,
            "--paused" => options.paused = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// Python's `random()`: floats in [0, 1) from a small seedable generator
/// (SplitMix64), so `--seed` makes the run reproducible.
pub struct Random(u64);

impl Random {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Random(seed)
    }

    /// The next value in [0, 1).
    pub fn random(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Where the program prints (stdout, or a buffer in the tests).
pub type Output = Rc<RefCell<dyn Write>>;

// # task coroutine
// async def task(event, number):
async fn task(event: Event, number: usize, random: Rc<RefCell<Random>>, out: Output) {
    //     # wait for the event to be set
    //     await event.wait()
    event.wait().await;
    //     # generate a random value between 0 and 1
    //     value = random()
    let value = random.borrow_mut().random();
    //     # block for a moment
    //     await asyncio.sleep(value)
    sleep(Duration::from_secs_f64(value)).await;
    //     # report a message
    //     print(f'Task {number} got {value}')
    writeln!(out.borrow_mut(), "Task {number} got {value}").expect("write the report");
}

// # main coroutine
// async def main():
async fn main_coroutine(options: Options, out: Output) {
    let seed = options.seed.unwrap_or_else(|| {
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        since_epoch.as_nanos() as u64
    });
    let random = Rc::new(RefCell::new(Random::new(seed)));
    //     # create a shared event object
    //     event = asyncio.Event()
    let event = Event::new();
    //     # create and run the tasks
    //     tasks = [asyncio.create_task(task(event, i)) for i in range(5)]
    let tasks: Vec<_> = (0..options.tasks)
        .map(|i| spawn(task(event.clone(), i, random.clone(), out.clone())))
        .collect();
    //     # allow the tasks to start
    //     print('Main blocking...')
    writeln!(out.borrow_mut(), "Main blocking...").expect("write");
    //     await asyncio.sleep(0)
    yield_now().await;
    //     # start processing in all tasks
    //     print('Main setting the event')
    writeln!(out.borrow_mut(), "Main setting the event").expect("write");
    //     event.set()
    event.set();
    //     # await for all tasks to terminate
    //     _ = await asyncio.wait(tasks)
    let _ = wait(tasks, ReturnWhen::AllCompleted).await;
}

/// Runs the demo and returns how long it took on the runtime's clock.
pub fn run_demo(options: &Options, out: Output) -> Duration {
    let main = {
        let options = options.clone();
        async move {
            let start = looplet::now();
            main_coroutine(options, out).await;
            looplet::now() - start
        }
    };
    if options.paused {
        Builder::new().start_paused(true).build().block_on(main)
    } else {
        // # run the asyncio program
        // asyncio.run(main())
        looplet::run(main)
    }
}

fn main() {
    let options = parse_args(std::env::args().skip(1)).unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    run_demo(&options, Rc::new(RefCell::new(std::io::stdout())));
}
