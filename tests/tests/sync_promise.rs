//! `simloop::sync::promise`: asyncio's `Future` (set_result, set_exception,
//! cancel, done, cancelled) as a promise/future pair.

use std::time::Duration;

use futures::FutureExt;
use simloop::sync::{InvalidState, PromiseError, promise};
use simloop::{Sim, task, time};

#[test]
fn a_value_set_later_is_awaited_at_that_virtual_time() {
    let (value, at) = Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<&str, ()>();
            task::spawn(async move {
                time::sleep(Duration::from_secs(3)).await;
                assert!(!tx.done());
                tx.set_result("ready").unwrap();
                assert!(tx.done() && !tx.cancelled());
            });
            (rx.await, time::now().since_start())
        })
        .unwrap();
    assert_eq!(value, Ok("ready"));
    assert_eq!(at, Duration::from_secs(3));
}

#[test]
fn an_error_is_delivered_to_the_awaiting_side() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<u32, String>();
            tx.set_error("boom".into()).unwrap();
            assert!(rx.done() && !rx.cancelled());
            assert_eq!(rx.await, Err(PromiseError::Failed("boom".to_string())));
        })
        .unwrap();
}

#[test]
fn settling_twice_is_an_invalid_state_and_gives_the_value_back() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<u32, &str>();
            tx.set_result(1).unwrap();
            assert_eq!(tx.set_result(2), Err(InvalidState(2)));
            assert_eq!(tx.set_error("late").unwrap_err().into_inner(), "late");
            assert!(!tx.cancel());
            assert_eq!(rx.await, Ok(1));
        })
        .unwrap();
}

#[test]
fn cancel_as_in_the_asyncio_future_example() {
    // asyncio: f = Future(); f.done(), f.cancelled() -> False, False;
    // f.cancel(); -> True, True
    Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<(), ()>();
            assert_eq!((rx.done(), rx.cancelled()), (false, false));
            assert!(tx.cancel());
            assert_eq!((rx.done(), rx.cancelled()), (true, true));
            assert!(!rx.cancel());
            assert_eq!(tx.set_result(()), Err(InvalidState(())));
            assert_eq!(rx.await, Err(PromiseError::Cancelled));
        })
        .unwrap();
}

#[test]
fn cancelling_wakes_a_waiting_task() {
    let (r, at) = Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<u8, ()>();
            let waiter = task::spawn(async move { (rx.await, time::now().since_start()) });
            time::sleep(Duration::from_secs(2)).await;
            assert!(tx.cancel());
            waiter.await.unwrap()
        })
        .unwrap();
    assert_eq!(r, Err(PromiseError::Cancelled));
    assert_eq!(at, Duration::from_secs(2));
}

#[test]
fn dropping_the_awaiting_side_cancels_the_promise() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<u8, ()>();
            let waiter = task::spawn(rx);
            task::yield_now().await;
            waiter.abort(); // cancels the task awaiting the future
            assert!(waiter.await.unwrap_err().is_cancelled());
            assert!(tx.cancelled());
            assert_eq!(tx.set_result(1), Err(InvalidState(1)));

            // A timeout around the future cancels it the same way.
            let (tx, rx) = promise::<u8, ()>();
            assert!(time::timeout(Duration::from_secs(1), rx).await.is_err());
            assert!(tx.cancelled());
        })
        .unwrap();
}

#[test]
fn dropping_every_promise_handle_abandons_the_future() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = promise::<u8, ()>();
            let tx2 = tx.clone();
            let waiter = task::spawn(rx);
            task::yield_now().await;
            drop(tx);
            task::yield_now().await;
            assert!(!waiter.is_finished());
            drop(tx2);
            assert_eq!(waiter.await.unwrap(), Err(PromiseError::Abandoned));

            let (tx, rx) = promise::<u8, ()>();
            drop(tx);
            assert_eq!(rx.now_or_never(), Some(Err(PromiseError::Abandoned)));
        })
        .unwrap();
}

#[test]
fn a_deadlock_report_names_the_promise() {
    let err = Sim::new(1)
        .run(async {
            let (_tx, rx) = promise::<u8, ()>();
            let rx = rx.named("reply");
            assert_eq!(_tx.name().as_deref(), Some("reply"));
            assert_eq!(rx.name().as_deref(), Some("reply"));
            rx.await
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"main\" waits on PromiseFuture::await on \"reply\""),
        "{err}"
    );
}

#[test]
fn promises_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<simloop::sync::Promise<String, String>>();
    check::<simloop::sync::PromiseFuture<String, String>>();
}
