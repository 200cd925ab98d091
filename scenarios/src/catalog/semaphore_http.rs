//! # `semaphore_http` — seed 001
//!
//! 1 000 GETs of one URL, with at most 100 in flight at once: each request
//! holds a permit of an [`asyncio.Semaphore(100)`](simloop::sync::Semaphore)
//! while it runs, and the responses are collected with
//! [`as_completed`]. The server is
//! [simulated](crate::web): each response takes a latency drawn from the
//! seed's stream (50 to 500 ms). It teaches how a semaphore bounds
//! concurrency without serialising the work.
//!
//! Expected outcome, under every strategy and seed: 1 000 responses; never
//! more than 100 requests in flight, and 100 at some point; the run is
//! exactly the schedule the drawn latencies imply: replaying the latencies,
//! in the order the requests were sent, through a pool of 100 connections
//! (each request takes the connection that frees first and holds it for its
//! latency) gives every request's start and end, and the program ends with
//! the last of them. The program prints only what the seed prints, the
//! number of responses.
//!
//! Properties checked: `all-responses`, `in-flight-limit`,
//! `schedule-implied-by-latencies`, `elapsed`.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use simloop::combinators::as_completed;
use simloop::sync::Semaphore;
use simloop::{Report, Sim, SimError};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::web::{FetchError, Request, Response, Web};
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "semaphore_http",
    "1,000 GETs of a simulated server, at most 100 at once (semaphore), as_completed",
    "001",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The URL of the seed.
pub const URL: &str = "https://binaryjazz.us/wp-json/genrenator/v1/genre/";
/// Requests made.
pub const REQUESTS: usize = 1000;
/// Requests allowed in flight at once.
pub const LIMIT: usize = 100;

/// The simulated server: one host, 50 to 500 ms per response.
pub fn web() -> Web {
    Web::new()
        .host("binaryjazz.us", 50..=500)
        .page(URL, "\"progressive polka\"")
}

/// Counts requests in flight and remembers the most.
#[derive(Debug, Default)]
pub struct InFlight {
    now: Cell<usize>,
    most: Cell<usize>,
}

impl InFlight {
    fn enter(&self) {
        self.now.set(self.now.get() + 1);
        self.most.set(self.most.get().max(self.now.get()));
    }

    fn leave(&self) {
        self.now.set(self.now.get() - 1);
    }
}

/// The seed's `chunked_http_client(num_chunks)`: a GET that holds one of
/// `num_chunks` permits while it runs.
pub fn chunked_http_client(
    num_chunks: usize,
    in_flight: Rc<InFlight>,
) -> impl Fn(&'static str, Web) -> LocalBoxFuture<'static, Result<Response, FetchError>> {
    let semaphore = Semaphore::new(num_chunks).named("connections");
    move |url, web| {
        let semaphore = semaphore.clone();
        let in_flight = in_flight.clone();
        Box::pin(async move {
            let _permit = semaphore.acquire().await;
            in_flight.enter();
            let response = web.get(url).await;
            in_flight.leave();
            response
        })
    }
}

/// What the run saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Responses that came back (in completion order).
    pub responses: usize,
    /// Requests that failed.
    pub errors: usize,
    /// The most requests in flight at once.
    pub most_in_flight: usize,
    /// Every request, as the server saw it.
    pub requests: Vec<Request>,
}

/// 1 000 GETs through the client, collected as they complete.
pub async fn main(log: Log) -> Fetched {
    let web = web();
    let in_flight = Rc::new(InFlight::default());
    let http_get = chunked_http_client(LIMIT, in_flight.clone());
    let tasks: Vec<_> = (0..REQUESTS).map(|_| http_get(URL, web.clone())).collect();
    let mut done = as_completed(tasks);
    let (mut responses, mut errors) = (0, 0);
    while let Some(result) = done.next().await {
        match result.expect("a request task neither panics nor is cancelled") {
            Ok(_) => responses += 1,
            Err(_) => errors += 1,
        }
    }
    log.say(format!("{responses}"));
    web.shutdown();
    Fetched {
        responses,
        errors,
        most_in_flight: in_flight.most.get(),
        requests: web.requests(),
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Fetched>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<Fetched>) -> Result<(), Violation> {
    let f = &ran.value;
    ensure!(
        f.responses == REQUESTS && f.errors == 0 && f.requests.len() == REQUESTS,
        "all-responses",
        "{} responses, {} errors, {} requests seen by the server",
        f.responses,
        f.errors,
        f.requests.len()
    );
    ensure!(
        f.most_in_flight == LIMIT,
        "in-flight-limit",
        "at most {} requests were in flight, expected exactly {LIMIT} at the peak",
        f.most_in_flight
    );
    // The schedule the latencies imply, computed from them alone: a pool of
    // LIMIT connections, each request (in the order they were sent) taking
    // the connection that frees first.
    let mut sent: Vec<&Request> = f.requests.iter().collect();
    sent.sort_by_key(|r| r.start);
    let mut free_at: BinaryHeap<Reverse<Duration>> =
        std::iter::repeat_n(Reverse(Duration::ZERO), LIMIT).collect();
    let mut last = Duration::ZERO;
    for (k, r) in sent.iter().enumerate() {
        let Reverse(start) = free_at.pop().expect("LIMIT connections");
        let end = start + r.latency;
        ensure!(
            r.start.since_start() == start && r.end.since_start() == end,
            "schedule-implied-by-latencies",
            "request #{k} (latency {:?}) ran {:?}..{:?}, the latencies imply {start:?}..{end:?}",
            r.latency,
            r.start.since_start(),
            r.end.since_start()
        );
        free_at.push(Reverse(end));
        last = last.max(end);
    }
    ensure!(
        ran.elapsed == last,
        "elapsed",
        "took {:?}, the latencies imply {last:?}",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Fetched>) -> String {
    format!(
        "{} responses, at most {} in flight, {} in all",
        r.value.responses,
        r.value.most_in_flight,
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let total: Duration = r.value.value.requests.iter().map(|q| q.end - q.start).sum();
    Ok(story.told(vec![format!(
        "1,000 GETs of 50-500 ms each, at most {} at once (a semaphore): {} instead of {} one by one \
         or {} with no limit; the limit was reached and never passed.",
        r.value.value.most_in_flight,
        human::duration(r.elapsed),
        human::duration(total),
        human::duration(
            r.value
                .value
                .requests
                .iter()
                .map(|q| q.end - q.start)
                .max()
                .unwrap_or_default()
        )
    )]))
}
