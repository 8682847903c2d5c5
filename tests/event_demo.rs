//! The seed demo (`examples/event_demo.rs`), run in-process with the same
//! arguments a user would type.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

// The example itself, not a copy: its `main` is unused here.
#[allow(dead_code)]
#[path = "../examples/event_demo.rs"]
mod event_demo;

/// Runs the demo with `args` and returns what it printed and how long it
/// took on the runtime's clock.
fn run_demo(args: &[&str]) -> (Vec<String>, Duration) {
    let options = event_demo::parse_args(args.iter().map(|s| s.to_string())).unwrap();
    let out = Rc::new(RefCell::new(Vec::<u8>::new()));
    let took = event_demo::run_demo(&options, out.clone());
    let text = String::from_utf8(out.borrow().clone()).unwrap();
    (text.lines().map(str::to_string).collect(), took)
}

/// Checks the tutorial's shape: two main lines, then one line per task in
/// increasing order of value; returns the values.
fn check_shape(lines: &[String], tasks: usize) -> Vec<f64> {
    assert_eq!(lines.len(), tasks + 2, "{lines:#?}");
    assert_eq!(lines[0], "Main blocking...");
    assert_eq!(lines[1], "Main setting the event");
    let mut seen = vec![false; tasks];
    let values: Vec<f64> = lines[2..]
        .iter()
        .map(|line| {
            let rest = line
                .strip_prefix("Task ")
                .unwrap_or_else(|| panic!("bad line {line:?}"));
            let (n, value) = rest
                .split_once(" got ")
                .unwrap_or_else(|| panic!("bad line {line:?}"));
            let n: usize = n.parse().unwrap();
            assert!(!seen[n], "task {n} reported twice");
            seen[n] = true;
            let value: f64 = value.parse().unwrap();
            assert!((0.0..1.0).contains(&value), "{value} outside [0, 1)");
            value
        })
        .collect();
    assert!(
        values.windows(2).all(|w| w[0] <= w[1]),
        "reports in increasing order: {values:?}"
    );
    values
}

#[test]
fn paused_seed_1_prints_the_tutorials_shape() {
    let (lines, took) = run_demo(&["--paused", "--seed", "1"]);
    let values = check_shape(&lines, 5);
    // The run takes exactly the largest value, on the virtual clock.
    assert_eq!(took, Duration::from_secs_f64(*values.last().unwrap()));
}

#[test]
fn paused_seed_1_is_the_same_every_run() {
    assert_eq!(
        run_demo(&["--paused", "--seed", "1"]),
        run_demo(&["--seed", "1", "--paused"])
    );
}

#[test]
fn tasks_flag_scales_it_up() {
    let (lines, _) = run_demo(&["--paused", "--seed", "7", "--tasks", "2000"]);
    check_shape(&lines, 2000);
}

#[test]
fn real_clock_run_takes_about_the_largest_value() {
    let (lines, took) = run_demo(&["--seed", "3", "--tasks", "3"]);
    let values = check_shape(&lines, 3);
    let largest = Duration::from_secs_f64(*values.last().unwrap());
    assert!(took >= largest, "took {took:?}, largest value {largest:?}");
    assert!(took < largest + Duration::from_secs(2));
}

#[test]
fn bad_arguments_are_refused_with_usage() {
    for args in [
        &["--seed"][..],
        &["--seed", "x"],
        &["--tasks", "-1"],
        &["--what"],
    ] {
        let err = event_demo::parse_args(args.iter().map(|s| s.to_string())).unwrap_err();
        assert!(err.contains("--") || err.contains("usage"), "{err}");
    }
    assert_eq!(
        event_demo::parse_args(Vec::new()).unwrap(),
        event_demo::Options {
            seed: None,
            paused: false,
            tasks: 5
        }
    );
}
