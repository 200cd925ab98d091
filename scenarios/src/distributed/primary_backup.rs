//! # `primary_backup` — an acknowledged write lost in a failover
//!
//! A key-value store on two hosts: clients write to `primary`, which
//! replicates to `backup`; when the primary stops answering, clients fail
//! over to the backup for good. Three clients each write fifteen keys, then
//! every acknowledged key is read back. The seed's chaos plan crashes the
//! primary at some point.
//!
//! The bug: the primary acknowledges a write *before* the backup has it (it
//! replicates in batches every 20 ms, and a `buggify!` site sometimes makes
//! a batch late). A crash after the reply and before the batch loses a
//! write the client was told is stored. The fix ([`Replication::BeforeAck`])
//! replicates first and answers after.
//!
//! Properties checked on the recorded history: `no-acknowledged-write-lost`
//! (every acknowledged key reads back its value) and `linearizable` (the
//! store's operations, key by key, are those of registers, decided by
//! [`simloop::history::check_partitioned`]).
//!
//! A sweep finds a failing seed within the first few seeds under every
//! strategy (the fault schedule comes from the seed, not from the
//! interleaving), the harness shrinks its schedule, and the seed replays
//! the same failure.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use simloop::history::{self, History, Operation, Register, RegisterOp, RegisterRet};
use simloop::net::{Chaos, Fault};
use simloop::{net, rand, task, time};

use super::{request, serve};
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation, ensure};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "primary_backup",
    "BUG: the primary acknowledges writes before replicating them; a crash loses one",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
);

/// When the primary sends a write to the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replication {
    /// After answering the client, in batches (the bug).
    AfterAck,
    /// Before answering the client (the fix).
    BeforeAck,
}

/// Keys each client writes.
pub const WRITES: u32 = 15;
/// Clients.
pub const CLIENTS: u32 = 3;
const PORT: u16 = 7000;
const BATCH: Duration = Duration::from_millis(20);
const PATIENCE: Duration = Duration::from_millis(300);

/// A key-value operation: the key and what is done to it.
pub type KvOp = (u32, RegisterOp<Option<u32>>);

/// What a run did: the history of client operations and the chaos log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Every client operation (the final reads are client 99's).
    pub history: Vec<Operation<KvOp, RegisterRet<Option<u32>>>>,
    /// The faults injected.
    pub chaos: Vec<String>,
}

type Store = Rc<RefCell<BTreeMap<u32, u32>>>;

fn get(store: &Store, key: &str) -> String {
    match key
        .parse()
        .ok()
        .and_then(|k: u32| store.borrow().get(&k).copied())
    {
        Some(v) => format!("VAL {v}"),
        None => "NONE".to_owned(),
    }
}

fn put(store: &Store, key: &str, value: &str) -> Option<(u32, u32)> {
    let (k, v) = (key.parse().ok()?, value.parse().ok()?);
    store.borrow_mut().insert(k, v);
    Some((k, v))
}

async fn primary(mode: Replication) {
    let store: Store = Rc::default();
    let pending: Rc<RefCell<Vec<(u32, u32)>>> = Rc::default();
    if mode == Replication::AfterAck {
        let pending = Rc::clone(&pending);
        task::spawn_named("replicator", async move {
            loop {
                time::sleep(BATCH).await;
                if simloop::buggify!() {
                    time::sleep(BATCH * 3).await; // a slow batch
                }
                let batch = std::mem::take(&mut *pending.borrow_mut());
                for (k, v) in batch {
                    let _ = request("backup:7000", &format!("REPL {k} {v}"), PATIENCE).await;
                }
            }
        });
    }
    serve(PORT, move |line| {
        let (store, pending) = (Rc::clone(&store), Rc::clone(&pending));
        async move {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["GET", k] => get(&store, k),
                ["PUT", k, v] => {
                    let Some((k, v)) = put(&store, k, v) else {
                        return "ERR".to_owned();
                    };
                    match mode {
                        Replication::AfterAck => pending.borrow_mut().push((k, v)),
                        Replication::BeforeAck => {
                            let line = format!("REPL {k} {v}");
                            if request("backup:7000", &line, PATIENCE).await.is_err() {
                                return "ERR".to_owned();
                            }
                        }
                    }
                    "OK".to_owned()
                }
                _ => "ERR".to_owned(),
            }
        }
    })
    .await;
}

async fn backup() {
    let store: Store = Rc::default();
    serve(PORT, move |line| {
        let store = Rc::clone(&store);
        async move {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["GET", k] => get(&store, k),
                ["PUT" | "REPL", k, v] if put(&store, k, v).is_some() => "OK".to_owned(),
                _ => "ERR".to_owned(),
            }
        }
    })
    .await;
}

/// The server clients use: the primary until it fails them.
#[derive(Clone, Default)]
struct Target(Rc<RefCell<bool>>);

