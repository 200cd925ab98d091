//! Seeded chaos plans: random partitions, crashes, restarts, loss and
//! latency spikes over time, with swarm testing (each seed enables a random
//! subset of the fault kinds, so rare combinations get covered).

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;
use std::rc::Rc;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use super::link::{LinkConfig, unit};
use super::world::{World, world};
use super::{Host, Latency};
use crate::runtime::{self, HostId};
use crate::task::{self, JoinHandle};
use crate::time::{self, duration_to_nanos};

/// Stream of the seed's generator used by chaos plans.
const CHAOS_STREAM: u64 = 4;

/// A kind of fault a [`Chaos`] plan injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// Two hosts cut off from each other, both ways, then healed.
    Partition,
    /// Messages from one host to another lost, the other way working.
    PartitionOneWay,
    /// A host crashed, restarted after the fault's duration.
    Crash,
    /// A host rebooted at once (crash and restart).
    Restart,
    /// A link loses a share of its messages (10% to 50%) for a while.
    Loss,
    /// A link's latency jumps to 50-500 ms for a while.
    LatencySpike,
}

impl Fault {
    /// Every kind.
    pub const ALL: [Fault; 6] = [
        Fault::Partition,
        Fault::PartitionOneWay,
        Fault::Crash,
        Fault::Restart,
        Fault::Loss,
        Fault::LatencySpike,
    ];
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::Partition => "partition",
            Fault::PartitionOneWay => "one-way partition",
            Fault::Crash => "crash",
            Fault::Restart => "restart",
            Fault::Loss => "loss",
            Fault::LatencySpike => "latency spike",
        })
    }
}

/// A seeded plan of faults over time, run by a task of its own (on the
/// implicit host, so crashes do not stop it).
///
/// Every `interval` on average (exponentially distributed), it picks one of
/// its fault kinds and the hosts it hits, applies it and, after a duration
/// drawn from `fault_duration`, reverts it. All draws come from a stream of
/// the seed reserved for chaos. [`swarm`](Self::swarm) makes each seed
/// enable only a random subset of the kinds.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, net, time};
/// use simloop::net::{Chaos, Fault};
///
/// Sim::new(5).run(async {
///     net::host("a", || async {});
///     net::host("b", || async {});
///     let chaos = Chaos::new()
///         .faults(&[Fault::Partition, Fault::Crash])
///         .interval(Duration::from_millis(500))
///         .start();
///     time::sleep(Duration::from_secs(10)).await;
///     chaos.stop(); // heals and restarts what it broke
///     assert!(!chaos.log().is_empty());
///     assert!(net::hosts().iter().all(|h| h.is_up()));
///     assert!(!net::is_partitioned("a", "b"));
/// }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Chaos {
    faults: Vec<Fault>,
    swarm: bool,
    interval: Duration,
    duration: Range<Duration>,
    hosts: Option<Vec<String>>,
    max_active: usize,
}

impl Default for Chaos {
    fn default() -> Chaos {
        Chaos::new()
    }
}

impl Chaos {
    /// A plan with every fault kind, one fault a second on average, each
    /// lasting 100 ms to 2 s, at most two at a time, over every host.
    pub fn new() -> Chaos {
        Chaos {
            faults: Fault::ALL.to_vec(),
            swarm: false,
            interval: Duration::from_secs(1),
            duration: Duration::from_millis(100)..Duration::from_secs(2),
            hosts: None,
            max_active: 2,
        }
    }

    /// Injects only these kinds.
    pub fn faults(mut self, faults: &[Fault]) -> Chaos {
        self.faults = faults.to_vec();
        self
    }

    /// Swarm testing: each seed keeps each kind with probability 1/2 (at
    /// least one), so that across a sweep every combination of kinds, and
    /// runs free of the common ones, come up.
    pub fn swarm(mut self) -> Chaos {
        self.swarm = true;
        self
    }

    /// The mean time between two faults.
    pub fn interval(mut self, mean: Duration) -> Chaos {
        self.interval = mean;
        self
    }

    /// How long a fault lasts before it is reverted (uniform).
    pub fn fault_duration(mut self, range: Range<Duration>) -> Chaos {
        self.duration = range;
        self
    }

    /// The hosts faults may hit (by default every host; the implicit host
    /// is never crashed).
    pub fn hosts(mut self, names: &[&str]) -> Chaos {
        self.hosts = Some(names.iter().map(|n| n.to_string()).collect());
        self
    }

    /// How many faults may be in force at once.
    pub fn max_active(mut self, n: usize) -> Chaos {
        self.max_active = n.max(1);
        self
    }

