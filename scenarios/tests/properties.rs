//! Every catalog property, under Random and PCT, for seeds 0..1000 each.

mod common;

use common::assert_properties_hold;
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