impl Target {
    fn addr(&self) -> &'static str {
        if *self.0.borrow() {
            "backup:7000"
        } else {
            "primary:7000"
        }
    }

    /// Sends `line`, failing over once if the primary does not answer.
    async fn call(&self, log: &Log, line: &str) -> Option<String> {
        for _ in 0..2 {
            match request(self.addr(), line, PATIENCE).await {
                Ok(answer) if answer != "ERR" => return Some(answer),
                _ if !*self.0.borrow() => {
                    log.say("primary does not answer: failing over to backup");
                    *self.0.borrow_mut() = true;
                }
                _ => return None,
            }
        }
        None
    }
}

async fn client(log: Log, id: u32, target: Target, h: History<KvOp, RegisterRet<Option<u32>>>) {
    for i in 0..WRITES {
        time::sleep(Duration::from_millis(rand::range(50..150u64))).await;
        let (key, value) = (id * 100 + i, i + 1);
        let op = h.invoke(u64::from(id), (key, RegisterOp::Write(Some(value))));
        if target
            .call(&log, &format!("PUT {key} {value}"))
            .await
            .as_deref()
            == Some("OK")
        {
            h.complete(op, RegisterRet::Written);
        }
    }
}

/// The store with the bug, under the seed's chaos plan.
pub async fn main(log: Log) -> Run {
    run(log, Replication::AfterAck).await
}

/// The store with replication `mode`: three clients write, the chaos plan
/// crashes the primary, then every key written is read back.
pub async fn run(log: Log, mode: Replication) -> Run {
    net::host("primary", move || primary(mode));
    net::host("backup", backup);
    net::default_link().latency(Duration::from_millis(1)..Duration::from_millis(5));
    let chaos = Chaos::new()
        .faults(&[Fault::Crash])
        .hosts(&["primary"])
        .interval(Duration::from_secs(2))
        .fault_duration(Duration::from_secs(5)..Duration::from_secs(10))
        .start();
    time::sleep(Duration::from_millis(1)).await;
    let h = History::new();
    let target = Target::default();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            task::spawn_named(
                format!("client-{c}"),
                client(log.clone(), c, target.clone(), h.clone()),
            )
        })
        .collect();
    for c in clients {
        c.await.expect("a client finishes");
    }
    chaos.stop();
    for line in chaos.log() {
        log.say(format!("chaos: {line}"));
    }
    time::sleep(Duration::from_secs(1)).await;
    // Read back every key written, from where the clients write now.
    for c in 0..CLIENTS {
        for i in 0..WRITES {
            let key = c * 100 + i;
            let op = h.invoke(99, (key, RegisterOp::Read));
            let answer = request(target.addr(), &format!("GET {key}"), PATIENCE).await;
            match answer.as_deref() {
                Ok("NONE") => h.complete(op, RegisterRet::Read(None)),
                Ok(a) => {
                    if let Some(v) = a.strip_prefix("VAL ").and_then(|v| v.parse().ok()) {
                        h.complete(op, RegisterRet::Read(Some(v)));
                    }
                }
                Err(_) => {}
            }
        }
    }
    Run {
        history: h.operations(),
        chaos: chaos.log(),
    }
}

/// The acknowledged writes whose key read back something else.
pub fn lost_writes(run: &Run) -> Vec<(u32, u32)> {
    let read: BTreeMap<u32, Option<u32>> = run
        .history
        .iter()
        .filter(|op| op.client == 99)
        .filter_map(|op| match &op.output {
            Some(RegisterRet::Read(v)) => Some((op.input.0, *v)),
            _ => None,
        })
        .collect();
    run.history
        .iter()
        .filter(|op| op.client != 99 && op.output.is_some())
        .filter_map(|op| match op.input.1 {
            RegisterOp::Write(Some(v)) if read.get(&op.input.0) != Some(&Some(v)) => {
                Some((op.input.0, v))
            }
            _ => None,
        })
        .collect()
}

/// The properties.
pub fn check(ran: &Ran<Run>) -> Result<(), Violation> {
    let lost = lost_writes(&ran.value);
    ensure!(
        lost.is_empty(),
        "no-acknowledged-write-lost",
        "{} acknowledged write(s) lost, e.g. key {} = {} (faults: {})",
        lost.len(),
        lost[0].0,
        lost[0].1,
        ran.value.chaos.join("; ")
    );
    let linearizable = history::check_partitioned(
        &Register::new(None),
        &ran.value.history,
        |(k, _)| *k,
        |(_, op)| op.clone(),
    );
    if let Err(v) = linearizable {
        return Err(Violation::new("linearizable", v.to_string()));
    }
    Ok(())
}

fn summary(r: &Ran<Run>) -> String {
    let acked = r
        .value
        .history
        .iter()
        .filter(|op| op.client != 99 && op.output.is_some())
        .count();
    format!(
        "{acked} writes acknowledged, {} lost, {} fault(s)",
        lost_writes(&r.value).len(),
        r.value.chaos.len().saturating_sub(1)
    )
}
