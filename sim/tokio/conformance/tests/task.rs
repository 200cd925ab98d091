//! `tokio::spawn`, `JoinHandle`, `AbortHandle`, `JoinError`, `JoinSet`,
//! `spawn_blocking`, `LocalSet` and task-locals under the facade (the
//! behaviours of tokio's `task_abort.rs`, `task_join_set.rs` and
//! `task_local.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::{JoinSet, LocalSet};
use tokio::time::{Instant, sleep};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn handles_and_errors_are_send_and_sync_as_in_tokio() {
    assert_send_sync::<tokio::task::JoinHandle<u32>>();
    assert_send_sync::<tokio::task::AbortHandle>();
    assert_send_sync::<tokio::task::JoinError>();
    assert_send_sync::<tokio::time::error::Elapsed>();
}

#[tokio::test]
async fn a_spawned_task_returns_its_output() {
    let h = tokio::spawn(async {
        sleep(Duration::from_secs(3)).await;
        7
    });
    assert!(!h.is_finished());
    assert_eq!(h.await.unwrap(), 7);
    assert_eq!(Instant::now().elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn an_aborted_task_is_cancelled_and_its_future_dropped() {
    struct Flag(Arc<AtomicUsize>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = Flag(Arc::clone(&dropped));
    let h = tokio::spawn(async move {
        let _flag = flag;
        sleep(Duration::from_secs(60)).await;
        "never"
    });
    sleep(Duration::from_secs(1)).await;
    h.abort();
    let err = h.await.unwrap_err();
    assert!(err.is_cancelled());
    assert!(!err.is_panic());
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert!(err.to_string().ends_with("was cancelled"), "{err}");
}

#[tokio::test]
async fn aborting_before_the_first_poll_never_runs_the_task() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let h = tokio::spawn(async move {
        r.fetch_add(1, Ordering::SeqCst);
    });
    h.abort_handle().abort();
    assert!(h.await.unwrap_err().is_cancelled());
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn aborts_at_every_stage_reach_only_their_tasks() {
    let start = Instant::now();
    let finished = tokio::spawn(async { 1 });
    sleep(Duration::from_millis(1)).await;
    finished.abort();
    let unpolled = tokio::spawn(async { 2 });
    unpolled.abort();
    unpolled.abort();
    let sleeping = tokio::spawn(sleep(Duration::from_secs(60)));
    let bystander = tokio::spawn(async {
        for _ in 0..3 {
            sleep(Duration::from_secs(1)).await;
        }
        4
    });
    sleep(Duration::from_millis(1)).await;
    sleeping.abort();
    assert_eq!(finished.await.unwrap(), 1);
    assert!(unpolled.await.unwrap_err().is_cancelled());
    assert!(sleeping.await.unwrap_err().is_cancelled());
    assert_eq!(bystander.await.unwrap(), 4);
    // Every abort above has settled; a later one still reaches its task,
    // from another task.
    let late = tokio::spawn(sleep(Duration::from_secs(60)));
    let aborter = late.abort_handle();
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        aborter.abort();
    });
    assert!(late.await.unwrap_err().is_cancelled());
    // The bystander ended at 3.001 s, the late task was aborted 1 s later.
    assert_eq!(start.elapsed(), Duration::from_millis(4_001));
}

#[tokio::test]
async fn aborting_a_finished_task_keeps_its_output() {
    let h = tokio::spawn(async { 5 });
    // The clock moves only once every ready task has run.
    sleep(Duration::from_millis(1)).await;
    assert!(h.is_finished());
    h.abort();
    assert_eq!(h.await.unwrap(), 5);
}

#[tokio::test]
async fn a_panic_is_a_join_error_with_its_payload() {
    let h = tokio::spawn(async {
        if Instant::now().elapsed() == Duration::ZERO {
            panic!("boom");
        }
    });
    let err = h.await.unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("boom"), "{err}");
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
}

