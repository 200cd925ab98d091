//! Every catalog property, under Random and PCT, for seeds 0..1000 each.

mod common;

use common::assert_properties_hold;
use simloop_scenarios::catalog::{
    async_gen, blocking_delay, chain, chess, chores, count, crawler, greetings, hello_world_loop,
    makerandom, say_after, wait_for,
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
    say_after => say_after::SCENARIO,
    say_after_sequential => say_after::SEQUENTIAL,
    say_after_unawaited => say_after::UNAWAITED,
    blocking_delay => blocking_delay::SCENARIO,
    chess_simultaneous => chess::SCENARIO,
    chess_sync => chess::SYNC,
    chores => chores::SCENARIO,
    chores_sync => chores::SYNC,
    hello_world_loop => hello_world_loop::SCENARIO,
    wait_for => wait_for::SCENARIO,
    async_gen => async_gen::SCENARIO,
    crawler => crawler::SCENARIO,
}
