//! Exact values under FIFO order (asyncio's): times, orders and counts from
//! the catalog.

mod common;

use std::time::Duration;

use common::{fifo, secs, texts, timed};
use simloop::Strategy;
use simloop_scenarios::catalog::{
    async_gen, blocking_delay, chain, chess, chores, count, crawler, greetings, hello_world_loop,
    makerandom, producer_consumer, say_after, semaphore_http, tasks_and_futures, wait_for,
};
use simloop_scenarios::{Kind, all};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn count_gathered_prints_three_ones_then_three_twos_in_one_second() {
    let r = count::simulate(&fifo(0)).unwrap();
    let got = timed(&r.value.lines);
    let want: Vec<(String, f64)> = [("One", 0.0), ("One", 0.0), ("One", 0.0)]
        .into_iter()
        .chain([("Two", 1.0); 3])
        .chain([(" executed in 1.00 seconds.", 1.0)])
        .map(|(t, s)| (t.to_owned(), s))
        .collect();
    assert_eq!(got, want);
    let tasks: Vec<&str> = r.value.lines.iter().map(|l| l.task.as_str()).collect();
    assert_eq!(
        tasks,
        [
            "task-1", "task-2", "task-3", "task-1", "task-2", "task-3", "main"
        ]
    );
    assert_eq!(r.elapsed(), secs(1));
}

#[test]
fn count_sync_alternates_and_takes_three_seconds() {
    let r = count::simulate_sync(&fifo(0)).unwrap();
    let got = timed(&r.value.lines);
    let want = [
        ("One", 0.0),
        ("Two", 1.0),
        ("One", 1.0),
        ("Two", 2.0),
        ("One", 2.0),
        ("Two", 3.0),
    ];
    assert_eq!(got, want.map(|(t, s)| (t.to_owned(), s)).to_vec());
    assert_eq!(r.elapsed(), secs(3));
}

#[test]
fn greetings_welcome_twice_then_goodbye_twice_after_one_second() {
    let r = greetings::simulate(&fifo(3)).unwrap();
    assert_eq!(
        timed(&r.value.lines),
        [
            ("Welcome", 0.0),
            ("Welcome", 0.0),
            ("Goodbye", 1.0),
            ("Goodbye", 1.0),
            ("__main__ executed in 1.00 seconds.", 1.0)
        ]
        .map(|(t, s)| (t.to_owned(), s))
        .to_vec()
    );
    assert_eq!(r.elapsed(), secs(1));
}

#[test]
fn makerandom_results_beat_thresholds_and_the_slowest_sets_the_time() {
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let r = makerandom::simulate(&fifo(seed)).unwrap();
        let results = &r.value.value;
        assert!(
            results[0] > 9 && results[1] > 8 && results[2] > 7,
            "{results:?}"
        );
        // Under FIFO each coroutine's lines are in order of its own draws;
        // the elapsed time is the largest (too-low draws) x (idx + 1).
        let want = (0..3)
            .map(|i| makerandom::retries(&r.value.lines, i) * (i + 1))
            .max()
            .unwrap();
        assert_eq!(r.elapsed(), secs(want), "seed {seed}");
        assert_eq!(r.value.lines[0].text, "Initiated makerandom(0).");
        let n = r.value.lines.len();
        assert_eq!(
            texts(&r.value.lines[n - 2..]),
            [
                "",
                &format!("r1: {}, r2: {}, r3: {}", results[0], results[1], results[2])
            ]
        );
        distinct.insert(results.clone());
    }
    assert!(
        distinct.len() > 5,
        "seeds draw different numbers: {distinct:?}"
    );
}

#[test]
fn makerandom_same_seed_same_results_and_log() {
    for seed in [0, 444, 9_999] {
        let a = makerandom::simulate(&fifo(seed)).unwrap();
        let b = makerandom::simulate(&fifo(seed)).unwrap();
        assert_eq!(a.value, b.value);
        assert_eq!(a.fingerprint(), b.fingerprint());
    }
}

#[test]
fn chain_part2_starts_when_part1_returns_and_the_longest_chain_sets_the_time() {
    for seed in 0..100 {
        let r = chain::simulate(&fifo(seed)).unwrap();
        let chains = &r.value.value;
        assert_eq!(chains.iter().map(|c| c.n).collect::<Vec<_>>(), [1, 2, 3]);
        for c in chains {
            assert!(c.i1 <= 10 && c.i2 <= 10);
            assert_eq!(c.took, secs(c.i1 + c.i2));
            let returned = r
                .value
                .lines
                .iter()
                .find(|l| l.text == format!("Returning part1({}) == result{}-1.", c.n, c.n))
                .unwrap();
            let started = r
                .value
                .lines
                .iter()
                .find(|l| {
                    l.text
                        .starts_with(&format!("part2({}, 'result{}-1') sleeping", c.n, c.n))
                })
                .unwrap();
            assert_eq!(returned.time, started.time);
            assert_eq!(returned.time.since_start(), secs(c.i1));
        }
        let longest = chains.iter().map(|c| c.i1 + c.i2).max().unwrap();
        assert_eq!(r.elapsed(), secs(longest));
    }
}

