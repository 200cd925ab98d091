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
        // A fixed seed, so that CI runs the same programs every time;
        // SIMLOOP_MODEL_SEED explores others (and SIMLOOP_PROPTEST_CASES
        // more of them).
        rng_seed: proptest::test_runner::RngSeed::Fixed(model_seed()),
        ..ProptestConfig::default()
    }
}

/// The proptest seed: `SIMLOOP_MODEL_SEED` if set, else 7.
///
/// # Panics
///
/// If the variable is set to something that is not a `u64`.
fn model_seed() -> u64 {
    match std::env::var("SIMLOOP_MODEL_SEED") {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().unwrap_or_else(|_| {
            panic!("SIMLOOP_MODEL_SEED={text:?} is not a seed: expected a number such as 7")
        }),
        _ => 7,
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

/// The program a random proptest seed found: task 3 holds the permit and
/// waits for ever; task 2 awaits task 3's handle; task 1 aborts task 2,
/// which cancels task 3 with it (as asyncio's cancel goes through an
/// awaited task), so task 3's permit comes back and the root takes it. The
/// invariants used to give back only the aborted task's own permits and
/// saw two permits out of one: they now follow the abort through the join.
fn abort_through_a_join() -> Program {
    use model::Op::{Abort, Acquire, Get, Join, Sleep, Spawn};
    Program {
        tasks: vec![
            vec![Spawn(1), Join(1), Acquire(0)],
            vec![Spawn(2), Sleep(0), Sleep(1), Abort(2)],
            vec![Spawn(3), Join(3)],
            vec![Acquire(0), Get(0)],
        ],
        queues: 1,
        permits: vec![1],
    }
}

#[test]
fn an_abort_through_a_join_gives_the_awaited_tasks_permits_back() {
    let program = abort_through_a_join();
    let expected = reference::run(&program, reference::RULES);
    invariants::check(&program, &expected).unwrap();
    let fifo = Sim::builder().strategy(SimStrategy::Fifo).build();
    assert_eq!(on_simloop::run(&program, &fifo).unwrap(), expected);
    for seed in 0..300 {
        for strategy in [
            SimStrategy::Random,
            SimStrategy::Pct { depth: 1 },
            SimStrategy::Pct { depth: 3 },
        ] {
            let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
            let run = on_simloop::run(&program, &sim).unwrap();
            if let Err(why) = invariants::check(&program, &run) {
                panic!("seed {seed}, {strategy}: {why}\n{run:?}");
            }
        }
    }
}

#[test]
fn the_invariants_still_catch_a_permit_kept_by_a_task_that_was_not_cancelled() {
    // Task 2 is not awaiting task 3 when it is aborted (it sleeps), so task
    // 3 runs on and keeps its permit: a log in which the root acquires one
    // anyway breaks the invariant.
    use model::Op::{Abort, Acquire, Get, Join, Sleep, Spawn};
    use model::{Event, What, ms};
    let program = Program {
        tasks: vec![
            vec![Spawn(1), Join(1), Acquire(0)],
            vec![Spawn(2), Sleep(1), Abort(2)],
            vec![Spawn(3), Sleep(5), Join(3)],
            vec![Acquire(0), Get(0)],
        ],
        queues: 1,
        permits: vec![1],
    };
    let e = |time, task, what| Event { time, task, what };
    let events = vec![
        e(0, 0, What::Start),
        e(0, 0, What::Spawned(1)),
        e(0, 1, What::Start),
        e(0, 1, What::Spawned(2)),
        e(0, 2, What::Start),
        e(0, 2, What::Spawned(3)),
        e(0, 3, What::Start),
        e(0, 3, What::Acquired(0)),
        e(ms(1), 1, What::Slept),
        e(ms(1), 1, What::Aborted(2)),
        e(ms(1), 1, What::End),
        e(ms(1), 0, What::Joined(1, Some(1))),
        e(ms(1), 0, What::Acquired(0)),
    ];
    let run = model::Run {
        events,
        ending: model::Ending::Deadlock(ms(1), vec![0, 3]),
    };
    let why = invariants::check(&program, &run).unwrap_err();
    assert_eq!(
        why,
        "semaphore 0 has 2 permits out of 1 after task 0 acquired one at 1000000"
    );
}

/// The behaviour the model's invariant now accounts for, in plain simloop
/// code: aborting a task that awaits a permit holder's handle cancels the
/// holder, whose permit comes back exactly once.
#[test]
fn a_permit_held_by_a_task_cancelled_through_its_awaiter_comes_back_once() {
    use std::rc::Rc;
    use std::time::Duration;

    use simloop::sync::{Queue, Semaphore};
    use simloop::{task, time};

    for seed in 0..100 {
        for strategy in [
            SimStrategy::Fifo,
            SimStrategy::Random,
            SimStrategy::Pct { depth: 2 },
        ] {
            let sim = Sim::builder().seed(seed).strategy(strategy).build();
            let permits = sim
                .run(async {
                    let sem = Rc::new(Semaphore::new(1));
                    let never = Rc::new(Queue::<u32>::new());
                    let holder = task::spawn({
                        let (sem, never) = (Rc::clone(&sem), Rc::clone(&never));
                        async move {
                            let _permit = sem.acquire().await;
                            never.get().await.unwrap();
                        }
                    });
                    let awaiter = task::spawn(async move { holder.await.is_ok() });
                    time::sleep(Duration::from_millis(1)).await;
                    let held = sem.available_permits();
                    awaiter.abort();
                    assert!(awaiter.await.unwrap_err().is_cancelled());
                    time::sleep(Duration::from_millis(1)).await;
                    let back = sem.available_permits();
                    let permit = sem.try_acquire().expect("the permit is back");
                    let second = sem.try_acquire().is_ok();
                    drop(permit);
                    (held, back, second, sem.available_permits())
                })
                .unwrap();
            assert_eq!(permits, (0, 1, false, 1), "seed {seed}");
        }
    }
}
