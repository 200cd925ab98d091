//! Model-based tests of the executor: random programs of tasks (sleeps,
//! busy work, yields, spawns, joins, aborts, queue puts and gets, semaphore
//! acquires and releases, timeouts) run on simloop and on the reference
//! model of `simloop_tests::model::reference`. Under FIFO order the two
//! event logs, with their virtual times, and the ways the runs end must be
//! equal; under Random and PCT every invariant of
//! `simloop_tests::model::invariants` must hold.
//!
//! 2 000 programs per property by default (a few seconds);
//! `SIMLOOP_PROPTEST_CASES` sets another number.

use proptest::prelude::*;
use simloop::{Sim, Strategy as SimStrategy};
use simloop_tests::budget;
use simloop_tests::model::{self, Program, invariants, on_simloop, reference};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: budget::cases(cases),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        // A fixed seed, so that CI runs the same programs every time; other
        // seeds are explored with SIMLOOP_PROPTEST_CASES and by changing it.
        rng_seed: proptest::test_runner::RngSeed::Fixed(7),
        ..ProptestConfig::default()
    }
}

fn programs() -> impl Strategy<Value = Program> {
    model::programs(5, 7)
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn under_fifo_simloop_does_what_the_model_does(program in programs()) {
        let sim = Sim::builder().strategy(SimStrategy::Fifo).build();
        let real = on_simloop::run(&program, &sim).map_err(TestCaseError::fail)?;
        let expected = reference::run(&program, reference::RULES);
        if real != expected {
            let first = real
                .events
                .iter()
                .zip(&expected.events)
                .position(|(a, b)| a != b)
                .unwrap_or(real.events.len().min(expected.events.len()));
            return Err(TestCaseError::fail(format!(
                "the logs differ from event {first}:\n  simloop: {:?}\n  model:   {:?}\nsimloop ended {:?}, the model {:?}",
                &real.events[first.min(real.events.len())..],
                &expected.events[first.min(expected.events.len())..],
                real.ending,
                expected.ending,
            )));
        }
        // The invariants hold of the model's own runs.
        invariants::check(&program, &expected).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn under_random_every_invariant_holds(program in programs(), seed in any::<u64>()) {
        let sim = Sim::builder().seed(seed).strategy(SimStrategy::Random).build();
        let run = on_simloop::run(&program, &sim).map_err(TestCaseError::fail)?;
        invariants::check(&program, &run).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn under_pct_every_invariant_holds(program in programs(), seed in any::<u64>(), depth in 1u32..4) {
        let sim = Sim::builder().seed(seed).strategy(SimStrategy::Pct { depth }).build();
        let run = on_simloop::run(&program, &sim).map_err(TestCaseError::fail)?;
        invariants::check(&program, &run).map_err(TestCaseError::fail)?;
    }
}
