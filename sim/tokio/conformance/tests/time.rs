//! `tokio::time` under the facade: exact virtual time, tokio's timeout
//! tie-break, intervals and their missed-tick behaviours, `advance` (the
//! behaviours of tokio's `time_sleep.rs`, `time_timeout.rs`,
//! `time_interval.rs` and `time_pause.rs`).

use std::time::Duration;

use tokio::time::{self, Instant, MissedTickBehavior, sleep, sleep_until, timeout, timeout_at};

const MS: Duration = Duration::from_millis(1);

#[tokio::test]
async fn sleep_waits_exactly_and_a_past_deadline_is_ready_at_once() {
    let start = Instant::now();
    sleep(Duration::from_nanos(1_234_567)).await;
    assert_eq!(start.elapsed(), Duration::from_nanos(1_234_567));
    sleep_until(start).await;
    sleep(Duration::ZERO).await;
    assert_eq!(start.elapsed(), Duration::from_nanos(1_234_567));
}

#[tokio::test]
async fn a_sleep_can_be_reset_and_reports_its_deadline() {
    let start = Instant::now();
    let s = sleep(Duration::from_secs(10));
    tokio::pin!(s);
    assert_eq!(s.deadline(), start + Duration::from_secs(10));
    assert!(!s.is_elapsed());
    s.as_mut().reset(start + Duration::from_secs(2));
    (&mut s).await;
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert!(s.is_elapsed());
}

#[tokio::test]
async fn timeout_fails_at_its_deadline_and_passes_the_value_through() {
    let start = Instant::now();
    let err = timeout(Duration::from_secs(1), sleep(Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "deadline has elapsed");
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    let v = timeout(Duration::from_secs(1), async { 3 }).await.unwrap();
    assert_eq!(v, 3);
    let io: std::io::Error = timeout(Duration::ZERO, std::future::pending::<()>())
        .await
        .unwrap_err()
        .into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn at_a_tie_tokio_polls_the_inner_future_first() {
    // The inner sleep and the deadline are due at the same instant: tokio's
    // Timeout polls the inner future first, so it wins.
    let deadline = Instant::now() + Duration::from_secs(1);
    let r = timeout_at(deadline, sleep_until(deadline)).await;
    assert!(r.is_ok());
}

#[tokio::test]
async fn interval_ticks_at_start_then_every_period() {
    let start = Instant::now();
    let mut iv = time::interval(10 * MS);
    assert_eq!(iv.period(), 10 * MS);
    let ticks = [iv.tick().await, iv.tick().await, iv.tick().await];
    assert_eq!(ticks, [start, start + 10 * MS, start + 20 * MS]);
}

/// Ticks after the task was blocked for 65 ms at the second tick, for each
/// missed-tick behaviour (offsets from the start in ms).
async fn ticks_after_a_stall(behavior: MissedTickBehavior) -> Vec<u64> {
    let start = Instant::now();
    let mut iv = time::interval(20 * MS);
    iv.set_missed_tick_behavior(behavior);
    assert_eq!(iv.missed_tick_behavior(), behavior);
    let mut out = Vec::new();
    for i in 0..5 {
        let t = iv.tick().await;
        out.push((t - start).as_millis() as u64);
        if i == 1 {
            // Blocking work: the clock moves on, nothing else runs.
            simloop::time::busy(65 * MS);
        }
    }
    out.push((Instant::now() - start).as_millis() as u64);
    out
}

#[tokio::test]
async fn missed_ticks_burst_delay_or_skip_as_in_tokio() {
    // Blocked from 20 ms to 85 ms: ticks due at 40, 60 and 80 were missed.
    assert_eq!(
        ticks_after_a_stall(MissedTickBehavior::Burst).await,
        [0, 20, 40, 60, 80, 85]
    );
    let d = ticks_after_a_stall(MissedTickBehavior::Delay).await;
    // The late tick fires at 85 ms (reported as scheduled, 40), the next
    // ones 20 ms apart from then.
    assert_eq!(d, [0, 20, 40, 105, 125, 125]);
    let s = ticks_after_a_stall(MissedTickBehavior::Skip).await;
    assert_eq!(s, [0, 20, 40, 100, 120, 120]);
}

#[tokio::test]
async fn interval_resets() {
    let start = Instant::now();
    let mut iv = time::interval_at(start + 5 * MS, 10 * MS);
    assert_eq!(iv.tick().await, start + 5 * MS);
    iv.reset();
    assert_eq!(iv.tick().await, start + 15 * MS);
    iv.reset_after(MS);
    assert_eq!(iv.tick().await, start + 16 * MS);
    iv.reset_immediately();
    assert_eq!(iv.tick().await, start + 16 * MS);
    iv.reset_at(start + 100 * MS);
    assert_eq!(iv.tick().await, start + 100 * MS);
}

#[test]
#[should_panic(expected = "`period` must be non-zero.")]
fn a_zero_period_panics() {
    simloop::Sim::new(1)
        .run(async {
            let _ = time::interval(Duration::ZERO);
        })
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn advance_jumps_the_clock_and_wakes_what_it_passed() {
    time::pause();
    let start = Instant::now();
    let (started, is_started) = tokio::sync::oneshot::channel();
    let sleeper = tokio::spawn(async move {
        let nap = sleep(Duration::from_secs(1));
        started.send(()).unwrap();
        nap.await;
        Instant::now()
    });
    is_started.await.unwrap();
    time::advance(Duration::from_secs(10)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    // The sleeper woke after the jump: the clock read 10 s for it, as in tokio.
    assert_eq!(sleeper.await.unwrap() - start, Duration::from_secs(10));
    time::resume();
}

#[tokio::test]
async fn std_instants_convert_both_ways() {
    sleep(Duration::from_secs(3)).await;
    let now = Instant::now();
    let std: std::time::Instant = now.into();
    assert_eq!(Instant::from_std(std), now);
    assert_eq!(now.checked_sub(Duration::from_secs(4)), None);
    assert_eq!(
        now.checked_duration_since(now + MS),
        None,
        "a later instant has no duration since"
    );
}
