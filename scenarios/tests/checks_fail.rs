//! Every property check can fail: each test takes a real run, breaks one
//! thing the catalog promises, and expects the check to name the broken
//! property.

mod common;

use common::fifo;
use simloop_scenarios::catalog::semaphore_http;
use simloop_scenarios::{Ran, Violation};

/// The name of the property `check` finds violated in `ran`.
fn violated<T>(check: fn(&Ran<T>) -> Result<(), Violation>, ran: &Ran<T>) -> &'static str {
    match check(ran) {
        Ok(()) => panic!("the check passed a broken run"),
        Err(v) => v.property,
    }
}

#[test]
fn semaphore_http_schedule_comes_from_the_drawn_latencies() {
    let ran = semaphore_http::simulate(&fifo(0)).unwrap().value;
    semaphore_http::check(&ran).unwrap();
    // A server that took twice as long as the latencies it drew: starts and
    // ends still fit together, but not with the latencies.
    let mut slow = ran.clone();
    for q in &mut slow.value.requests {
        q.latency /= 2;
    }
    assert_eq!(
        violated(semaphore_http::check, &slow),
        "schedule-implied-by-latencies"
    );
    let mut early = ran.clone();
    early.elapsed -= std::time::Duration::from_millis(1);
    assert_eq!(violated(semaphore_http::check, &early), "elapsed");
    let mut over = ran;
    over.value.most_in_flight = 101;
    assert_eq!(violated(semaphore_http::check, &over), "in-flight-limit");
}
