//! `simloop::sync::Barrier`: asyncio's `Barrier` (3.11) rounds, indices,
//! cancellation, abort and reset.

use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use simloop::sync::{Barrier, BrokenBarrier};
use simloop::{Sim, task, time};
use simloop_tests::log::{Log, now_ms};

fn party(b: &Barrier, log: &Log, name: String, delay_ms: u64) -> task::JoinHandle<()> {
    let (b, log) = (b.clone(), log.clone());
    task::spawn(async move {
        time::sleep(Duration::from_millis(delay_ms)).await;
        log.borrow_mut()
            .push(format!("{name} arrives {}", now_ms()));
        match b.wait().await {
            Ok(i) => log
                .borrow_mut()
                .push(format!("{name} passes {i} {}", now_ms())),
            Err(BrokenBarrier) => log.borrow_mut().push(format!("{name} broken {}", now_ms())),
        }
    })
}

#[test]
fn rounds_cancellation_abort_and_reset_as_in_asyncio() {
    // The same program on CPython 3.11 (virtual clock) prints these lines.
    let lines = Sim::new(1)
        .run(async {
            let b = Barrier::new(3);
            let log: Log = Rc::default();
            let ts: Vec<_> = (0..3)
                .map(|i| party(&b, &log, format!("p{i}"), i * 1000))
                .collect();
            for t in ts {
                t.await.unwrap();
            }
            // Second round: q0 is cancelled while it waits in the barrier.
            let ts: Vec<_> = (0..3)
                .map(|i| party(&b, &log, format!("q{i}"), 10_000 + i * 1000))
                .collect();
            time::sleep(Duration::from_millis(10_500)).await;
            ts[0].abort();
            log.borrow_mut()
                .push(format!("n_waiting after cancel req {}", b.n_waiting()));
            task::yield_now().await;
            task::yield_now().await;
            log.borrow_mut()
                .push(format!("n_waiting {}", b.n_waiting()));
            let extra = party(&b, &log, "r".into(), 3000);
            for t in ts {
                if let Err(e) = t.await {
                    assert!(e.is_cancelled(), "{e}");
                }
            }
            extra.await.unwrap();
            // Abort breaks current and later waits.
            let ts: Vec<_> = (0..2)
                .map(|i| party(&b, &log, format!("a{i}"), 1000))
                .collect();
            time::sleep(Duration::from_secs(2)).await;
            b.abort();
            for t in ts {
                t.await.unwrap();
            }
            party(&b, &log, "late".into(), 0).await.unwrap();
            // Reset repairs it; a reset while tasks wait breaks their wait.
            b.reset();
            let ts: Vec<_> = (0..2)
                .map(|i| party(&b, &log, format!("z{i}"), 1000))
                .collect();
            time::sleep(Duration::from_secs(2)).await;
            b.reset();
            for t in ts {
                t.await.unwrap();
            }
            log.borrow_mut()
                .push(format!("broken {} n {}", b.is_broken(), b.n_waiting()));
            log.take()
        })
        .unwrap();
    let expected = "p0 arrives 0
p1 arrives 1000
p2 arrives 2000
p2 passes 2 2000
p0 passes 0 2000
p1 passes 1 2000
q0 arrives 12000
n_waiting after cancel req 1
n_waiting 0
q1 arrives 13000
q2 arrives 14000
r arrives 15500
r passes 2 15500
q1 passes 0 15500
q2 passes 1 15500
a0 arrives 16500
a1 arrives 16500
a0 broken 17500
a1 broken 17500
late arrives 17500
late broken 17500
z0 arrives 18500
z1 arrives 18500
z0 broken 19500
z1 broken 19500
broken false n 0";
    assert_eq!(lines.join("\n"), expected);
}

#[test]
fn tasks_arriving_while_the_barrier_drains_wait_for_the_next_round() {
    // CPython 3.11: ['a arrives', 'main released 1', 'c arrives',
    // 'a passes 0', 'n_waiting 1', 'main again 1', 'c passes 0']
    let out = Sim::new(1)
        .run(async {
            let b = Barrier::new(2);
            let log: Log = Rc::default();
            let p = |name: &'static str| {
                let (b, log) = (b.clone(), log.clone());
                task::spawn(async move {
                    log.borrow_mut().push(format!("{name} arrives"));
                    let r = b.wait().await.unwrap();
                    log.borrow_mut().push(format!("{name} passes {r}"));
                })
            };
            let a = p("a");
            task::yield_now().await;
            let c = p("c"); // first runs after main releases the barrier
            // The last arrival returns at once, without yielding.
            let r = b.wait().now_or_never().unwrap().unwrap();
            log.borrow_mut().push(format!("main released {r}"));
            task::yield_now().await;
            task::yield_now().await;
            log.borrow_mut()
                .push(format!("n_waiting {}", b.n_waiting()));
            let r = b.wait().await.unwrap();
            log.borrow_mut().push(format!("main again {r}"));
            a.await.unwrap();
            c.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(
        out,
        vec![
            "a arrives",
            "main released 1",
            "c arrives",
            "a passes 0",
            "n_waiting 1",
            "main again 1",
            "c passes 0"
        ]
    );
}

#[test]
fn a_task_cancelled_while_waiting_for_the_barrier_to_drain_is_not_counted() {
    Sim::new(1)
        .run(async {
            let b = Barrier::new(2);
            let a = {
                let b = b.clone();
                task::spawn(async move { b.wait().await })
            };
            task::yield_now().await;
            // `c` is queued before `a` wakes, so it finds the barrier draining.
            let c = {
                let b = b.clone();
                task::spawn(async move { b.wait().await })
            };
            assert_eq!(b.wait().now_or_never(), Some(Ok(1)));
            task::yield_now().await; // c runs and waits for the drain
            c.abort();
            assert!(c.await.unwrap_err().is_cancelled());
            assert_eq!(a.await.unwrap(), Ok(0));
            // The next round starts empty: it needs two fresh parties.
            assert_eq!(b.n_waiting(), 0);
            let d = {
                let b = b.clone();
                task::spawn(async move { b.wait().await })
            };
            task::yield_now().await;
            assert_eq!(b.n_waiting(), 1);
            assert_eq!(b.wait().await, Ok(1));
            assert_eq!(d.await.unwrap(), Ok(0));
        })
        .unwrap();
}

#[test]
fn a_single_party_barrier_never_blocks() {
    Sim::new(1)
        .run(async {
            let b = Barrier::new(1);
            assert_eq!(b.parties(), 1);
            for _ in 0..3 {
                assert_eq!(b.wait().now_or_never(), Some(Ok(0)));
            }
        })
        .unwrap();
}

#[test]
fn a_deadlock_report_names_the_barrier() {
    let err = Sim::new(1)
        .run(async {
            let b = Barrier::new(2).named("start");
            b.wait().await.unwrap();
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("Barrier::wait on \"start\""),
        "{err}"
    );
}

#[test]
#[should_panic(expected = "parties must be at least 1")]
fn zero_parties_is_refused() {
    let _ = Barrier::new(0);
}

#[test]
fn barriers_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Barrier>();
}
