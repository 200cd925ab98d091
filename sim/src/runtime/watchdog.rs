//! The watchdog: reports a task that has not returned from one poll for a
//! long time of *real* time (default 10 s), by name, with the seed.
//!
//! simloop cannot pre-empt a poll: a task that loops without awaiting (or
//! blocks its thread) stops the whole simulation, and virtual time, the
//! step limit and the time limit all stand still with it. The watchdog is
//! the one thing that still sees it: a single thread per process, outside
//! every simulation, that looks at each running simulation a few times per
//! limit. It reads the wall clock, but nothing inside a simulation reads
//! anything it writes, so it cannot change a run.
//!
//! The executor tells it, at every poll, how many polls it has made, which
//! task it polls and the virtual time: three relaxed atomic stores. A
//! simulation whose poll count has not moved for the whole limit while it
//! was inside a poll is reported once per stuck poll, to standard error or
//! to the sink the simulation was given.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::base::{TaskId, TaskInfo};
use crate::strategy::Strategy;

/// Where the watchdog's reports go.
pub(crate) type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// One simulation as the watchdog sees it.
pub(crate) struct Watched {
    polls: AtomicU64,
    in_poll: AtomicBool,
    task: AtomicU64,
    clock: AtomicU64,
    /// The names of named tasks (the watchdog cannot read the task table).
    names: Mutex<Vec<(u64, Arc<str>)>>,
    limit: Duration,
    seed: u64,
    strategy: Strategy,
    sink: Option<Sink>,
    /// What the watchdog last saw: the poll count, and since when.
    seen: Mutex<Seen>,
}

#[derive(Clone, Copy)]
struct Seen {
    polls: u64,
    since: Instant,
    reported: bool,
}

impl Watched {
    /// Starts watching a simulation (`limit` of real time per poll).
    pub(crate) fn start(
        limit: Duration,
        seed: u64,
        strategy: Strategy,
        sink: Option<Sink>,
    ) -> Arc<Watched> {
        let watched = Arc::new(Watched {
            polls: AtomicU64::new(0),
            in_poll: AtomicBool::new(false),
            task: AtomicU64::new(0),
            clock: AtomicU64::new(0),
            names: Mutex::new(Vec::new()),
            limit,
            seed,
            strategy,
            sink,
            seen: Mutex::new(Seen {
                polls: 0,
                since: Instant::now(),
                reported: false,
            }),
        });
        monitor().add(&watched);
        watched
    }

    /// A task was named (unnamed tasks are shown by id).
    pub(crate) fn named(&self, task: TaskId, name: &Arc<str>) {
        self.names.lock().push((task.as_u64(), Arc::clone(name)));
    }

    /// The executor is about to poll `task`, its poll number `step`.
    pub(crate) fn poll_begins(&self, step: u64, task: TaskId, clock: u64) {
        self.task.store(task.as_u64(), Ordering::Relaxed);
        self.clock.store(clock, Ordering::Relaxed);
        self.polls.store(step, Ordering::Relaxed);
        self.in_poll.store(true, Ordering::Release);
    }

    /// The poll returned.
    pub(crate) fn poll_ends(&self) {
        self.in_poll.store(false, Ordering::Release);
    }

    /// Looks at the simulation: the report, if it has been stuck in one
    /// poll for the limit and was not reported for that poll yet.
    fn check(&self, now: Instant) -> Option<String> {
        let polls = self.polls.load(Ordering::Relaxed);
        let mut seen = self.seen.lock();
        if polls != seen.polls {
            *seen = Seen {
                polls,
                since: now,
                reported: false,
            };
            return None;
        }
        let stuck = now.saturating_duration_since(seen.since);
        if seen.reported || stuck < self.limit || !self.in_poll.load(Ordering::Acquire) {
            return None;
        }
        seen.reported = true;
        Some(self.report(stuck))
    }

    fn report(&self, stuck: Duration) -> String {
        let id = self.task.load(Ordering::Relaxed);
        let name = self
            .names
            .lock()
            .iter()
            .find(|(task, _)| *task == id)
            .map(|(_, name)| Arc::clone(name));
        let task = TaskInfo::new(TaskId::from_u64(id), name);
        let clock = crate::base::Instant::from_nanos(self.clock.load(Ordering::Relaxed));
        format!(
            "simloop watchdog: {task} has not returned from one poll for {:.1}s of real time \
             (seed {}, strategy {}, step {}, at virtual {clock}). simloop cannot interrupt a \
             poll: the task loops or blocks its thread without awaiting anything. Replay it \
             with SIMLOOP_SEED={} SIMLOOP_STRATEGY={}.",
            stuck.as_secs_f64(),
            self.seed,
            self.strategy,
            self.polls.load(Ordering::Relaxed),
            self.seed,
            self.strategy,
        )
    }

    fn send(&self, report: &str) {
        match &self.sink {
            Some(sink) => sink(report),
            None => eprintln!("{report}"),
        }
    }
}

/// The process's one watchdog thread and the simulations it watches.
struct Monitor {
    watched: Mutex<List>,
    started: OnceLock<bool>,
}

/// The simulations watched, with those that ended not yet swept out.
struct List {
    runs: Vec<Weak<Watched>>,
    /// The length at which ended runs are swept out as a run is added (a
    /// sweep starts thousands of runs a second).
    sweep_at: usize,
}

impl List {
    fn sweep(&mut self) {
        self.runs.retain(|w| w.strong_count() > 0);
        self.sweep_at = (2 * self.runs.len()).max(64);
    }
}

fn monitor() -> &'static Monitor {
    static MONITOR: OnceLock<Monitor> = OnceLock::new();
    MONITOR.get_or_init(|| Monitor {
        watched: Mutex::new(List {
            runs: Vec::new(),
            sweep_at: 64,
        }),
        started: OnceLock::new(),
    })
}

impl Monitor {
    fn add(&'static self, watched: &Arc<Watched>) {
        {
            let mut list = self.watched.lock();
            list.runs.push(Arc::downgrade(watched));
            if list.runs.len() >= list.sweep_at {
                list.sweep();
            }
        }
        // Without a thread (the system refused one) nothing is reported.
        self.started.get_or_init(|| {
            std::thread::Builder::new()
                .name("simloop-watchdog".into())
                .spawn(move || self.watch())
                .is_ok()
        });
    }

    /// Looks at every simulation a few times per limit, forever.
    fn watch(&self) {
        loop {
            let mut reports = Vec::new();
            let mut period = Duration::from_secs(1);
            {
                let now = Instant::now();
                let mut list = self.watched.lock();
                list.sweep();
                for w in list.runs.iter().filter_map(Weak::upgrade) {
                    period = period.min(w.limit / 4);
                    if let Some(report) = w.check(now) {
                        reports.push((w, report));
                    }
                }
            }
            // Outside the lock: a sink may take its time.
            for (w, report) in reports {
                w.send(&report);
            }
            std::thread::sleep(period.max(Duration::from_millis(1)));
        }
    }
}
