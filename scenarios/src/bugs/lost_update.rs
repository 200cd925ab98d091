//! # `lost_update` — a read / await / write race
//!
//! Two clients deposit into one account: alice 100, bob 50. A deposit reads
//! the balance, awaits the round trip to the ledger, and writes back the
//! balance it read plus the amount. Alice's connection is already open; bob
//! first opens his (one more await). In FIFO order that extra await is just
//! enough: alice writes before bob reads, and the balance ends at 150 on
//! every seed. Any schedule that lets bob read while alice's round trip is
//! in flight loses alice's deposit.
//!
//! The bug: the read and the write are separated by an `await` with no lock,
//! so the deposit is not atomic. The fix is a lock around read-and-write (or
//! a single atomic "add" on the ledger).
//!
//! Expected outcome: FIFO never fails (every seed). Random and PCT find the
//! lost update in the first few seeds; the failing seed replays the same
//! failure, and the harness shrinks it to one preemption: alice is switched
//! away from between her read and her write, and bob runs on.
//!
//! Measured over seeds 0 to 999 (`simloop sweep lost_update --strategy random`,
//! and `--strategy pct`, show the same; `tests/bug_numbers.rs` checks
//! that these lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 1 (2 tried); 373 of 1,000 seeds fail; shrunk to `replay:2:1,3:1` (1 preemption, 2 deviations from FIFO order).
//! - PCT (depth 2): first failure at seed 1 (2 tried); 225 of 1,000 seeds fail; shrunk to `replay:0:1,1:1,3:1,4:1` (1 preemption, 4 deviations from FIFO order).
//! - PCT (depth 3): first failure at seed 0 (1 tried); 282 of 1,000 seeds fail; shrunk to `replay:0:1,1:1,3:1,4:1` (1 preemption, 4 deviations from FIFO order).
//! - Exploration by preemptions: first failure at schedule 4 (1 preemption, 2 deviations).
//! - Exploration by deviations: first failure at schedule 2 (3 preemptions, 1 deviation).
//!
//! Property checked: `no-lost-update` (the final balance is the sum of the
//! deposits).

use std::cell::Cell;
use std::rc::Rc;

use simloop::{Report, Sim, SimError, task};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "lost_update",
    "BUG: two deposits read the balance, await, write it back; one can be lost",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// Alice's deposit.
pub const ALICE: u64 = 100;
/// Bob's deposit.
pub const BOB: u64 = 50;

/// A shared account balance.
#[derive(Debug, Default)]
pub struct Account {
    balance: Cell<u64>,
}

/// Reads the balance, awaits the ledger's round trip, writes balance +
/// `amount`. Not atomic: that is the bug.
pub async fn deposit(log: &Log, account: &Account, amount: u64) {
    let balance = account.balance.get();
    log.say(format!("read balance {balance}"));
    task::yield_now().await; // the round trip to the ledger
    account.balance.set(balance + amount);
    log.say(format!("wrote balance {}", balance + amount));
}

/// A client: opens a connection unless it has one, then deposits.
pub async fn client(log: Log, account: Rc<Account>, amount: u64, connected: bool) {
    if !connected {
        log.say("connecting");
        task::yield_now().await; // the connection handshake
    }
    deposit(&log, &account, amount).await;
}

/// Alice (connected) and Bob (not yet) deposit concurrently; returns the
/// final balance.
pub async fn main(log: Log) -> u64 {
    let account = Rc::new(Account::default());
    let alice = task::spawn_named("alice", client(log.clone(), account.clone(), ALICE, true));
    let bob = task::spawn_named("bob", client(log.clone(), account.clone(), BOB, false));
    alice.await.expect("alice's deposit completes");
    bob.await.expect("bob's deposit completes");
    let balance = account.balance.get();
    log.say(format!("final balance {balance}"));
    balance
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<u64>>, SimError> {
    crate::simulate(sim, main)
}

/// The property.
pub fn check(ran: &Ran<u64>) -> Result<(), Violation> {
    ensure!(
        ran.value == ALICE + BOB,
        "no-lost-update",
        "final balance {}, expected {} (a deposit was lost)",
        ran.value,
        ALICE + BOB
    );
    Ok(())
}

fn summary(r: &Ran<u64>) -> String {
    format!("deposits of {ALICE} and {BOB}: final balance {}", r.value)
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "Alice (100) and Bob (50) deposit into one account: read the balance, await the ledger, write it back.",
    )
}
