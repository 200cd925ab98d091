//! Every catalog property, under Random and PCT, for seeds 0..1000 each
//! (and no task left pending, except where the catalog says so).

mod common;

use common::{SEEDS, assert_properties_hold};
use simloop::{Sim, Strategy};
use simloop_scenarios::catalog::{
    async_gen, blocking_delay, chain, chess, chores, count, crawler, greetings, hello_world_loop,
    makerandom, producer_consumer, say_after, semaphore_http, tasks_and_futures, wait_for,
};

macro_rules! properties_hold {
    ($($test:ident => $scenario:expr),* $(,)?) => {$(
        #[test]
        fn $test() {
            assert_properties_hold(&$scenario);
        }
    )*};
}

properties_hold! {
    count_gathered => count::SCENARIO,
    count_sync => count::SYNC,
    greetings => greetings::SCENARIO,
    makerandom => makerandom::SCENARIO,
    chain => chain::SCENARIO,
    producer_consumer => producer_consumer::SCENARIO,
    producer_consumer_two => producer_consumer::TWO_CONSUMERS,
    say_after => say_after::SCENARIO,
    say_after_sequential => say_after::SEQUENTIAL,
    say_after_unawaited => say_after::UNAWAITED,
    blocking_delay => blocking_delay::SCENARIO,
    chess_simultaneous => chess::SCENARIO,
    chess_sync => chess::SYNC,
    chores => chores::SCENARIO,
    chores_sync => chores::SYNC,
    hello_world_loop => hello_world_loop::SCENARIO,
    tasks_and_futures => tasks_and_futures::SCENARIO,
    semaphore_http => semaphore_http::SCENARIO,
    wait_for => wait_for::SCENARIO,
    async_gen => async_gen::SCENARIO,
    crawler => crawler::SCENARIO,
}

fn random_and_pct() -> [Strategy; 2] {
    [Strategy::Random, Strategy::Pct { depth: 3 }]
}

#[test]
fn say_after_unawaited_reports_both_tasks_as_leaked() {
    for strategy in random_and_pct() {
        for seed in 0..SEEDS {
            let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
            let outcome = say_after::UNAWAITED.run(&sim).unwrap();
            let leaked: Vec<String> = outcome.report.leaked.iter().map(|t| t.label()).collect();
            assert_eq!(
                leaked,
                ["say_after(1, hello)", "say_after(2, world)"],
                "{strategy}, seed {seed}"
            );
        }
    }
}

#[test]
fn makerandom_same_seed_gives_the_same_results_and_log() {
    for strategy in random_and_pct() {
        let mut distinct = std::collections::BTreeSet::new();
        for seed in 0..SEEDS {
            let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
            let first = makerandom::simulate(&sim).unwrap();
            let again = makerandom::simulate(&sim).unwrap();
            assert_eq!(first.value, again.value, "{strategy}, seed {seed}");
            assert_eq!(first.fingerprint, again.fingerprint);
            let texts: Vec<String> = first.value.lines.iter().map(|l| l.text.clone()).collect();
            distinct.insert(texts);
        }
        assert!(distinct.len() > 500, "seeds draw different numbers");
    }
}
