//! Sweeps: parallel runs across seeds, merged into a report that does not
//! depend on the number of threads.

use std::time::Duration;

use simloop::harness::{Shard, Sweep, SweepReport};
use simloop::{Sim, Strategy, rand, task, time};
use simloop_tests::programs::lost_update;

/// Three workers increment a counter across a yield after a random number of
/// leading yields (drawn from the seed): some seeds lose an update.
async fn racy_counter() {
    lost_update((0..3).map(|_| rand::range(0..3u32) as usize)).await;
}

/// The seeds among `seeds` that fail when run one by one.
fn failing_seeds(seeds: std::ops::Range<u64>) -> Vec<u64> {
    seeds
        .filter(|&seed| {
            let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
            sim.run(racy_counter()).is_err()
        })
        .collect()
}

fn summary(r: &SweepReport) -> (u64, Vec<u64>, usize, Option<simloop::harness::ElapsedStats>) {
    let seeds = r.failures.iter().map(|f| f.seed).collect();
    (r.seeds_run, seeds, r.distinct_fingerprints, r.elapsed)
}

#[test]
fn stopping_at_the_first_failure_reports_the_lowest_failing_seed() {
    let expected = failing_seeds(0..200);
    assert!(expected.len() > 5, "the bug shows often: {expected:?}");
    let lowest = expected[0];
    for jobs in [1, 2, 4] {
        let report = Sweep::new()
            .seeds(0..200)
            .jobs(jobs)
            .shrink(false)
            .run(|_| racy_counter());
        assert_eq!(report.first_failure().unwrap().seed, lowest, "{jobs} jobs");
        assert_eq!(report.failures.len(), 1);
        assert_eq!(
            report.seeds_run,
            lowest + 1,
            "exactly the seeds up to the failure"
        );
    }
}

#[test]
fn a_slow_low_failure_wins_over_fast_higher_ones() {
    // Seed 37 fails after a long run; seeds 41 and 90 fail at once, so
    // other threads find them first. The report names 37 all the same, and
    // counts exactly the seeds up to it.
    let scenario = |seed: u64| async move {
        if seed == 37 {
            for _ in 0..20_000 {
                task::yield_now().await;
            }
        }
        assert!(![37, 41, 90].contains(&seed), "seed {seed} fails");
    };
    for jobs in [1, 4] {
        let report = Sweep::new()
            .seeds(0..200)
            .jobs(jobs)
            .shrink(false)
            .run(scenario);
        let seeds: Vec<u64> = report.failures.iter().map(|f| f.seed).collect();
        assert_eq!(seeds, vec![37], "{jobs} jobs");
        assert_eq!(report.seeds_run, 38, "{jobs} jobs");
    }
}

#[test]
fn collecting_all_failures_finds_every_failing_seed() {
    let expected = failing_seeds(0..120);
    let reports: Vec<SweepReport> = [1, 3]
        .into_iter()
        .map(|jobs| {
            Sweep::new()
                .seeds(0..120)
                .jobs(jobs)
                .stop_at_first_failure(false)
                .shrink(false)
                .run(|_| racy_counter())
        })
        .collect();
    let failing: Vec<u64> = reports[0].failures.iter().map(|f| f.seed).collect();
    assert_eq!(failing, expected);
    assert_eq!(reports[0].seeds_run, 120);
    // Everything but wall time is independent of the number of threads.
    assert_eq!(summary(&reports[0]), summary(&reports[1]));
    for f in &reports[0].failures {
        assert_eq!(f.error.seed(), f.seed);
        assert_eq!(f.strategy, Strategy::Random);
        assert!(f.error.to_string().contains("lost update"));
        assert!(f.shrunk.is_none());
    }
}

#[test]
fn only_the_lowest_failure_is_shrunk() {
    let report = Sweep::new()
        .seeds(0..60)
        .jobs(2)
        .stop_at_first_failure(false)
        .run(|_| racy_counter());
    let (first, rest) = report.failures.split_first().unwrap();
    let shrunk = first.shrunk().expect("shrunk");
    assert!(shrunk.deviations() <= first.schedule.deviations());
    assert!(rest.iter().all(|f| f.shrunk.is_none()));
}