#[test]
fn say_after_two_seconds_three_when_sequential_zero_and_two_leaks_when_unawaited() {
    let both = say_after::simulate(&fifo(0), say_after::main).unwrap();
    assert_eq!(
        timed(&both.value.lines),
        [
            ("started at 00:00:00", 0.0),
            ("hello", 1.0),
            ("world", 2.0),
            ("finished at 00:00:02", 2.0)
        ]
        .map(|(t, s)| (t.to_owned(), s))
        .to_vec()
    );
    assert_eq!(both.elapsed(), secs(2));

    let seq = say_after::simulate(&fifo(0), say_after::main_sequential).unwrap();
    assert_eq!(
        timed(&seq.value.lines),
        [
            ("started at 00:00:00", 0.0),
            ("hello", 1.0),
            ("world", 3.0),
            ("finished at 00:00:03", 3.0)
        ]
        .map(|(t, s)| (t.to_owned(), s))
        .to_vec()
    );
    assert_eq!(seq.elapsed(), secs(3));

    let outcome = say_after::UNAWAITED.run(&fifo(0)).unwrap();
    assert_eq!(outcome.elapsed(), Duration::ZERO);
    let leaked: Vec<String> = outcome.report.leaked.iter().map(|t| t.label()).collect();
    assert_eq!(leaked, ["say_after(1, hello)", "say_after(2, world)"]);
    // The seed prints task1 twice (both still pending), never task2.
    assert_eq!(
        texts(&outcome.log),
        [
            "Before creating tasks.",
            "<Task pending name='say_after(1, hello)'>",
            "<Task pending name='say_after(1, hello)'>",
            "Total time elapsed: 0.00 seconds"
        ]
    );
    outcome.verdict.unwrap();
}

#[test]
fn blocking_delay_both_words_at_three_point_one_seconds_hello_first() {
    let r = blocking_delay::simulate(&fifo(0)).unwrap();
    assert_eq!(
        timed(&r.value.lines),
        [
            ("Before creating tasks.", 0.0),
            ("Before delay - after creating tasks", 0.0),
            ("Start say_after(1, hello)", 0.0),
            ("Start say_after(2, world)", 0.0),
            ("After delay - before await tasks", 3.1),
            ("hello", 3.1),
            ("world", 3.1),
            ("Total time elapsed: 3.10 seconds", 3.1)
        ]
        .map(|(t, s)| (t.to_owned(), s))
        .to_vec()
    );
    assert_eq!(r.elapsed(), ms(3100));
}

#[test]
fn chess_twelve_hours_one_at_a_time_3655_seconds_simultaneously() {
    let sync = chess::simulate_sync(&fifo(0)).unwrap();
    assert_eq!(sync.elapsed(), secs(43_200));
    assert_eq!(sync.value.value.len(), 720);
    let busy = |moves: &[chess::Move]| moves.iter().map(|m| m.end - m.start).sum::<Duration>();
    assert_eq!(busy(&sync.value.value), secs(3600));

    let r = chess::simulate(&fifo(0)).unwrap();
    assert_eq!(r.elapsed(), secs(3655));
    let moves = &r.value.value;
    assert_eq!(moves.len(), 720);
    assert_eq!(busy(moves), secs(3600));
    // The master never rests: move k runs from 5k to 5k + 5 seconds.
    for (k, m) in moves.iter().enumerate() {
        assert_eq!(m.start.since_start(), secs(5 * k as u64));
        assert_eq!(m.end.since_start(), secs(5 * k as u64 + 5));
    }
    // She goes round the boards in order.
    assert_eq!(
        moves[..24].iter().map(|m| m.board).collect::<Vec<_>>(),
        (1..=24).collect::<Vec<_>>()
    );
    assert_eq!(moves.last().unwrap().end.since_start(), secs(3600));
    assert_eq!(
        r.value
            .lines
            .iter()
            .filter(|l| l.text.ends_with("game over after 30 moves"))
            .count(),
        24
    );
}

