//! Every property check can fail: each test takes a real run, breaks one
//! thing the catalog promises, and expects the check to name the broken
//! property.

mod common;

use common::fifo;
use simloop_scenarios::catalog::{
    blocking_delay, crawler, producer_consumer, semaphore_http, wait_for,
};
use simloop_scenarios::{Ran, Violation};

/// The name of the property `check` finds violated in `ran`.
fn violated<T>(check: fn(&Ran<T>) -> Result<(), Violation>, ran: &Ran<T>) -> &'static str {
    match check(ran) {
        Ok(()) => panic!("the check passed a broken run"),
        Err(v) => v.property,
    }
}

#[test]
fn semaphore_http_schedule_comes_from_the_drawn_latencies() {
    let ran = semaphore_http::simulate(&fifo(0)).unwrap().value;
    semaphore_http::check(&ran).unwrap();
    // A server that took twice as long as the latencies it drew: starts and
    // ends still fit together, but not with the latencies.
    let mut slow = ran.clone();
    for q in &mut slow.value.requests {
        q.latency /= 2;
    }
    assert_eq!(
        violated(semaphore_http::check, &slow),
        "schedule-implied-by-latencies"
    );
    let mut early = ran.clone();
    early.elapsed -= std::time::Duration::from_millis(1);
    assert_eq!(violated(semaphore_http::check, &early), "elapsed");
    let mut over = ran;
    over.value.most_in_flight = 101;
    assert_eq!(violated(semaphore_http::check, &over), "in-flight-limit");
}

#[test]
fn crawler_ends_with_the_slowest_drawn_latency() {
    let ran = crawler::simulate(&fifo(0)).unwrap().value;
    crawler::check(&ran).unwrap();
    // Requests that took longer than the latency drawn for them.
    let mut slow = ran.clone();
    for q in &mut slow.value.requests {
        q.latency /= 2;
    }
    assert_eq!(violated(crawler::check, &slow), "elapsed");
    let mut twice = ran.clone();
    let again = twice.value.requests[0].clone();
    twice.value.requests.push(again);
    assert_eq!(violated(crawler::check, &twice), "fetched-once");
    let mut foreign = ran.clone();
    foreign.value.file.push(format!(
        "{}\thttps://example.org/not-on-the-page",
        crawler::URLS[0]
    ));
    assert_eq!(violated(crawler::check, &foreign), "links-from-source");
    let mut lost = ran.clone();
    lost.value.file.pop();
    assert_eq!(violated(crawler::check, &lost), "every-link-written");
    let mut silent = ran;
    silent
        .lines
        .retain(|l| !l.text.starts_with("aioHTTP error"));
    assert_eq!(violated(crawler::check, &silent), "errors-per-page");
}

#[test]
fn producer_consumer_checks_each_promise() {
    let ran = producer_consumer::simulate(&fifo(0)).unwrap().value;
    producer_consumer::check(&ran).unwrap();
    assert!(ran.value.consumed.len() > 1);
    let broken = |f: &dyn Fn(&mut producer_consumer::Ledger)| {
        let mut r = ran.clone();
        f(&mut r.value);
        violated(producer_consumer::check, &r)
    };
    let each = "each-item-once";
    assert_eq!(broken(&|l| l.consumed[1] = l.consumed[0].clone()), each);
    assert_eq!(broken(&|l| l.planned[0] += 1), each);
    assert_eq!(broken(&|l| l.left_in_queue = 1), "queue-empty");
    assert_eq!(broken(&|l| l.unfinished = 1), "queue-empty");
    let join = "join-after-last-task-done";
    assert_eq!(
        broken(&|l| l.done_at_join = l.done_at_join.map(|d| d - 1)),
        join
    );
    assert_eq!(
        broken(&|l| l.consumers_cancelled[3] = false),
        "consumers-cancelled"
    );
    let early = |l: &mut producer_consumer::Ledger| {
        let t = &mut l.consumed[0];
        t.got_at = simloop::time::Instant::ZERO;
        t.item.put_at = simloop::time::Instant::ZERO + std::time::Duration::from_secs(1);
    };
    assert_eq!(broken(&early), "wait-non-negative");
}

#[test]
fn blocking_delay_tasks_must_start_before_the_loop_blocks() {
    let ran = blocking_delay::simulate(&fifo(0)).unwrap().value;
    blocking_delay::check(&ran).unwrap();
    let mut late = ran.clone();
    let start = late
        .lines
        .iter()
        .position(|l| l.text == "Start say_after(2, world)")
        .unwrap();
    late.lines[start].time = late.lines.last().unwrap().time;
    assert_eq!(
        violated(blocking_delay::check, &late),
        "tasks-start-at-once"
    );
    let mut swapped = ran;
    let hello = swapped
        .lines
        .iter()
        .position(|l| l.text == "hello")
        .unwrap();
    swapped.lines.swap(hello, hello + 1);
    assert_eq!(violated(blocking_delay::check, &swapped), "hello-first");
}

#[test]
fn wait_for_needs_the_timeout_error_and_the_cancellation() {
    let ran = wait_for::simulate(&fifo(0)).unwrap().value;
    wait_for::check(&ran).unwrap();
    let mut finished = ran.clone();
    finished.value.result = Ok(());
    assert_eq!(violated(wait_for::check, &finished), "timed-out-at-1s");
    let mut not_cancelled = ran.clone();
    not_cancelled.value.cancelled_at = None;
    assert_eq!(violated(wait_for::check, &not_cancelled), "cancelled");
    let mut completed = ran;
    let mut line = completed.lines[0].clone();
    line.text = "Completed.".to_owned();
    completed.lines.push(line);
    assert_eq!(violated(wait_for::check, &completed), "never-completes");
}