    /// Starts the plan. Keep the handle: dropping it stops the plan (the
    /// faults in force stay until [`ChaosHandle::stop`] or by hand).
    ///
    /// # Panics
    ///
    /// Outside a simulation, or if no fault kind is enabled.
    pub fn start(self) -> ChaosHandle {
        assert!(
            !self.faults.is_empty(),
            "simloop::net::Chaos::start: no fault kind to inject"
        );
        let world = world("simloop::net::Chaos::start");
        let seed = runtime::with("simloop::net::Chaos::start", |rt| rt.ctx().seed);
        let mut rng = crate::rand::stream(seed, CHAOS_STREAM);
        let mut enabled = self.faults.clone();
        enabled.sort();
        enabled.dedup();
        if self.swarm {
            let all = std::mem::take(&mut enabled);
            enabled = all
                .iter()
                .copied()
                .filter(|_| rng.next_u64() & 1 == 1)
                .collect();
            if enabled.is_empty() {
                enabled.push(all[crate::rand::below(&mut rng, all.len() as u64) as usize]);
            }
        }
        let state = Rc::new(RefCell::new(State {
            rng,
            enabled: enabled.clone(),
            active: Vec::new(),
            log: Vec::new(),
            next_fault: 0,
            stopped: false,
            reverts: Vec::new(),
        }));
        let plan = Plan {
            world: Rc::clone(&world),
            state: Rc::clone(&state),
            config: self,
        };
        let task = runtime::with("simloop::net::Chaos::start", |rt| {
            rt.spawning_on(0, || task::spawn_named("chaos", plan.run()))
        });
        ChaosHandle { world, state, task }
    }
}

/// A fault in force, and how to revert it.
#[derive(Debug, Clone)]
enum Active {
    Cut {
        from: HostId,
        to: HostId,
    },
    Down {
        host: HostId,
    },
    Link {
        from: HostId,
        to: HostId,
        before: Option<LinkConfig>,
    },
}

struct State {
    rng: ChaCha8Rng,
    enabled: Vec<Fault>,
    active: Vec<(u64, Active)>,
    log: Vec<String>,
    next_fault: u64,
    stopped: bool,
    /// The tasks waiting to revert faults.
    reverts: Vec<JoinHandle<()>>,
}

struct Plan {
    world: Rc<World>,
    state: Rc<RefCell<State>>,
    config: Chaos,
}

fn draw_duration(rng: &mut ChaCha8Rng, range: &Range<Duration>) -> Duration {
    let lo = duration_to_nanos(range.start);
    let hi = duration_to_nanos(range.end);
    let n = if hi <= lo {
        lo
    } else {
        lo + crate::rand::below(rng, hi - lo)
    };
    Duration::from_nanos(n)
}

impl Plan {
    async fn run(self) {
        let plan = Rc::new(self);
        loop {
            let gap = {
                let mut s = plan.state.borrow_mut();
                let mean = plan.config.interval.as_secs_f64();
                Duration::from_secs_f64(-(1.0 - unit(&mut s.rng)).ln() * mean)
            };
            time::sleep(gap).await;
            if plan.state.borrow().active.len() >= plan.config.max_active {
                continue;
            }
            if let Some((id, duration)) = plan.inject() {
                let reverting = Rc::clone(&plan);
                let handle = runtime::with("simloop::net::Chaos", |rt| {
                    rt.spawning_on(0, || {
                        task::spawn_named("chaos", async move {
                            time::sleep(duration).await;
                            reverting.revert(id);
                        })
                    })
                });
                let mut s = plan.state.borrow_mut();
                s.reverts.retain(|h| !h.is_finished());
                s.reverts.push(handle);
            }
        }
    }

    /// The hosts faults may hit, as ids.
    fn candidates(&self) -> Vec<HostId> {
        self.world.read(|inner| {
            (0..inner.hosts.len() as HostId)
                .filter(|&h| match &self.config.hosts {
                    Some(names) => names.iter().any(|n| *inner.hosts[h as usize].name == **n),
                    None => true,
                })
                .collect()
        })
    }

