//! # `leader_lease` — two leaders under a partition
//!
//! Two replicas, `n1` and `n2`, hold a register whose durable copy lives on
//! `store`. The one holding a lease from `lock` is the leader: it serves
//! reads from its cached copy and writes through to the store, and renews
//! its lease every 300 ms; the other answers `NOTLEADER`. A lease lasts 1 s
//! by the lock server's clock, which runs 2 s ahead of the replicas'
//! clocks. Three clients read and write through either replica. The seed's
//! chaos plan partitions the three servers from each other now and then.
//!
//! The bug: a replica keeps the expiry the lock server sends ("granted until
//! T", on the lock's clock) and compares it with its own clock. When a
//! partition keeps the leader from renewing, the lock server grants the
//! lease to the other replica after 1 s, but the old leader believes it
//! holds it for 3 s: both serve, and a read from one misses a write made
//! through the other. The fix ([`Lease::LocalDuration`]) measures the
//! lease on the replica's own clock, from when it *sent* the request.
//!
//! Property checked on the recorded history: `linearizable` (the clients'
//! reads and writes are those of one register, decided by
//! [`simloop::history::check`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use simloop::history::{self, History, Operation, Register, RegisterOp, RegisterRet};
use simloop::net::{Chaos, Fault, HostBuilder};
use simloop::time::Instant;
use simloop::{net, rand, task, time};

use super::{request, serve};
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "leader_lease",
    "BUG: a lease expiry read on another host's clock lets two leaders serve under a partition",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
);

/// How a replica decides that its lease still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Compares the lock server's expiry with its own clock (the bug).
    LockClock,
    /// Counts the lease's duration on its own clock from the request (the
    /// fix).
    LocalDuration,
}

const LEASE: Duration = Duration::from_secs(1);
const RENEW: Duration = Duration::from_millis(300);
const SKEW: Duration = Duration::from_secs(2);
const PATIENCE: Duration = Duration::from_millis(200);
const CLIENTS: u64 = 3;
const RUN_FOR: Duration = Duration::from_secs(10);

/// What a run did: the clients' history and the chaos log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Every client operation.
    pub history: Vec<Operation<RegisterOp<u32>, RegisterRet<u32>>>,
    /// The faults injected.
    pub chaos: Vec<String>,
}

async fn lock_server() {
    let holder: Rc<RefCell<Option<(String, Instant)>>> = Rc::default();
    serve(7000, move |line| {
        let holder = Rc::clone(&holder);
        async move {
            let Some(name) = line.strip_prefix("ACQUIRE ") else {
                return "ERR".to_owned();
            };
            let now = net::local_time();
            let mut h = holder.borrow_mut();
            let free = match &*h {
                None => true,
                Some((who, until)) => who == name || *until <= now,
            };
            if !free {
                return "DENIED".to_owned();
            }
            let until = now + LEASE;
            *h = Some((name.to_owned(), until));
            format!("GRANTED {}", until.as_nanos())
        }
    })
    .await;
}

async fn store() {
    let value = Rc::new(Cell::new(0u32));
    serve(7000, move |line| {
        let value = Rc::clone(&value);
        async move {
            if line == "READ" {
                format!("VAL {}", value.get())
            } else if let Some(v) = line.strip_prefix("WRITE ").and_then(|v| v.parse().ok()) {
                value.set(v);
                "OK".to_owned()
            } else {
                "ERR".to_owned()
            }
        }
    })
    .await;
}

#[derive(Default)]
struct Replica {
    /// Until when the lease holds, on this replica's clock.
    until: Cell<Option<Instant>>,
    cache: Cell<Option<u32>>,
}

impl Replica {
    fn leads(&self) -> bool {
        self.until.get().is_some_and(|u| net::local_time() < u) && self.cache.get().is_some()
    }
}

