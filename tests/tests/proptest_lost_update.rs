//! proptest over interleavings: a lost update is found and shrunk to a
//! schedule of one or two deviations from FIFO order; with a lock, the
//! property holds under every generated schedule.
//!
//! The programs stagger their tasks (task `i` first yields `i` times, leads
//! `0..n`), so that FIFO order passes and only other interleavings lose
//! updates.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use simloop::proptest::{replaying, run_with_schedule, schedules, seeds, sim_with};
use simloop::{Schedule, Sim, Strategy as Interleaving, task};
use simloop_tests::programs::{locked_increments, racy_increments};

/// A runner with a fixed seed and no regression files, so the test does the
/// same thing on every run.
fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x5eed),
        ..Config::default()
    })
}

#[test]
fn fifo_order_does_not_lose_the_update() {
    for n in 2..6 {
        assert_eq!(Sim::new(0).run(racy_increments(0..n)).unwrap(), n);
    }
}

#[test]
fn proptest_finds_the_lost_update_and_shrinks_it_to_few_deviations() {
    let result = runner(64).run(&schedules(24), |schedule| {
        let counter = run_with_schedule(schedule, racy_increments(0..2)).unwrap();
        prop_assert_eq!(counter, 2);
        Ok(())
    });
    let Err(TestError::Fail(reason, schedule)) = result else {
        panic!("expected the property to fail, got {result:?}");
    };
    assert!(reason.message().contains("assertion failed"), "{reason}");
    // FIFO passes, so at least one deviation is needed; shrinking leaves
    // no more than two.
    let deviations = schedule.deviations();
    assert!(
        (1..=2).contains(&deviations),
        "shrunk schedule {schedule} has {deviations} deviation(s)"
    );
    assert_eq!(schedule, schedule.trimmed(), "no trailing FIFO choices");
    // The shrunk schedule reproduces the failure, and so does its text form
    // (what a user copies from the failure message).
    assert_eq!(
        run_with_schedule(schedule.clone(), racy_increments(0..2)).unwrap(),
        1
    );
    let text: Schedule = schedule.to_string().parse().unwrap();
    assert_eq!(run_with_schedule(text, racy_increments(0..2)).unwrap(), 1);
    // proptest prints the minimal input with `{:#?}`: that shows the text
    // form to copy, not a list of choice structs.
    assert_eq!(
        format!("{schedule:#?}"),
        format!("Schedule(\"{schedule}\")")
    );
}

#[test]
fn parameters_and_schedule_shrink_together() {
    // Parameters first: proptest shrinks a tuple's parts one after the
    // other, so `n` shrinks under the random schedule that exposed the bug,
    // then the schedule shrinks for the final `n`.
    let strategy = (2..6usize, schedules(24));
    let result = runner(64).run(&strategy, |(n, schedule)| {
        let counter = run_with_schedule(schedule, racy_increments(0..n)).unwrap();
        prop_assert_eq!(counter, n);
        Ok(())
    });
    let Err(TestError::Fail(_, (n, schedule))) = result else {
        panic!("expected the property to fail, got {result:?}");
    };
    assert!((2..6).contains(&n));
    let deviations = schedule.deviations();
    assert!(
        (1..=2).contains(&deviations),
        "n = {n}: shrunk schedule {schedule} has {deviations} deviation(s)"
    );
    assert!(run_with_schedule(schedule, racy_increments(0..n)).unwrap() < n);
}

#[test]
fn shrinking_reaches_a_single_deviation() {
    // Fails as soon as the run deviates from FIFO order at all: the minimal
    // failing schedule has exactly one non-zero index.
    let program = || async {
        let tasks: Vec<_> = (0..3)
            .map(|_| task::spawn(async { task::yield_now().await }))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    };
    let result = runner(32).run(&schedules(16), |schedule| {
        let report = replaying(schedule).run_report(program()).unwrap();
        prop_assert_eq!(report.schedule.deviations(), 0);
        Ok(())
    });
    let Err(TestError::Fail(_, schedule)) = result else {
        panic!("expected the property to fail, got {result:?}");
    };
    assert_eq!(schedule.deviations(), 1, "shrunk to {schedule}");
    assert_eq!(schedule.trimmed().deviations(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_lock_keeps_every_update(schedule in schedules(32), n in 2..6usize) {
        let counter = run_with_schedule(schedule, locked_increments(0..n)).unwrap();
        prop_assert_eq!(counter, n);
    }

    #[test]
    fn simulations_from_schedules_replay_them(sim in sim_with(schedules(8))) {
        let Interleaving::Replay(schedule) = sim.strategy().clone() else {
            panic!("sim_with must replay its schedule");
        };
        let report = sim.run_report(racy_increments(0..2)).unwrap();
        // The run followed the generated schedule as far as it offered
        // choices (indices wrap around the number of options).
        for (made, asked) in report.schedule.choices().iter().zip(schedule.choices()) {
            prop_assert_eq!(made.index, asked.index % made.of);
        }
    }

    #[test]
    fn seeds_vary_the_random_strategy_not_the_outcome(seed in seeds()) {
        let sim = Sim::builder().seed(seed).strategy(Interleaving::Random).build();
        let counter = sim.run(locked_increments(0..3)).unwrap();
        prop_assert_eq!(counter, 3);
    }
}
