//! The seed programs, one module each, with their variants.

use crate::Scenario;

pub mod async_gen;
pub mod blocking_delay;
pub mod chain;
pub mod chess;
pub mod chores;
pub mod count;
pub mod crawler;
pub mod greetings;
pub mod hello_world_loop;
pub mod makerandom;
pub mod producer_consumer;
pub mod say_after;
pub mod semaphore_http;
pub mod tasks_and_futures;
pub mod wait_for;

/// The seed programs and their variants, in catalog order.
pub fn all() -> Vec<Scenario> {
    vec![
        count::SCENARIO,
        count::SYNC,
        greetings::SCENARIO,
        makerandom::SCENARIO,
        chain::SCENARIO,
        producer_consumer::SCENARIO,
        producer_consumer::TWO_CONSUMERS,
        say_after::SCENARIO,
        say_after::SEQUENTIAL,
        say_after::UNAWAITED,
        blocking_delay::SCENARIO,
        chess::SCENARIO,
        chess::SYNC,
        chores::SCENARIO,
        chores::SYNC,
        hello_world_loop::SCENARIO,
        tasks_and_futures::SCENARIO,
        semaphore_http::SCENARIO,
        wait_for::SCENARIO,
        async_gen::SCENARIO,
        crawler::SCENARIO,
    ]
}
