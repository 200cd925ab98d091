//! # `producer_consumer` — seeds 000, 004
//!
//! The queue pattern: 5 producers each put a random 0..=10 items on an
//! [`asyncio.Queue`](simloop::sync::Queue), each after a random 0..=10 s
//! sleep; 10 consumers (2 in seed 004's version, `producer_consumer-2`)
//! loop: sleep a random 0..=10 s, get an item, `task_done`. `main` gathers
//! the producers, joins the queue (which waits for the last `task_done`),
//! then cancels the consumers. It teaches how a queue decouples producers
//! from consumers, and how `join` knows the work is done.
//!
//! Expected outcome, under every strategy and seed: every item is consumed
//! exactly once; the queue is empty at the end with no unfinished task;
//! `join` returns only after the last `task_done`; every consumer ends
//! cancelled, none leaked; each item's time in the queue is recorded and
//! never negative.
//!
//! Properties checked: `each-item-once`, `queue-empty`,
//! `join-after-last-task-done`, `consumers-cancelled`, `wait-non-negative`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use simloop::sync::Queue;
use simloop::time::Instant;
use simloop::{Report, Sim, SimError, rand, task, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// Seed 000's version: 5 producers, 10 consumers.
pub const SCENARIO: Scenario = Scenario::new(
    "producer_consumer",
    "5 producers put random items on a queue, 10 consumers take them; join, then cancel",
    "000, 004",
    Kind::Seed,
    |env| Box::pin(env.checked(|log| main(log, 5, 10), check, summary)),
)
.with_story(story);

/// Seed 004's version: 5 producers, 2 consumers.
pub const TWO_CONSUMERS: Scenario = Scenario::new(
    "producer_consumer-2",
    "the same with 2 consumers (seed 004)",
    "004",
    Kind::Variant {
        of: "producer_consumer",
    },
    |env| Box::pin(env.checked(|log| main(log, 5, 2), check, summary)),
);

/// An item on the queue: who made it, its text, when it was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The producer.
    pub producer: usize,
    /// Its number among that producer's items.
    pub index: u64,
    /// Ten random hex digits (the seed's `os.urandom(5).hex()`).
    pub text: String,
    /// When the producer put it.
    pub put_at: Instant,
}

/// An item taken off the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The item.
    pub item: Item,
    /// The consumer that took it.
    pub consumer: usize,
    /// When it was taken.
    pub got_at: Instant,
}

/// What the program recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// How many items each producer drew to make (its return value).
    pub planned: Vec<u64>,
    /// Every item put, in order.
    pub produced: Vec<Item>,
    /// Every item taken, in order.
    pub consumed: Vec<Taken>,
    /// How many `task_done` calls were made.
    pub task_done_calls: usize,
    /// `task_done` calls made when `join` returned.
    pub done_at_join: Option<usize>,
    /// Items left in the queue at the end.
    pub left_in_queue: usize,
    /// Unfinished tasks of the queue at the end.
    pub unfinished: usize,
    /// For each consumer, whether awaiting it after the cancel reported a
    /// cancellation.
    pub consumers_cancelled: Vec<bool>,
}

type Shared = Rc<RefCell<Ledger>>;

/// The seed's `makeitem`: ten random hex digits.
pub fn makeitem() -> String {
    format!("{:010x}", rand::u64() >> 24)
}

/// The seed's `randsleep`: sleeps a random 0..=10 s, saying so.
pub async fn randsleep(log: &Log, caller: &str) {
    let i = rand::range(0..=10u64);
    log.say(format!("{caller} sleeping for {i} seconds."));
    time::sleep(Duration::from_secs(i)).await;
}

/// Puts a random 0..=10 items, each after a random sleep; returns how many
/// it drew to make.
pub async fn produce(log: Log, name: usize, q: Queue<Item>, ledger: Shared) -> u64 {
    let n = rand::range(0..=10u64);
    for index in 0..n {
        randsleep(&log, &format!("Producer {name}")).await;
        let item = Item {
            producer: name,
            index,
            text: makeitem(),
            put_at: time::now(),
        };
        let text = item.text.clone();
        ledger.borrow_mut().produced.push(item.clone());
        q.put(item).await.expect("the queue is never shut down");
        log.say(format!("Producer {name} added <{text}> to queue."));
    }
    n
}

/// Takes items forever: sleep, get, `task_done`.
pub async fn consume(log: Log, name: usize, q: Queue<Item>, ledger: Shared) {
    loop {
        randsleep(&log, &format!("Consumer {name}")).await;
        let item = q.get().await.expect("the queue is never shut down");
        let now = time::now();
        log.say(format!(
            "Consumer {name} got element <{}> in {:.5} seconds.",
            item.text,
            now.saturating_duration_since(item.put_at).as_secs_f64()
        ));
        let mut l = ledger.borrow_mut();
        l.consumed.push(Taken {
            item,
            consumer: name,
            got_at: now,
        });
        l.task_done_calls += 1;
        drop(l);
        q.task_done().expect("one task_done per item taken");
    }
}

