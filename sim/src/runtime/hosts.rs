//! Host membership of tasks: every task carries the id of the simulated host
//! it runs on (0, the implicit host, unless the network placed it elsewhere),
//! inherited at spawn from the spawning task. A crash drops every task of a
//! host at once, inside the simulation, as an abort drops one.
//!
//! The network itself lives above the runtime (`crate::net`); the runtime
//! only keeps its state (and that of `buggify!` and chaos plans), so that
//! it lives and dies with the world.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use super::Runtime;
use super::tasks::State;
use crate::base::{TaskId, TaskInfo};
use crate::trace::{EventKind, NoteKind};

/// Identifies a simulated host; 0 is the implicit host of a simulation.
pub(crate) type HostId = u32;

/// The runtime's share of the host model.
#[derive(Default)]
pub(crate) struct Hosts {
    /// The host the next spawned task goes to, if not the spawner's.
    spawn_on: Cell<Option<HostId>>,
    /// The state of the layers above (the network, `buggify!`'s sites, a
    /// chaos plan), one of each type, created on first use.
    extensions: RefCell<Vec<Rc<dyn Any>>>,
    /// The hosts' names by id, for the trace (kept only when tracing).
    names: RefCell<Vec<Arc<str>>>,
}

impl Runtime {
    /// The host of the task being polled (the implicit host 0 between polls).
    pub(crate) fn current_host(&self) -> HostId {
        self.current
            .get()
            .and_then(|t| self.tasks.borrow().get(t).map(|slot| slot.host))
            .unwrap_or(0)
    }

    /// The host a task spawned now belongs to.
    pub(super) fn spawn_host(&self) -> HostId {
        self.hosts
            .spawn_on
            .get()
            .unwrap_or_else(|| self.current_host())
    }

    /// Runs `spawn` with every task it spawns placed on `host`.
    pub(crate) fn spawning_on<R>(&self, host: HostId, spawn: impl FnOnce() -> R) -> R {
        let previous = self.hosts.spawn_on.replace(Some(host));
        let out = spawn();
        self.hosts.spawn_on.set(previous);
        out
    }

    /// Drops every task of `host` at once (recording an abort for each), in
    /// id order, inside the simulation; their handles resolve as cancelled.
    /// The task being polled, if it is one of them, is aborted instead: its
    /// future is dropped when it next comes up. Returns the tasks dropped.
    pub(crate) fn drop_host_tasks(&self, host: HostId) -> Vec<TaskInfo> {
        let victims: Vec<_> = {
            let tasks = self.tasks.borrow();
            tasks
                .live_tasks()
                .into_iter()
                .filter(|&t| tasks.get(t).is_some_and(|slot| slot.host == host))
                .collect()
        };
        let mut dropped = Vec::with_capacity(victims.len());
        for task in victims {
            let running = self
                .tasks
                .borrow()
                .get(task)
                .is_some_and(|slot| slot.state == State::Running);
            if running {
                self.request_abort(task);
                continue;
            }
            let Some(slot) = self.tasks.borrow_mut().remove(task) else {
                continue;
            };
            let mut aborts = self.aborts.borrow_mut();
            let before = aborts.len();
            aborts.retain(|&t| t != task);
            super::context::count_aborts(aborts.len() as isize - before as isize);
            drop(aborts);
            self.record(task.id, EventKind::Abort);
            dropped.push(slot.info.clone());
            // Destructors run here, outside every borrow of the table.
            drop(slot);
        }
        dropped
    }

    /// The state of type `T` kept for a layer above the runtime, created by
    /// `init` on first use.
    pub(crate) fn extension<T: 'static>(&self, init: impl FnOnce() -> T) -> Rc<T> {
        if let Some(found) = self.try_extension::<T>() {
            return found;
        }
        let state = Rc::new(init());
        self.hosts
            .extensions
            .borrow_mut()
            .push(Rc::clone(&state) as Rc<dyn Any>);
        state
    }

    /// The state of type `T`, if it was created.
    pub(crate) fn try_extension<T: 'static>(&self) -> Option<Rc<T>> {
        let extensions = self.hosts.extensions.borrow();
        extensions
            .iter()
            .find_map(|e| Rc::clone(e).downcast::<T>().ok())
    }

    /// Forgets every such state (at the end of a run, so that sockets are
    /// dropped inside the simulation).
    pub(crate) fn take_extensions(&self) -> Vec<Rc<dyn Any>> {
        std::mem::take(&mut *self.hosts.extensions.borrow_mut())
    }
}

impl Runtime {
    /// Names `host` for the trace: tasks created on it from now on get a
    /// [`NoteKind::OnHost`] note (only when tracing).
    pub(crate) fn name_host(&self, host: HostId, name: &Arc<str>) {
        if !self.recorder.borrow().is_tracing() {
            return;
        }
        let mut names = self.hosts.names.borrow_mut();
        let index = host as usize;
        if names.len() <= index {
            names.resize(index + 1, Arc::from(""));
        }
        names[index] = Arc::clone(name);
    }

    /// Notes which host the new task `task` runs on, if it is a named one
    /// other than the implicit host.
    pub(super) fn note_host(&self, task: TaskId, host: HostId) {
        if host == 0 {
            return;
        }
        let Some(name) = self.hosts.names.borrow().get(host as usize).cloned() else {
            return;
        };
        self.recorder.borrow_mut().note(
            self.steps.get(),
            self.now(),
            task,
            NoteKind::OnHost { host: name },
        );
    }

    /// Records a network event, attributed to the task being polled; the
    /// event (`code` and `payload` as [`crate::trace::NetEvent`] has them)
    /// is made only if the trace or the executor's log keeps it.
    pub(crate) fn record_net(
        &self,
        code_payload: (u64, u64),
        event: impl FnOnce() -> crate::trace::NetEvent,
    ) {
        let task = self.current_id();
        #[cfg(feature = "tracing")]
        if self.log_events {
            self.record(task, EventKind::Net(event()));
            return;
        }
        self.recorder.borrow_mut().record_lazy(
            self.steps.get(),
            self.now(),
            task,
            code_payload,
            || EventKind::Net(event()),
        );
    }
}