#[test]
fn chores_three_hours_one_after_another_ninety_minutes_overlapped() {
    let sync = chores::simulate_sync(&fifo(0)).unwrap();
    assert_eq!(sync.elapsed(), secs(3 * 3600));
    let r = chores::simulate(&fifo(0)).unwrap();
    assert_eq!(r.elapsed(), secs(5400));
    let spans: Vec<(&str, u64, u64)> = r
        .value
        .value
        .iter()
        .map(|c| {
            (
                c.name,
                c.start.since_start().as_secs(),
                c.end.since_start().as_secs(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("laundry", 0, 3600),
            ("dinner", 0, 3600),
            ("dishwasher", 3600, 5400),
            ("watering", 3600, 5400)
        ]
    );
}

#[test]
fn hello_world_loop_alternates_four_turns_in_four_seconds() {
    let r = hello_world_loop::simulate(&fifo(0)).unwrap();
    assert_eq!(
        timed(&r.value.lines),
        [
            ("Hello", 0.0),
            ("world", 1.0),
            ("Hello", 2.0),
            ("world", 3.0)
        ]
        .map(|(t, s)| (t.to_owned(), s))
        .to_vec()
    );
    assert_eq!(r.elapsed(), secs(4));
}

#[test]
fn wait_for_times_out_and_cancels_at_one_second() {
    let r = wait_for::simulate(&fifo(0)).unwrap();
    assert_eq!(timed(&r.value.lines), [("Timed out!".to_owned(), 1.0)]);
    let waited = &r.value.value;
    let error = waited.result.expect_err("the 400 s operation times out");
    assert_eq!(error.deadline().since_start(), secs(1));
    assert_eq!(waited.cancelled_at.map(|t| t.since_start()), Some(secs(1)));
    assert_eq!(r.elapsed(), secs(1));
}

#[test]
fn async_gen_powers_of_two_filtered_by_the_seed_rule_in_four_seconds() {
    let r = async_gen::simulate(&fifo(0)).unwrap();
    let p = &r.value.value;
    assert_eq!(p.g, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    assert_eq!(p.f, [1, 2, 16, 32, 256, 512]);
    // Python's `j // 3 % 5` is `(j // 3) % 5`; the rule keeps j when it is 0.
    let rule: Vec<u64> = p.g.iter().copied().filter(|j| (j / 3) % 5 == 0).collect();
    assert_eq!(p.f, rule);
    let mut want = vec![""];
    want.extend(["."; 10]);
    want.push("");
    want.extend(["+"; 10]);
    want.extend([
        "g = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]",
        "f = [1, 2, 16, 32, 256, 512]",
    ]);
    assert_eq!(texts(&r.value.lines), want);
    assert_eq!(p.arrivals[0].since_start(), ms(200));
    assert_eq!(p.arrivals[9].since_start(), secs(2));
    assert_eq!(p.arrivals[19].since_start(), secs(4));
    assert_eq!(r.elapsed(), secs(4));
}

#[test]
fn crawler_fetches_each_url_once_and_reports_errors_per_page() {
    for seed in 0..50 {
        let r = crawler::simulate(&fifo(seed)).unwrap();
        let c = &r.value.value;
        assert_eq!(c.requests.len(), 8);
        let status = |url: &str| c.requests.iter().find(|q| q.url == url).unwrap().status;
        assert_eq!(status(crawler::URLS[1]), 404);
        assert_eq!(status(crawler::URLS[6]), 0, "bloomberg is down");
        assert_eq!(c.requests.iter().filter(|q| q.status == 200).count(), 6);
        // 2 + 3 + 2 + 4 + 1 links on the pages that load, and a header.
        assert_eq!(c.file.len(), 1 + 12);
        assert_eq!(c.file[0], crawler::HEADER);
        // All fetched at once: the crawl takes the largest drawn latency.
        assert!(c.requests.iter().all(|q| q.start.since_start().is_zero()));
        let slowest = c.requests.iter().map(|q| q.latency).max().unwrap();
        assert_eq!(r.elapsed(), slowest);
        let errors = r
            .value
            .lines
            .iter()
            .filter(|l| l.text.starts_with("aioHTTP error"))
            .count();
        assert_eq!(errors, 2);
    }
}

#[test]
fn every_scenario_and_bug_holds_under_fifo_for_a_thousand_seeds() {
    for s in all() {
        common::assert_properties_hold_under(&s, &[Strategy::Fifo]);
    }
    assert_eq!(all().iter().filter(|s| s.kind == Kind::Bug).count(), 8);
}

/// Whether `text` is one of the lines seed 000's producer/consumer program
/// prints.
fn seed_line_of_producer_consumer(text: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let seconds = |s: &str| {
        s.split_once('.')
            .is_some_and(|(a, b)| number(a) && b.len() == 5 && number(b))
    };
    let item = |s: &str| s.len() == 10 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let sleeping = |who: &str| {
        text.strip_prefix(who)
            .and_then(|t| t.strip_suffix(" seconds."))
            .and_then(|t| t.split_once(" sleeping for "))
            .is_some_and(|(n, i)| number(n) && number(i))
    };
    let added = text
        .strip_prefix("Producer ")
        .and_then(|t| t.strip_suffix("> to queue."))
        .and_then(|t| t.split_once(" added <"))
        .is_some_and(|(n, i)| number(n) && item(i));
    let got = text
        .strip_prefix("Consumer ")
        .and_then(|t| t.strip_suffix(" seconds."))
        .and_then(|t| t.split_once(" got element <"))
        .and_then(|(n, rest)| Some((n, rest.split_once("> in ")?)))
        .is_some_and(|(n, (i, s))| number(n) && item(i) && seconds(s));
    let completed = text
        .strip_prefix("Program completed in ")
        .and_then(|t| t.strip_suffix(" seconds."))
        .is_some_and(seconds);
    sleeping("Producer ") || sleeping("Consumer ") || added || got || completed
}

#[test]
fn producer_consumer_moves_every_item_once_then_cancels_the_consumers() {
    for seed in 0..50 {
        for (consumers, r) in [
            (10, producer_consumer::simulate(&fifo(seed)).unwrap()),
            (2, producer_consumer::simulate_two(&fifo(seed)).unwrap()),
        ] {
            let l = &r.value.value;
            // Each producer drew how many items it makes; they add up.
            assert_eq!(l.planned.len(), 5);
            assert!(l.planned.iter().all(|&n| n <= 10));
            let announced = l.planned.iter().sum::<u64>() as usize;
            // Only the seed's lines, and one `added` / `got` line per item.
            for line in &r.value.lines {
                assert!(
                    seed_line_of_producer_consumer(&line.text),
                    "seed {seed}: not a line of the seed program: {:?}",
                    line.text
                );
            }
            let count = |word: &str| {
                r.value
                    .lines
                    .iter()
                    .filter(|line| line.text.contains(word))
                    .count()
            };
            assert_eq!(count("> to queue."), announced);
            assert_eq!(count(" got element <"), announced);
            assert_eq!(l.produced.len(), announced);
            assert_eq!(l.consumed.len(), announced);
            assert_eq!(l.done_at_join, Some(announced));
            assert_eq!((l.left_in_queue, l.unfinished), (0, 0));
            assert_eq!(l.consumers_cancelled, vec![true; consumers]);
            // The run ends when the last item is done (or at t = 0 if there
            // was none): join returns at once, the cancellations take no time.
            let last = l.consumed.iter().map(|t| t.got_at).max();
            assert_eq!(
                r.elapsed(),
                last.map_or(Duration::ZERO, |t| t.since_start())
            );
            assert!(l.consumed.iter().all(|t| t.got_at >= t.item.put_at));
        }
        let outcome = producer_consumer::SCENARIO.run(&fifo(seed)).unwrap();
        assert!(outcome.report.leaked.is_empty(), "no consumer leaked");
    }
}

#[test]
fn tasks_and_futures_finish_at_two_seconds_and_the_future_is_cancelled() {
    let r = tasks_and_futures::simulate(&fifo(0)).unwrap();
    assert_eq!(
        timed(&r.value.lines),
        [
            ("Started: 00:00:00", 0.0),
            ("Before Task 1", 0.0),
            ("Before Task 2", 0.0),
            ("After Task 1", 1.0),
            ("After Task 2", 2.0),
            ("Finished: 00:00:02", 2.0),
            ("False", 2.0),
            ("False", 2.0),
            ("True", 2.0),
            ("True", 2.0)
        ]
        .map(|(t, s)| (t.to_owned(), s))
        .to_vec()
    );
    assert_eq!(r.value.value, [(false, false), (true, true)]);
    assert_eq!(r.elapsed(), secs(2));
}

#[test]
fn semaphore_http_keeps_100_in_flight_and_ends_with_the_last_response() {
    for seed in 0..5 {
        let r = semaphore_http::simulate(&fifo(seed)).unwrap();
        let f = &r.value.value;
        assert_eq!((f.responses, f.errors), (1000, 0));
        assert_eq!(f.most_in_flight, 100);
        assert_eq!(
            texts(&r.value.lines),
            ["1000"],
            "the seed prints len(responses)"
        );
        // Replay the drawn latencies through a pool of 100 slots, in the
        // order the requests were sent (FIFO: the order they queued on the
        // semaphore): only the latencies go in, the run's times are what is
        // compared.
        let mut by_start = f.requests.clone();
        by_start.sort_by_key(|q| q.start);
        let mut free_at = vec![Duration::ZERO; 100];
        for q in &by_start {
            assert!(q.latency >= ms(50) && q.latency <= ms(500));
            let slot = (0..100).min_by_key(|&i| free_at[i]).unwrap();
            assert_eq!(q.start.since_start(), free_at[slot]);
            assert_eq!(q.end.since_start(), free_at[slot] + q.latency);
            free_at[slot] += q.latency;
        }
        assert_eq!(r.elapsed(), free_at.into_iter().max().unwrap());
        assert!(r.elapsed() > ms(2000) && r.elapsed() < ms(4000));
    }
}