#[test]
fn virtual_time_statistics_cover_every_run() {
    // Each seed sleeps a number of seconds drawn from its stream.
    let scenario = |_| async {
        time::sleep(Duration::from_secs(rand::range(1..=100u64))).await;
    };
    let mut times: Vec<Duration> = (0..51)
        .map(|seed| {
            Sim::builder()
                .seed(seed)
                .strategy(Strategy::Random)
                .build()
                .run_report(scenario(seed))
                .unwrap()
                .elapsed
        })
        .collect();
    times.sort_unstable();
    let report = Sweep::new().seeds(0..51).jobs(3).run(scenario);
    assert!(report.passed());
    let stats = report.elapsed.unwrap();
    assert_eq!(stats.min, times[0]);
    assert_eq!(stats.median, times[25]);
    assert_eq!(stats.max, times[50]);
    assert!(stats.min < stats.max, "the seeds draw different sleeps");
}

#[test]
fn fingerprints_count_the_distinct_interleavings() {
    // Three tasks that yield: one interleaving under FIFO order, several at
    // random.
    let scenario = |_| async {
        let tasks: Vec<_> = (0..3)
            .map(|_| task::spawn(async { task::yield_now().await }))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    };
    let fifo = Sweep::new()
        .strategy(Strategy::Fifo)
        .seeds(0..30)
        .run(scenario);
    assert_eq!(fifo.distinct_fingerprints, 1);
    let random = Sweep::new().seeds(0..30).run(scenario);
    assert!(random.distinct_fingerprints > 5, "{random}");
    assert!(random.distinct_fingerprints <= 30);
}

#[test]
fn shards_run_disjoint_seeds_that_together_make_the_sweep() {
    let whole = Sweep::new()
        .seeds(0..90)
        .stop_at_first_failure(false)
        .shrink(false)
        .run(|_| racy_counter());
    let mut seeds_run = 0;
    let mut failing = Vec::new();
    for i in 0..3 {
        let part = Sweep::new()
            .seeds(0..90)
            .shard(Shard::new(i, 3).unwrap())
            .stop_at_first_failure(false)
            .shrink(false)
            .run(|_| racy_counter());
        seeds_run += part.seeds_run;
        assert!(part.failures.iter().all(|f| f.seed % 3 == i));
        failing.extend(part.failures.iter().map(|f| f.seed));
    }
    failing.sort_unstable();
    assert_eq!(seeds_run, 90);
    assert_eq!(
        failing,
        whole.failures.iter().map(|f| f.seed).collect::<Vec<_>>()
    );
}

#[test]
fn a_panic_while_making_the_scenario_fails_that_seed_only() {
    let report = Sweep::new()
        .seeds(0..10)
        .stop_at_first_failure(false)
        .shrink(false)
        .run(|seed| {
            assert!(seed % 4 != 3, "cannot make seed {seed}");
            async {}
        });
    let failing: Vec<u64> = report.failures.iter().map(|f| f.seed).collect();
    assert_eq!(failing, vec![3, 7]);
    assert!(
        report.failures[0]
            .error
            .to_string()
            .contains("cannot make seed 3")
    );
}

#[test]
fn the_sweep_settings_apply_to_every_run() {
    // A run that would take two virtual hours fails a one-hour limit.
    let sim = Sim::builder()
        .strategy(Strategy::Pct { depth: 2 })
        .time_limit(Duration::from_secs(3600))
        .build();
    let report = Sweep::new()
        .sim(sim)
        .seeds(10..14)
        .stop_at_first_failure(false)
        .shrink(false)
        .run(|_| time::sleep(Duration::from_secs(7200)));
    assert_eq!(report.seeds_run, 4);
    let seeds: Vec<u64> = report.failures.iter().map(|f| f.seed).collect();
    assert_eq!(seeds, vec![10, 11, 12, 13]);
    for f in &report.failures {
        assert_eq!(f.error.kind(), "time limit");
        // The sweep measured the run length for PCT first.
        assert!(matches!(f.strategy, Strategy::PctWithin { depth: 2, .. }));
    }
}

#[test]
fn reports_and_failures_cross_threads() {
    // A sweep run on another thread hands its report (errors, schedules,
    // shrunk schedules) back to this one.
    let report = std::thread::spawn(|| Sweep::new().seeds(0..40).jobs(2).run(|_| racy_counter()))
        .join()
        .unwrap();
    let failure = report.first_failure().unwrap();
    let shrunk = failure.shrunk().unwrap();
    let replay = Sim::builder()
        .seed(failure.seed)
        .strategy(shrunk.strategy())
        .build();
    assert!(
        replay
            .run(racy_counter())
            .unwrap_err()
            .to_string()
            .contains("lost update")
    );
}