    /// Applies one fault; returns its id and how long it lasts, if it
    /// needs reverting.
    fn inject(&self) -> Option<(u64, Duration)> {
        let hosts = self.candidates();
        let crashable: Vec<HostId> = self.world.read(|inner| {
            hosts
                .iter()
                .copied()
                .filter(|&h| h != 0 && inner.hosts[h as usize].up)
                .collect()
        });
        // Every draw first, then the fault, outside the plan's state.
        let (id, kind, duration, a, b, loss) = {
            let mut guard = self.state.borrow_mut();
            let s = &mut *guard;
            let n = s.enabled.len() as u64;
            let kind = s.enabled[crate::rand::below(&mut s.rng, n) as usize];
            let duration = draw_duration(&mut s.rng, &self.config.duration);
            let mut pick = |from: &[HostId]| -> Option<HostId> {
                (!from.is_empty())
                    .then(|| from[crate::rand::below(&mut s.rng, from.len() as u64) as usize])
            };
            let (a, b) = match kind {
                Fault::Crash | Fault::Restart => (pick(&crashable)?, 0),
                _ => {
                    let a = pick(&hosts)?;
                    let rest: Vec<_> = hosts.iter().copied().filter(|&h| h != a).collect();
                    (a, pick(&rest)?)
                }
            };
            let loss = 0.1 + 0.4 * unit(&mut s.rng);
            let id = s.next_fault;
            s.next_fault += 1;
            (id, kind, duration, a, b, loss)
        };
        let name = |h: HostId| self.world.read(|inner| inner.host_name(h));
        let now = time::now();
        let mut undo = Vec::new();
        let text = match kind {
            Fault::Partition | Fault::PartitionOneWay => {
                let both = kind == Fault::Partition;
                self.world.op(|inner, _| {
                    inner.set_cut(a, b, true);
                    if both {
                        inner.set_cut(b, a, true);
                    }
                });
                undo.push(Active::Cut { from: a, to: b });
                if both {
                    undo.push(Active::Cut { from: b, to: a });
                }
                let arrow = if both { "<->" } else { "->" };
                format!("{kind} {} {arrow} {}", name(a), name(b))
            }
            Fault::Crash => {
                Host::from_id(Rc::clone(&self.world), a).crash();
                undo.push(Active::Down { host: a });
                format!("{kind} {}", name(a))
            }
            Fault::Restart => {
                Host::from_id(Rc::clone(&self.world), a).restart();
                format!("{kind} {}", name(a))
            }
            Fault::Loss | Fault::LatencySpike => {
                let before = self.world.read(|inner| inner.links.get(&(a, b)).copied());
                let mut config = self.world.read(|inner| inner.link(a, b));
                let text = if kind == Fault::Loss {
                    config.loss = loss;
                    format!("loss {:.0}% {} -> {}", loss * 100.0, name(a), name(b))
                } else {
                    config.latency = Latency::Uniform {
                        min: Duration::from_millis(50),
                        max: Duration::from_millis(500),
                    };
                    format!("latency spike {} -> {}", name(a), name(b))
                };
                self.world.op(|inner, _| inner.links.insert((a, b), config));
                undo.push(Active::Link {
                    from: a,
                    to: b,
                    before,
                });
                text
            }
        };
        let mut s = self.state.borrow_mut();
        if undo.is_empty() {
            s.log.push(format!("{now}: {text}"));
            return None;
        }
        s.log.push(format!("{now}: {text} for {duration:?}"));
        s.active.extend(undo.into_iter().map(|u| (id, u)));
        Some((id, duration))
    }

    /// Reverts fault `id` if it is still in force.
    fn revert(&self, id: u64) {
        let mut s = self.state.borrow_mut();
        if s.stopped {
            return;
        }
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut s.active)
            .into_iter()
            .partition(|(i, _)| *i == id);
        s.active = rest;
        drop(s);
        for (_, active) in mine {
            undo(&self.world, active);
        }
    }
}

fn undo(world: &Rc<World>, active: Active) {
    match active {
        Active::Cut { from, to } => world.op(|inner, _| inner.set_cut(from, to, false)),
        Active::Down { host } => {
            let host = Host::from_id(Rc::clone(world), host);
            if !host.is_up() {
                host.restart();
            }
        }
        Active::Link { from, to, before } => world.op(|inner, _| match before {
            Some(c) => {
                inner.links.insert((from, to), c);
            }
            None => {
                inner.links.remove(&(from, to));
            }
        }),
    }
}

/// A running [`Chaos`] plan.
pub struct ChaosHandle {
    world: Rc<World>,
    state: Rc<RefCell<State>>,
    task: JoinHandle<()>,
}

impl fmt::Debug for ChaosHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaosHandle")
            .field("enabled", &self.enabled())
            .finish()
    }
}

impl ChaosHandle {
    /// The fault kinds this seed enabled.
    pub fn enabled(&self) -> Vec<Fault> {
        self.state.borrow().enabled.clone()
    }

    /// What the plan did so far, one line per fault, such as
    /// `t=1.2s: crash server for 800ms`: print it with a failure.
    pub fn log(&self) -> Vec<String> {
        self.state.borrow().log.clone()
    }

    /// Stops injecting faults and reverts those in force: partitions heal,
    /// crashed hosts restart, links get their settings back. Use it before
    /// checking that the system recovers.
    pub fn stop(&self) {
        self.task.abort();
        let active = {
            let mut s = self.state.borrow_mut();
            if s.stopped {
                return;
            }
            s.stopped = true;
            s.log.push(format!("{}: chaos stopped", time::now()));
            for h in &s.reverts {
                h.abort();
            }
            std::mem::take(&mut s.active)
        };
        for (_, a) in active {
            undo(&self.world, a);
        }
    }
}

impl Drop for ChaosHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
