//! `simloop::sync::{channel, unbounded_channel}`: back-pressure in virtual
//! time, closing, and cancellation.

use std::time::Duration;

use futures::FutureExt;
use proptest::prelude::*;
use simloop::sync::{SendError, TryRecvError, TrySendError, channel, unbounded_channel};
use simloop::{Sim, task, time};
use simloop_tests::log::now_ms;
use simloop_tests::sims::sims;

#[test]
fn a_bounded_channel_makes_senders_wait_for_room() {
    let sent_at = Sim::new(1)
        .run(async {
            let (tx, rx) = channel(2);
            let producer = task::spawn(async move {
                let mut at = Vec::new();
                for i in 0..5 {
                    tx.send(i).await.unwrap();
                    at.push(now_ms());
                }
                at
            });
            let mut got = Vec::new();
            while let Some(x) = rx.recv().await {
                time::sleep(Duration::from_secs(1)).await;
                got.push(x);
            }
            assert_eq!(got, vec![0, 1, 2, 3, 4]);
            producer.await.unwrap()
        })
        .unwrap();
    // Two fit at once; the third goes in when the receiver takes the first.
    assert_eq!(sent_at, vec![0, 0, 0, 1000, 2000]);
}

#[test]
fn dropping_every_sender_lets_the_receiver_drain_then_ends() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = unbounded_channel();
            let tx2 = tx.clone();
            tx.send(1).await.unwrap();
            tx2.try_send(2).unwrap();
            drop(tx);
            assert!(!tx2.is_closed());
            drop(tx2);
            assert_eq!(rx.len(), 2);
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.try_recv(), Ok(2));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx.recv().await, None);
        })
        .unwrap();
}

#[test]
fn a_receiver_waiting_is_woken_when_the_last_sender_goes() {
    let at = Sim::new(1)
        .run(async {
            let (tx, rx) = channel::<u8>(1);
            let receiver = task::spawn(async move { (rx.recv().await, now_ms()) });
            time::sleep(Duration::from_secs(4)).await;
            drop(tx);
            receiver.await.unwrap()
        })
        .unwrap();
    assert_eq!(at, (None, 4000));
}

#[test]
fn closing_or_dropping_the_receiver_fails_senders_and_gives_messages_back() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = channel(1);
            tx.send("kept").await.unwrap();
            let blocked = {
                let tx = tx.clone();
                task::spawn(async move { tx.send("blocked").await })
            };
            task::yield_now().await;
            rx.close();
            assert!(tx.is_closed());
            assert_eq!(blocked.await.unwrap(), Err(SendError("blocked")));
            assert_eq!(tx.try_send("x"), Err(TrySendError::Closed("x")));
            assert_eq!(rx.recv().await, Some("kept"));
            assert_eq!(rx.recv().await, None);

            let (tx, rx) = channel(1);
            tx.try_send(1).unwrap();
            assert_eq!(tx.try_send(2).unwrap_err(), TrySendError::Full(2));
            drop(rx);
            assert_eq!(tx.send(3).await.unwrap_err().into_inner(), 3);
        })
        .unwrap();
}

#[test]
fn try_recv_on_an_open_empty_channel_is_empty() {
    Sim::new(1)
        .run(async {
            let (tx, rx) = channel::<u8>(3);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert!(rx.is_empty());
            assert!(rx.recv().now_or_never().is_none());
            tx.send(1).now_or_never().unwrap().unwrap();
            assert_eq!(rx.recv().now_or_never(), Some(Some(1)));
        })
        .unwrap();
}

#[test]
fn a_deadlock_report_names_the_channel() {
    let err = Sim::new(1)
        .run(async {
            let (tx, rx) = channel::<u8>(1);
            let rx = rx.named("results");
            assert_eq!(tx.name().as_deref(), Some("results"));
            assert_eq!(rx.name().as_deref(), Some("results"));
            let _keep = tx;
            rx.recv().await
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("Receiver::recv on \"results\""),
        "{err}"
    );

    let err = Sim::new(1)
        .run(async {
            let (tx, _rx) = channel::<u8>(1);
            let tx = tx.named("requests");
            tx.send(1).await.unwrap();
            tx.send(2).await.unwrap();
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("Sender::send on \"requests\""),
        "{err}"
    );
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn zero_capacity_is_refused() {
    let _ = channel::<u8>(0);
}

#[test]
fn channel_ends_are_send() {
    fn check<T: Send + Sync>() {}
    check::<simloop::sync::Sender<String>>();
    check::<simloop::sync::Receiver<String>>();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// With senders cancelled at arbitrary points (their message then is
    /// not sent), every message reported as sent is received exactly once,
    /// in each sender's order, and the channel ends closed.
    #[test]
    fn every_sent_message_arrives_once_in_order(
        sim in sims(),
        capacity in 1usize..3,
        cancel_at in proptest::option::of(0u64..40),
    ) {
        let (sent, received) = sim.run(async move {
            let (tx, rx) = channel(capacity);
            let sent = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            let senders: Vec<_> = (0..3u32).map(|s| {
                let (tx, sent) = (tx.clone(), sent.clone());
                task::spawn(async move {
                    for i in 0..6 {
                        time::sleep(Duration::from_millis(simloop::rand::range(0..10u64))).await;
                        tx.send((s, i)).await.unwrap();
                        sent.borrow_mut().push((s, i));
                    }
                })
            }).collect();
            drop(tx);
            if let Some(at) = cancel_at {
                time::sleep(Duration::from_millis(at)).await;
                senders[1].abort();
            }
            let mut received = Vec::new();
            while let Some(m) = rx.recv().await {
                received.push(m);
                time::sleep(Duration::from_millis(simloop::rand::range(0..5u64))).await;
            }
            (sent.take(), received)
        }).unwrap();
        let mut sorted_sent = sent.clone();
        sorted_sent.sort_unstable();
        let mut sorted_received = received.clone();
        sorted_received.sort_unstable();
        prop_assert_eq!(sorted_sent, sorted_received);
        for s in 0..3 {
            let order: Vec<u32> = received.iter().filter(|m| m.0 == s).map(|m| m.1).collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