async fn replica(name: &'static str, mode: Lease) {
    let me = Rc::new(Replica::default());
    let renewing = Rc::clone(&me);
    task::spawn_named(format!("{name}-lease"), async move {
        loop {
            let sent = net::local_time();
            let answer = request("lock:7000", &format!("ACQUIRE {name}"), PATIENCE).await;
            let granted = answer
                .ok()
                .and_then(|a| a.strip_prefix("GRANTED ").and_then(|t| t.parse().ok()));
            if let Some(lock_until) = granted {
                if !renewing.leads() {
                    // A new leader loads the register before serving it.
                    renewing.cache.set(None);
                    let loaded = request("store:7000", "READ", PATIENCE).await;
                    let v = loaded
                        .ok()
                        .and_then(|a| a.strip_prefix("VAL ")?.parse().ok());
                    renewing.cache.set(v);
                }
                renewing.until.set(Some(match mode {
                    Lease::LockClock => Instant::from_nanos(lock_until),
                    Lease::LocalDuration => sent + LEASE,
                }));
            }
            time::sleep(RENEW).await;
        }
    });
    serve(7000, move |line| {
        let me = Rc::clone(&me);
        async move {
            if !me.leads() {
                return "NOTLEADER".to_owned();
            }
            if line == "READ" {
                return format!("VAL {}", me.cache.get().unwrap_or_default());
            }
            let Some(v) = line
                .strip_prefix("WRITE ")
                .and_then(|v| v.parse::<u32>().ok())
            else {
                return "ERR".to_owned();
            };
            match request("store:7000", &format!("WRITE {v}"), PATIENCE).await {
                Ok(a) if a == "OK" => {
                    me.cache.set(Some(v));
                    "OK".to_owned()
                }
                _ => "ERR".to_owned(),
            }
        }
    })
    .await;
}

async fn client(id: u64, h: History<RegisterOp<u32>, RegisterRet<u32>>) {
    let mut next_value = id as u32 * 1000;
    let end = time::now() + RUN_FOR;
    while time::now() < end {
        time::sleep(Duration::from_millis(rand::range(50..150u64))).await;
        let write = rand::bool(0.4);
        let (input, line) = if write {
            next_value += 1;
            (RegisterOp::Write(next_value), format!("WRITE {next_value}"))
        } else {
            (RegisterOp::Read, "READ".to_owned())
        };
        let op = h.invoke(id, input);
        let first = if rand::bool(0.5) {
            "n1:7000"
        } else {
            "n2:7000"
        };
        let second = if first == "n1:7000" {
            "n2:7000"
        } else {
            "n1:7000"
        };
        for node in [first, second] {
            match request(node, &line, PATIENCE).await.as_deref() {
                Ok("NOTLEADER") => continue,
                Ok("OK") if write => h.complete(op, RegisterRet::Written),
                Ok(a) if !write => {
                    if let Some(v) = a.strip_prefix("VAL ").and_then(|v| v.parse().ok()) {
                        h.complete(op, RegisterRet::Read(v));
                    }
                }
                // No answer, or an error: the operation may or may not
                // have happened.
                _ => {}
            }
            break;
        }
    }
}

/// The replicas with the bug, under the seed's chaos plan.
pub async fn main(log: Log) -> Run {
    run(log, Lease::LockClock).await
}

/// The replicas deciding their lease by `mode`: clients read and write for
/// 10 s while the chaos plan partitions the servers.
pub async fn run(log: Log, mode: Lease) -> Run {
    HostBuilder::new("lock")
        .clock_offset(SKEW)
        .build(lock_server)
        .expect("a fresh simulation");
    net::host("store", store);
    net::host("n1", move || replica("n1", mode));
    net::host("n2", move || replica("n2", mode));
    let chaos = Chaos::new()
        .faults(&[Fault::Partition, Fault::PartitionOneWay])
        .hosts(&["n1", "n2", "lock"])
        .interval(Duration::from_millis(1500))
        .fault_duration(Duration::from_secs(1)..Duration::from_secs(3))
        .max_active(1)
        .start();
    let h = History::new();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| task::spawn_named(format!("client-{c}"), client(c, h.clone())))
        .collect();
    for c in clients {
        c.await.expect("a client finishes");
    }
    chaos.stop();
    for line in chaos.log() {
        log.say(format!("chaos: {line}"));
    }
    Run {
        history: h.operations(),
        chaos: chaos.log(),
    }
}

/// The property.
pub fn check(ran: &Ran<Run>) -> Result<(), Violation> {
    match history::check(&Register::new(0), &ran.value.history) {
        Ok(_) => Ok(()),
        Err(v) => Err(Violation::new(
            "linearizable",
            format!("{v}\nfaults: {}", ran.value.chaos.join("; ")),
        )),
    }
}

fn summary(r: &Ran<Run>) -> String {
    let done = r
        .value
        .history
        .iter()
        .filter(|o| o.output.is_some())
        .count();
    format!(
        "{} operations, {done} answered, {} fault(s)",
        r.value.history.len(),
        r.value.chaos.len().saturating_sub(1)
    )
}
