//! Task ids and the id-and-name pair that reports show.

use std::fmt;
use std::sync::Arc;

/// Identifies a task within one simulation. Ids count from 0 (the root task)
/// in spawn order, the same way in every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(u64);

impl TaskId {
    /// The root task (the future given to `Sim::run`).
    pub const ROOT: TaskId = TaskId(0);

    pub(crate) const fn from_u64(id: u64) -> TaskId {
        TaskId(id)
    }

    /// The id as a number.
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A task's id and optional name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<Arc<str>>,
}

impl TaskInfo {
    pub(crate) fn new(id: TaskId, name: Option<Arc<str>>) -> TaskInfo {
        TaskInfo { id, name }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was given one (the root task is `main`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The name, or `task-ID` for an unnamed task.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.to_string(),
            None => format!("task-{}", self.id),
        }
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "task {} \"{n}\"", self.id),
            None => write!(f, "task {}", self.id),
        }
    }
}
