//! The scenario log: what a scenario prints, recorded as (virtual time, task
//! name, line) so tests assert on it instead of on stdout.
//!
//! A [`Log`] is a cheap handle (an `Rc`) made inside one run and cloned into
//! the tasks of that run; nothing is shared across runs or threads.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, task, time};
//! use simloop_scenarios::log::Log;
//!
//! let lines = Sim::new(1).run(async {
//!     let log = Log::new();
//!     let l = log.clone();
//!     task::spawn_named("greeter", async move {
//!         time::sleep(Duration::from_secs(1)).await;
//!         l.say("hello");
//!     }).await.unwrap();
//!     log.say("done");
//!     log.lines()
//! }).unwrap();
//! assert_eq!(lines[0].task, "greeter");
//! assert_eq!(lines[0].time.since_start(), Duration::from_secs(1));
//! assert_eq!(lines[1].to_string(), "[     1.000s] main         done");
//! ```

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use simloop::task;
use simloop::time::{self, Instant};

/// One printed line: when, by which task, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Virtual time at which it was printed.
    pub time: Instant,
    /// The printing task's name (`main` for the root task, `task-N` for an
    /// unnamed one).
    pub task: String,
    /// The text.
    pub text: String,
}

impl fmt::Display for Line {
    /// `[  1.000s] task-name    text`: seconds with millisecond precision,
    /// the task name padded to 12 columns.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.time.since_start();
        write!(
            f,
            "[{:>6}.{:03}s] {:<12} {}",
            d.as_secs(),
            d.subsec_millis(),
            self.task,
            self.text
        )
    }
}

/// A per-run recorder of [`Line`]s. Clones share the same lines.
#[derive(Debug, Clone, Default)]
pub struct Log {
    lines: Rc<RefCell<Vec<Line>>>,
}

impl Log {
    /// An empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// Records `text` with the current virtual time and task.
    ///
    /// Outside a simulation the line is stamped at time zero by task `main`
    /// (it never is in the scenarios, which only print from inside).
    pub fn say(&self, text: impl Into<String>) {
        let time = time::try_now().unwrap_or(Instant::ZERO);
        let task = task::try_current().map_or_else(|| "main".to_owned(), |t| t.label());
        self.lines.borrow_mut().push(Line {
            time,
            task,
            text: text.into(),
        });
    }

    /// A copy of every line so far, in the order they were printed.
    pub fn lines(&self) -> Vec<Line> {
        self.lines.borrow().clone()
    }

    /// The texts of every line so far.
    pub fn texts(&self) -> Vec<String> {
        self.lines.borrow().iter().map(|l| l.text.clone()).collect()
    }

    /// The number of lines so far.
    pub fn len(&self) -> usize {
        self.lines.borrow().len()
    }

    /// Whether nothing was printed yet.
    pub fn is_empty(&self) -> bool {
        self.lines.borrow().is_empty()
    }
}

/// The lines of `lines` whose text is exactly `text`.
pub fn find<'a>(lines: &'a [Line], text: &'a str) -> impl Iterator<Item = &'a Line> + 'a {
    lines.iter().filter(move |l| l.text == text)
}

/// The first line whose text starts with `prefix`.
pub fn first_with<'a>(lines: &'a [Line], prefix: &str) -> Option<&'a Line> {
    lines.iter().find(|l| l.text.starts_with(prefix))
}
