//! The worked example of `docs/tokio.md`: a small tokio service, written
//! against plain tokio.
//!
//! - a **worker** task owns a balance, queues the deposits it receives on
//!   an `mpsc` channel and applies them in a batch on every tick of its
//!   [`FLUSH`] `interval`;
//! - a **heartbeat** task ticks on an `interval` and counts the beats;
//! - both stop on a `watch` shutdown signal, in a `select!`;
//! - a **client** bounds each attempt with a per-request `timeout` and
//!   retries an attempt that timed out.
//!
//! The bug: a deposit is not idempotent, and a timed-out attempt may still
//! be applied. A client's timeout is one flush period, so it fires at the
//! very instant of the flush that applies its deposit; the order of the
//! two decides whether the client sees the reply or times out and deposits
//! again. Tokio's paused-clock runtime always runs them in one order (the
//! flush timer was set first, so it fires first), the one that hides the
//! bug; simloop's seeds try both. [`Ledger::start_fixed`] gives each
//! deposit an id and applies an id once.

use std::collections::HashSet;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{interval, timeout};

/// How often the worker applies the deposits it has queued.
pub const FLUSH: Duration = Duration::from_secs(1);
/// How long a client waits for one attempt: one flush period.
pub const TIMEOUT: Duration = Duration::from_secs(1);

struct Deposit {
    id: u64,
    amount: u64,
    reply: oneshot::Sender<u64>,
}

/// A running ledger service.
pub struct Ledger {
    requests: mpsc::Sender<Deposit>,
    shutdown: watch::Sender<bool>,
    worker: JoinHandle<u64>,
    heartbeat: JoinHandle<u64>,
}

/// A handle for making deposits.
#[derive(Clone)]
pub struct Client {
    requests: mpsc::Sender<Deposit>,
}

/// What the service reports when it stops.
#[derive(Debug, PartialEq, Eq)]
pub struct Final {
    /// The balance.
    pub balance: u64,
    /// How many heartbeats were sent.
    pub heartbeats: u64,
}

impl Ledger {
    /// Starts the service with the bug (deposits applied once per attempt).
    pub fn start() -> Ledger {
        Ledger::spawn(false)
    }

    /// Starts the fixed service (a deposit's id is applied once).
    pub fn start_fixed() -> Ledger {
        Ledger::spawn(true)
    }

    fn spawn(dedupe: bool) -> Ledger {
        let (requests, mut queue) = mpsc::channel::<Deposit>(16);
        let (shutdown, stop) = watch::channel(false);
        let mut stop_worker = stop.clone();
        let worker = tokio::spawn(async move {
            let mut balance = 0;
            let mut applied = HashSet::new();
            let mut batch: Vec<Deposit> = Vec::new();
            let mut flush = interval(FLUSH);
            loop {
                tokio::select! {
                    _ = stop_worker.changed() => break,
                    Some(d) = queue.recv() => batch.push(d),
                    _ = flush.tick() => {
                        for d in batch.drain(..) {
                            if !dedupe || applied.insert(d.id) {
                                balance += d.amount;
                            }
                            // The client may have given up: nobody to tell.
                            let _ = d.reply.send(balance);
                        }
                    }
                }
            }
            balance
        });
        let mut stop_heartbeat = stop;
        let heartbeat = tokio::spawn(async move {
            let mut beats = 0;
            let mut tick = interval(Duration::from_millis(500));
            loop {
                tokio::select! {
                    _ = stop_heartbeat.changed() => break,
                    _ = tick.tick() => beats += 1,
                }
            }
            beats
        });
        Ledger {
            requests,
            shutdown,
            worker,
            heartbeat,
        }
    }

    /// A client of the service.
    pub fn client(&self) -> Client {
        Client {
            requests: self.requests.clone(),
        }
    }

    /// Stops the service and reports its final state.
    ///
    /// # Panics
    ///
    /// If a task of the service panicked.
    pub async fn shutdown(self) -> Final {
        self.shutdown.send(true).expect("the tasks are running");
        Final {
            balance: self.worker.await.expect("worker"),
            heartbeats: self.heartbeat.await.expect("heartbeat"),
        }
    }
}

impl Client {
    /// Deposits `amount` under the id `id`, retrying attempts that time
    /// out; returns the balance the worker reported.
    ///
    /// # Errors
    ///
    /// If the service is gone.
    pub async fn deposit(&self, id: u64, amount: u64) -> Result<u64, &'static str> {
        loop {
            let (reply, answer) = oneshot::channel();
            self.requests
                .send(Deposit { id, amount, reply })
                .await
                .map_err(|_| "service stopped")?;
            match timeout(TIMEOUT, answer).await {
                Ok(Ok(balance)) => return Ok(balance),
                Ok(Err(_)) => return Err("service stopped"),
                // Timed out: try again.
                Err(_) => continue,
            }
        }
    }
}

/// The scenario both tests run: two clients deposit 10 each at once, then
/// the service stops once both are confirmed.
///
/// # Panics
///
/// If a client or the service fails.
pub async fn two_deposits(fixed: bool) -> Final {
    let ledger = if fixed {
        Ledger::start_fixed()
    } else {
        Ledger::start()
    };
    let a = ledger.client();
    let b = ledger.client();
    let first = tokio::spawn(async move { a.deposit(1, 10).await });
    let second = tokio::spawn(async move { b.deposit(2, 10).await });
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    ledger.shutdown().await
}
