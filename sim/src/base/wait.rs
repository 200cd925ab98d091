//! What a blocked task waits on.

use std::fmt;
use std::sync::Arc;

use super::TaskId;

/// What a blocked task waits on, as shown in a deadlock report: an operation
/// and, optionally, the name of the object it waits on.
///
/// Synchronisation primitives call `task::wait_on` when they return
/// `Poll::Pending`; custom primitives should do the same.
///
/// ```
/// use simloop::task::WaitReason;
/// let r = WaitReason::new("Queue::get").on("jobs");
/// assert_eq!(r.to_string(), "Queue::get on \"jobs\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WaitReason {
    operation: &'static str,
    object: Option<WaitObject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum WaitObject {
    Named(Arc<str>),
    Task(TaskId),
}

impl WaitReason {
    /// A wait in `operation` (e.g. `"Lock::lock"`).
    pub const fn new(operation: &'static str) -> WaitReason {
        WaitReason {
            operation,
            object: None,
        }
    }

    /// The same wait, on the object called `name`.
    pub fn on(mut self, name: impl Into<Arc<str>>) -> WaitReason {
        self.object = Some(WaitObject::Named(name.into()));
        self
    }

    /// The same wait, on another task (e.g. joining it).
    pub fn on_task(mut self, task: TaskId) -> WaitReason {
        self.object = Some(WaitObject::Task(task));
        self
    }

    /// Whether this is a wait in `operation` on the object called `name`
    /// (or on nothing).
    pub(crate) fn is(&self, operation: &'static str, name: Option<&Arc<str>>) -> bool {
        let object = match (&self.object, name) {
            (None, None) => true,
            (Some(WaitObject::Named(mine)), Some(name)) => {
                Arc::ptr_eq(mine, name) || **mine == **name
            }
            _ => false,
        };
        // The same operation is nearly always the same literal.
        object && (std::ptr::eq(self.operation, operation) || self.operation == operation)
    }

    /// The operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The name of the object waited on, if it has one.
    pub fn object(&self) -> Option<&str> {
        match &self.object {
            Some(WaitObject::Named(name)) => Some(name),
            _ => None,
        }
    }

    /// The task waited on, if the wait is for a task.
    pub fn task(&self) -> Option<TaskId> {
        match &self.object {
            Some(WaitObject::Task(task)) => Some(*task),
            _ => None,
        }
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.object {
            Some(WaitObject::Named(o)) => write!(f, "{} on \"{o}\"", self.operation),
            Some(WaitObject::Task(t)) => write!(f, "{} on task {t}", self.operation),
            None => f.write_str(self.operation),
        }
    }
}
