//! # `lock_order` — a lock-order deadlock
//!
//! Two accounts, each behind a [`Lock`]. A transfer
//! locks the paying account, reads its balance (one await), then locks the
//! receiving account and moves the money. `payment` transfers from A to B;
//! `refund` transfers from B to A, but first validates the refund (one more
//! await). In FIFO order the payment holds both locks and finishes before
//! the refund takes its first one: every seed completes. A schedule that
//! lets the refund lock B while the payment holds A (and waits for B)
//! deadlocks: each task waits for the lock the other holds.
//!
//! The bug: the two transfers take the same two locks in opposite orders.
//! The fix is one global order (lock the account with the smaller id
//! first).
//!
//! Expected outcome: FIFO never deadlocks (every seed). Random and PCT find
//! the deadlock within a few seeds; the simulation reports it as a value
//! naming each blocked task and the lock it waits on; the seed replays it
//! and the harness shrinks it to one preemption.
//!
//! Measured over seeds 0 to 999 (`simloop sweep lock_order --strategy random`,
//! and `--strategy pct`, show the same; `tests/bug_numbers.rs` checks
//! that these lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 1 (2 tried); 373 of 1,000 seeds fail; shrunk to `replay:2:1,3:1` (1 preemption, 2 deviations from FIFO order).
//! - PCT (depth 2): first failure at seed 1 (2 tried); 225 of 1,000 seeds fail; shrunk to `replay:0:1,1:1,3:1` (1 preemption, 3 deviations from FIFO order).
//! - PCT (depth 3): first failure at seed 0 (1 tried); 282 of 1,000 seeds fail; shrunk to `replay:0:1,1:1,3:1` (1 preemption, 3 deviations from FIFO order).
//! - Exploration by preemptions: first failure at schedule 4 (1 preemption, 2 deviations).
//! - Exploration by deviations: first failure at schedule 2 (3 preemptions, 1 deviation).
//!
//! Properties checked: the run completes (no `deadlock`), and `conserved`
//! (the two balances still add up to 200).

use std::cell::Cell;
use std::rc::Rc;

use simloop::sync::Lock;
use simloop::{Report, Sim, SimError, task};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "lock_order",
    "BUG: a payment locks A then B, a refund B then A: they can deadlock",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// An account: a lock and a balance.
#[derive(Debug)]
pub struct Account {
    /// Its name.
    pub name: &'static str,
    lock: Lock,
    balance: Cell<u64>,
}

impl Account {
    /// An account with `balance`.
    pub fn new(name: &'static str, balance: u64) -> Account {
        Account {
            name,
            lock: Lock::new().named(name),
            balance: Cell::new(balance),
        }
    }
}

/// Locks `from`, reads it, locks `to`, moves `amount`.
pub async fn transfer(log: &Log, from: &Account, to: &Account, amount: u64) {
    let _from = from.lock.lock().await;
    log.say(format!("locked {}", from.name));
    let balance = from.balance.get();
    task::yield_now().await; // reading the balance
    let _to = to.lock.lock().await;
    log.say(format!("locked {}", to.name));
    from.balance.set(balance - amount);
    to.balance.set(to.balance.get() + amount);
    log.say(format!("moved {amount} from {} to {}", from.name, to.name));
}

/// The payment (A to B) and the refund (B to A, validated first).
pub async fn main(log: Log) -> u64 {
    let a = Rc::new(Account::new("A", 100));
    let b = Rc::new(Account::new("B", 100));
    let payment = task::spawn_named("payment", {
        let (log, a, b) = (log.clone(), a.clone(), b.clone());
        async move { transfer(&log, &a, &b, 30).await }
    });
    let refund = task::spawn_named("refund", {
        let (log, a, b) = (log.clone(), a.clone(), b.clone());
        async move {
            task::yield_now().await; // validating the refund
            transfer(&log, &b, &a, 10).await;
        }
    });
    payment.await.expect("the payment completes");
    refund.await.expect("the refund completes");
    let total = a.balance.get() + b.balance.get();
    log.say(format!("A {}, B {}", a.balance.get(), b.balance.get()));
    total
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<u64>>, SimError> {
    crate::simulate(sim, main)
}

/// The property (a deadlock fails the run before it gets here).
pub fn check(ran: &Ran<u64>) -> Result<(), Violation> {
    ensure!(
        ran.value == 200,
        "conserved",
        "the balances add up to {}, not 200",
        ran.value
    );
    Ok(())
}

fn summary(r: &Ran<u64>) -> String {
    format!("both transfers done, balances add up to {}", r.value)
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "A payment locks account A then B; a refund locks B then A, after validating the refund.",
    )
}
