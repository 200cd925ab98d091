//! The task table: a slab of spawned tasks, each with its boxed future,
//! waker, scheduling state and (while blocked) what it waits on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Waker;

use super::waker::{WakeQueue, task_waker};
use crate::base::{TaskId, TaskInfo, WaitReason};

/// Names a task in the table: its slot, checked against its id so that a
/// stale reference to a reused slot is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) slot: u32,
    pub(crate) id: TaskId,
}

/// How a task's future ended.
pub(crate) enum Exit {
    Done,
    Panicked {
        message: String,
        /// Whether a `JoinHandle` is still there to report it.
        observed: bool,
    },
}

pub(crate) type TaskFuture = Pin<Box<dyn Future<Output = Exit>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Just spawned: joins the ready set with the wake-ups of the same step,
    /// in call order (asyncio schedules both with `call_soon`).
    New,
    /// Waiting for a wake-up.
    Idle,
    /// In the ready set.
    Queued,
    /// Being polled (its future is out of the table meanwhile).
    Running,
}

pub(crate) struct Slot {
    pub(crate) info: TaskInfo,
    /// `None` for the root task, whose future lives on the caller's stack,
    /// and for a task while it is being polled.
    pub(crate) future: Option<TaskFuture>,
    pub(crate) waker: Waker,
    pub(crate) state: State,
    /// What the task last said it waits on (kept across polls, so that
    /// waiting on the same thing again costs nothing) ...
    pub(crate) wait: Option<WaitReason>,
    /// ... and whether it said so since it was last polled.
    pub(crate) waits: bool,
    /// The simulated host the task runs on (see [`hosts`](super::hosts)).
    pub(crate) host: super::HostId,
}

#[derive(Default)]
pub(crate) struct TaskTable {
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    next_id: u64,
    /// Every task's name by id, kept only for a traced run (see
    /// [`TaskTable::keep_names`]), so that a choice between tied timers,
    /// which know only their tasks' ids, can name them.
    names: Option<Vec<Option<Arc<str>>>>,
}

impl TaskTable {
    pub(crate) fn insert(
        &mut self,
        name: Option<Arc<str>>,
        future: Option<TaskFuture>,
        queue: &Arc<WakeQueue>,
    ) -> TaskRef {
        let id = TaskId::from_u64(self.next_id);
        self.next_id += 1;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).expect("more than 4 billion live tasks")
            }
        };
        let task = TaskRef { slot, id };
        if let Some(names) = &mut self.names {
            names.push(name.clone());
        }
        self.slots[slot as usize] = Some(Slot {
            info: TaskInfo::new(id, name),
            future,
            waker: task_waker(task, queue),
            state: State::Idle,
            wait: None,
            waits: false,
            host: 0,
        });
        task
    }

    /// Whether no task is live.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// Room for how many tasks the table has.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// Empties the table, keeping its room: as a new one.
    pub(crate) fn reset(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.next_id = 0;
        self.names = None;
    }

    /// Keeps every task's name from now on, for [`TaskTable::info_of`] (a
    /// traced run's explanations).
    pub(crate) fn keep_names(&mut self) {
        self.names.get_or_insert_with(Vec::new);
    }

    /// The id the next inserted task gets.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id
    }

    pub(crate) fn get(&self, task: TaskRef) -> Option<&Slot> {
        self.slots
            .get(task.slot as usize)?
            .as_ref()
            .filter(|s| s.info.id() == task.id)
    }

    pub(crate) fn get_mut(&mut self, task: TaskRef) -> Option<&mut Slot> {
        self.slots
            .get_mut(task.slot as usize)?
            .as_mut()
            .filter(|s| s.info.id() == task.id)
    }

    /// Frees the task's slot, returning its future (to be dropped by the
    /// caller outside any borrow of the table).
    pub(crate) fn remove(&mut self, task: TaskRef) -> Option<Slot> {
        self.get(task)?;
        let slot = self.slots[task.slot as usize].take();
        self.free.push(task.slot);
        slot
    }

    /// The name and id of task `id`, for explaining a traced run's
    /// choices: the name only if [`TaskTable::keep_names`] was called.
    pub(crate) fn info_of(&self, id: TaskId) -> TaskInfo {
        let name = self
            .names
            .as_ref()
            .and_then(|names| usize::try_from(id.as_u64()).ok().and_then(|i| names.get(i)))
            .cloned()
            .flatten();
        TaskInfo::new(id, name)
    }

    /// Every live task, in id order.
    pub(crate) fn live_tasks(&self) -> Vec<TaskRef> {
        let mut tasks: Vec<TaskRef> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, s)| {
                s.as_ref().map(|s| TaskRef {
                    slot: slot as u32,
                    id: s.info.id(),
                })
            })
            .collect();
        tasks.sort_by_key(|t| t.id);
        tasks
    }
}