#[tokio::test]
async fn a_dropped_handle_detaches_the_task() {
    let done = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&done);
    drop(tokio::spawn(async move {
        sleep(Duration::from_secs(5)).await;
        d.fetch_add(1, Ordering::SeqCst);
    }));
    sleep(Duration::from_secs(6)).await;
    assert_eq!(done.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn task_ids_differ_and_match_inside_the_task() {
    let h = tokio::spawn(async { tokio::task::id() });
    let id = h.id();
    assert_eq!(h.await.unwrap(), id);
    assert_ne!(tokio::task::id(), id);
}

#[tokio::test]
async fn join_set_returns_outputs_in_completion_order() {
    let mut set = JoinSet::new();
    for (i, secs) in [(0u32, 3u64), (1, 1), (2, 2)] {
        set.spawn(async move {
            sleep(Duration::from_secs(secs)).await;
            i
        });
    }
    assert_eq!(set.len(), 3);
    let mut order = Vec::new();
    while let Some(r) = set.join_next().await {
        order.push(r.unwrap());
    }
    assert_eq!(order, [1, 2, 0]);
    assert!(set.is_empty());
    assert!(set.join_next().await.is_none());
}

#[tokio::test]
async fn dropping_a_join_set_aborts_its_tasks() {
    let finished = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for _ in 0..3 {
        let f = Arc::clone(&finished);
        set.spawn(async move {
            sleep(Duration::from_secs(10)).await;
            f.fetch_add(1, Ordering::SeqCst);
        });
    }
    sleep(Duration::from_secs(1)).await;
    drop(set);
    sleep(Duration::from_secs(20)).await;
    assert_eq!(finished.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn join_set_shutdown_and_abort_all() {
    let mut set: JoinSet<()> = JoinSet::new();
    for _ in 0..4 {
        set.spawn(sleep(Duration::from_secs(100)));
    }
    set.abort_all();
    let mut cancelled = 0;
    while let Some(r) = set.join_next().await {
        assert!(r.unwrap_err().is_cancelled());
        cancelled += 1;
    }
    assert_eq!(cancelled, 4);
    for _ in 0..2 {
        set.spawn(sleep(Duration::from_secs(100)));
    }
    set.shutdown().await;
    assert!(set.is_empty());
    assert_eq!(Instant::now().elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn join_set_try_join_next_and_join_all() {
    let mut set = JoinSet::new();
    set.spawn(async { 1 });
    assert!(set.try_join_next().is_none());
    sleep(Duration::from_millis(1)).await;
    assert_eq!(set.try_join_next().unwrap().unwrap(), 1);
    let set: JoinSet<u32> = (0..5u32).map(|i| async move { i * 2 }).collect();
    let mut all = set.join_all().await;
    all.sort_unstable();
    assert_eq!(all, [0, 2, 4, 6, 8]);
}

#[tokio::test]
async fn spawn_blocking_runs_the_closure_as_a_task() {
    let h = tokio::task::spawn_blocking(|| (1..=10).sum::<u32>());
    assert_eq!(h.await.unwrap(), 55);
    assert_eq!(tokio::task::block_in_place(|| 3), 3);
}

#[tokio::test]
async fn a_local_set_runs_non_send_tasks() {
    let local = LocalSet::new();
    let shared = std::rc::Rc::new(std::cell::Cell::new(0));
    let s = std::rc::Rc::clone(&shared);
    local.spawn_local(async move {
        sleep(Duration::from_secs(1)).await;
        s.set(s.get() + 1);
    });
    let s = std::rc::Rc::clone(&shared);
    let out = local
        .run_until(async move {
            tokio::task::spawn_local(async move { s.get() + 10 })
                .await
                .unwrap()
        })
        .await;
    assert_eq!(out, 10);
    local.await;
    assert_eq!(shared.get(), 1);
}

tokio::task_local! {
    static REQUEST: u32;
}

#[tokio::test]
async fn task_locals_stay_with_their_future_across_interleavings() {
    let mut set = JoinSet::new();
    for id in 0..4u32 {
        set.spawn(REQUEST.scope(id, async move {
            for _ in 0..3 {
                sleep(Duration::from_millis(u64::from(id) + 1)).await;
                assert_eq!(REQUEST.get(), id);
            }
            REQUEST.get()
        }));
    }
    let mut seen: Vec<u32> = set.join_all().await;
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3]);
    assert!(REQUEST.try_with(|_| ()).is_err());
    assert_eq!(REQUEST.sync_scope(9, || REQUEST.get()), 9);
}