/// `nprod` producers and `ncon` consumers on one queue.
pub async fn main(log: Log, nprod: usize, ncon: usize) -> Ledger {
    let q: Queue<Item> = Queue::new().named("q");
    let ledger = Shared::default();
    let producers: Vec<_> = (0..nprod)
        .map(|n| {
            task::spawn_named(
                format!("producer-{n}"),
                produce(log.clone(), n, q.clone(), ledger.clone()),
            )
        })
        .collect();
    let consumers: Vec<_> = (0..ncon)
        .map(|n| {
            task::spawn_named(
                format!("consumer-{n}"),
                consume(log.clone(), n, q.clone(), ledger.clone()),
            )
        })
        .collect();
    let mut planned = Vec::new();
    for p in producers {
        planned.push(p.await.expect("a producer completes"));
    }
    q.join().await;
    let done = ledger.borrow().task_done_calls;
    ledger.borrow_mut().done_at_join = Some(done);
    for c in &consumers {
        c.abort();
    }
    let mut cancelled = Vec::new();
    for c in consumers {
        cancelled.push(c.await.is_err_and(|e| e.is_cancelled()));
    }
    let mut l = ledger.take();
    l.planned = planned;
    l.consumers_cancelled = cancelled;
    l.left_in_queue = q.len();
    l.unfinished = q.unfinished_tasks();
    log.say(format!(
        "Program completed in {:.5} seconds.",
        time::now().since_start().as_secs_f64()
    ));
    l
}

/// Runs seed 000's version under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Ledger>>, SimError> {
    crate::simulate(sim, |log| main(log, 5, 10))
}

/// Runs seed 004's version under `sim`.
pub fn simulate_two(sim: &Sim) -> Result<Report<Ran<Ledger>>, SimError> {
    crate::simulate(sim, |log| main(log, 5, 2))
}

/// The properties.
pub fn check(ran: &Ran<Ledger>) -> Result<(), Violation> {
    let l = &ran.value;
    let key = |i: &Item| (i.producer, i.index);
    let mut produced: Vec<(usize, u64)> = l.produced.iter().map(key).collect();
    let mut consumed: Vec<(usize, u64)> = l.consumed.iter().map(|t| key(&t.item)).collect();
    produced.sort_unstable();
    consumed.sort_unstable();
    let planned: u64 = l.planned.iter().sum();
    ensure!(
        produced.len() as u64 == planned,
        "each-item-once",
        "the producers drew {planned} items to make but put {}",
        produced.len()
    );
    ensure!(
        produced == consumed,
        "each-item-once",
        "{} items produced, {} consumed; produced {produced:?}, consumed {consumed:?}",
        produced.len(),
        consumed.len()
    );
    ensure!(
        consumed.windows(2).all(|w| w[0] != w[1]),
        "each-item-once",
        "an item was consumed twice"
    );
    ensure!(
        l.left_in_queue == 0 && l.unfinished == 0,
        "queue-empty",
        "{} items left, {} unfinished tasks",
        l.left_in_queue,
        l.unfinished
    );
    ensure!(
        l.done_at_join == Some(produced.len()),
        "join-after-last-task-done",
        "join returned after {:?} of {} task_done calls",
        l.done_at_join,
        produced.len()
    );
    ensure!(
        l.consumers_cancelled.iter().all(|&c| c),
        "consumers-cancelled",
        "cancelled: {:?}",
        l.consumers_cancelled
    );
    for t in &l.consumed {
        ensure!(
            t.got_at >= t.item.put_at,
            "wait-non-negative",
            "item {} taken at {} before it was put at {}",
            t.item.text,
            t.got_at,
            t.item.put_at
        );
    }
    Ok(())
}

fn summary(r: &Ran<Ledger>) -> String {
    format!(
        "{} items through the queue, {} consumers cancelled, {} in all",
        r.value.consumed.len(),
        r.value.consumers_cancelled.len(),
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let sim = Sim::new(seed);
    let ten = story.ran(checked(&SCENARIO, simulate(&sim), check)?);
    let two = story.ran(checked(&TWO_CONSUMERS, simulate_two(&sim), check)?);
    let longest = |l: &Ledger| {
        l.consumed
            .iter()
            .map(|t| t.got_at.saturating_duration_since(t.item.put_at))
            .max()
            .unwrap_or_default()
    };
    let waited = |l: &Ledger| match longest(l) {
        d if d.is_zero() => "no item waits in the queue".to_owned(),
        d => format!("items wait in the queue up to {}", human::duration(d)),
    };
    Ok(story.told(vec![
        format!(
            "5 producers put {} items on a queue at random times; 10 consumers take each exactly once, \
             join returns after the last task_done, then the consumers are cancelled: {} ({}).",
            ten.value.value.consumed.len(),
            human::duration(ten.elapsed),
            waited(&ten.value.value)
        ),
        format!(
            "With 2 consumers (seed 004): {} items, {}, done in {}.",
            two.value.value.consumed.len(),
            waited(&two.value.value),
            human::duration(two.elapsed)
        ),
    ]))
}
