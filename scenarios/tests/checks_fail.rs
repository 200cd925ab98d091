//! Every property check can fail: each test takes a real run, breaks one
//! thing the catalog promises, and expects the check to name the broken
//! property.

mod common;

use common::fifo;
use std::time::Duration;

use simloop::{Sim, Strategy};
use simloop_scenarios::catalog::{
    async_gen, blocking_delay, chain, chess, chores, count, crawler, makerandom, producer_consumer,
    semaphore_http, wait_for,
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
    early.elapsed -= Duration::from_millis(1);
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
        t.item.put_at = simloop::time::Instant::ZERO + Duration::from_secs(1);
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

#[test]
fn chess_checks_the_master_the_opponents_and_the_clock() {
    let ran = chess::simulate(&fifo(0)).unwrap().value;
    chess::check(&ran).unwrap();
    let mut quick = ran.clone();
    quick.elapsed -= Duration::from_secs(1);
    assert_eq!(violated(chess::check, &quick), "elapsed");
    // 3 656 s is allowed under other strategies, not under FIFO.
    let mut slow = ran.clone();
    slow.elapsed += Duration::from_secs(1);
    assert_eq!(violated(chess::check, &slow), "elapsed");
    slow.strategy = Strategy::Random;
    chess::check(&slow).unwrap();
    let mut missing = ran.clone();
    missing.value.pop();
    assert_eq!(violated(chess::check, &missing), "moves");
    let mut hasty = ran.clone();
    // Board 1's second move (index 24) 54 s after its first one ended.
    let first = hasty.value[0];
    hasty.value[24].start = first.end + Duration::from_secs(54);
    hasty.value[24].end = hasty.value[24].start + Duration::from_secs(5);
    assert_eq!(violated(chess::check, &hasty), "opponent-thinks");
    let mut long = ran;
    long.value[100].end += Duration::from_secs(1);
    assert_eq!(violated(chess::check, &long), "master-busy");
    let sync = chess::simulate_sync(&fifo(0)).unwrap().value;
    chess::check_sync(&sync).unwrap();
    let mut short = sync;
    short.elapsed -= Duration::from_secs(1);
    assert_eq!(violated(chess::check_sync, &short), "elapsed");
}

#[test]
fn chores_checks_the_overlaps_and_the_one_pair_of_hands() {
    let ran = chores::simulate(&fifo(0)).unwrap().value;
    chores::check(&ran).unwrap();
    let mut both_hands = ran.clone();
    both_hands.value[3].start = both_hands.value[1].start;
    both_hands.value[3].end = both_hands.value[1].start + Duration::from_secs(1800);
    assert_eq!(violated(chores::check, &both_hands), "one-pair-of-hands");
    let mut late = ran.clone();
    late.value[2].start = late.value[3].end;
    late.value[2].end = late.value[2].start + Duration::from_secs(1800);
    assert_eq!(violated(chores::check, &late), "overlap");
    let sync = chores::simulate_sync(&fifo(0)).unwrap().value;
    chores::check_sync(&sync).unwrap();
    // The async run is not a valid sync run.
    let mut overlapped = ran;
    overlapped.elapsed = sync.elapsed;
    assert_eq!(violated(chores::check_sync, &overlapped), "overlap");
}

#[test]
fn count_checks_the_order_and_the_times() {
    let ran = count::simulate(&fifo(0)).unwrap().value;
    count::check(&ran).unwrap();
    let mut interleaved = ran.clone();
    interleaved.lines.swap(2, 3);
    assert_eq!(violated(count::check, &interleaved), "ones-first");
    let mut late = ran;
    late.lines[5].time += Duration::from_millis(1);
    assert_eq!(violated(count::check, &late), "two-at-1s");
}

#[test]
fn makerandom_and_chain_tie_their_times_to_their_draws() {
    let ran = makerandom::simulate(&fifo(0)).unwrap().value;
    makerandom::check(&ran).unwrap();
    let mut low = ran.clone();
    low.value[0] = makerandom::threshold(0);
    assert_eq!(violated(makerandom::check, &low), "above-threshold");
    let mut fewer = ran.clone();
    let retry = fewer
        .lines
        .iter()
        .position(|l| l.text.ends_with("too low; retrying."))
        .expect("seed 0 retries at least once");
    fewer.lines.remove(retry);
    assert_eq!(violated(makerandom::check, &fewer), "finish-time");

    let ran = chain::simulate(&fifo(0)).unwrap().value;
    chain::check(&ran).unwrap();
    let mut longer = ran.clone();
    longer.value[1].i2 += 1;
    assert_eq!(violated(chain::check, &longer), "chain-time");
    let mut gap = ran;
    let part2 = gap
        .lines
        .iter()
        .position(|l| l.text.starts_with("part2(1, "))
        .unwrap();
    gap.lines[part2].time += Duration::from_secs(1);
    assert_eq!(violated(chain::check, &gap), "part2-follows-part1");
}

#[test]
fn async_gen_checks_the_items_the_filter_and_the_pace() {
    let sim = Sim::new(0);
    let ran = async_gen::simulate(&sim).unwrap().value;
    async_gen::check(&ran).unwrap();
    let mut unfiltered = ran.clone();
    unfiltered.value.f = unfiltered.value.g.clone();
    assert_eq!(violated(async_gen::check, &unfiltered), "filtered");
    let mut hurried = ran;
    hurried.value.arrivals[3] = hurried.value.arrivals[2];
    assert_eq!(violated(async_gen::check, &hurried), "pace");
}
