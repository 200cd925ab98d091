//! A [`Program`] run on simloop: each task an async block that performs its
//! operations with simloop's tasks, clock, queues and semaphores, logging
//! each one as it completes.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use simloop::sync::{Queue, Semaphore, SemaphorePermit};
use simloop::task::{self, JoinHandle, TaskId};
use simloop::{Sim, SimError, time};

use super::{Blocking, Ending, Event, Op, Program, Run, What};

/// What the tasks of one run share.
struct World {
    program: Program,
    queues: Vec<Queue<u64>>,
    semaphores: Vec<Semaphore>,
    log: Rc<RefCell<Vec<Event>>>,
    /// Each spawned task's id and number.
    ids: Rc<RefCell<Vec<(TaskId, usize)>>>,
}

impl World {
    fn log(&self, task: usize, what: What) {
        self.log.borrow_mut().push(Event {
            time: time::now().since_start().as_nanos() as u64,
            task,
            what,
        });
    }
}

fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `program` in `sim`. A failure other than a deadlock (a panic, a
/// limit) is an `Err` with its message: programs never fail that way.
pub fn run(program: &Program, sim: &Sim) -> Result<Run, String> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let ids = Rc::new(RefCell::new(Vec::new()));
    let root = {
        let (program, log, ids) = (program.clone(), Rc::clone(&log), Rc::clone(&ids));
        async move {
            let world = Rc::new(World {
                queues: (0..program.queues).map(|_| Queue::new()).collect(),
                semaphores: program.permits.iter().map(|&p| Semaphore::new(p)).collect(),
                program,
                log,
                ids,
            });
            world.ids.borrow_mut().push((task::id(), 0));
            task_body(world, 0).await
        }
    };
    let ending = match sim.run_report(root) {
        Ok(report) => Ending::Finished(report.elapsed.as_nanos() as u64),
        Err(SimError::Deadlock { blocked, ctx }) => {
            let ids = ids.borrow();
            let number = |id: TaskId| ids.iter().find(|(i, _)| *i == id).map(|&(_, n)| n);
            let blocked = blocked
                .iter()
                .map(|b| number(b.task.id()).unwrap_or(0))
                .collect();
            Ending::Deadlock(ctx.time.as_nanos(), blocked)
        }
        Err(other) => return Err(other.to_string()),
    };
    let events = log.borrow().clone();
    Ok(Run { events, ending })
}

/// Task `me` of the program.
fn task_body(world: Rc<World>, me: usize) -> Pin<Box<dyn Future<Output = usize>>> {
    Box::pin(async move {
        world.log(me, What::Start);
        let mut handles: Vec<(usize, JoinHandle<usize>)> = Vec::new();
        // Declared last, dropped first when the task ends.
        let mut permits: Vec<(usize, SemaphorePermit)> = Vec::new();
        let ops = world.program.tasks[me].clone();
        for (pc, op) in ops.into_iter().enumerate() {
            match op {
                Op::Sleep(d) => {
                    time::sleep(millis(d)).await;
                    world.log(me, What::Slept);
                }
                Op::Busy(d) => {
                    time::busy(millis(d));
                    world.log(me, What::Busied);
                }
                Op::Yield => {
                    task::yield_now().await;
                    world.log(me, What::Yielded);
                }
                Op::Spawn(c) => {
                    let handle = task::spawn(task_body(Rc::clone(&world), c));
                    world.ids.borrow_mut().push((handle.id(), c));
                    handles.push((c, handle));
                    world.log(me, What::Spawned(c));
                }
                Op::Join(c) => {
                    let handle = &mut handles
                        .iter_mut()
                        .find(|(n, _)| *n == c)
                        .expect("spawned")
                        .1;
                    let result = handle.await;
                    world.log(me, What::Joined(c, result.ok()));
                }
                Op::Abort(c) => {
                    handles
                        .iter()
                        .find(|(n, _)| *n == c)
                        .expect("spawned")
                        .1
                        .abort();
                    world.log(me, What::Aborted(c));
                }
                Op::Put(q) => {
                    let item = Program::item(me, pc);
                    world.queues[q].put(item).await.expect("never shut down");
                    world.log(me, What::Put(q, item));
                }
                Op::Get(q) => {
                    let item = world.queues[q].get().await.expect("never shut down");
                    world.log(me, What::Got(q, item));
                }
                Op::Acquire(s) => {
                    let permit = world.semaphores[s].acquire().await;
                    permits.push((s, permit));
                    world.log(me, What::Acquired(s));
                }
                Op::Release(s) => {
                    let held = permits.iter().position(|(p, _)| *p == s);
                    if let Some(i) = held {
                        drop(permits.remove(i));
                    }
                    world.log(me, What::Released(s, held.is_some()));
                }
                Op::Timeout(d, Blocking::Sleep(d2)) => {
                    match time::timeout(millis(d), time::sleep(millis(d2))).await {
                        Ok(()) => {
                            world.log(me, What::Slept);
                            world.log(me, What::InTime);
                        }
                        Err(_) => world.log(me, What::TimedOut),
                    }
                }
                Op::Timeout(d, Blocking::Get(q)) => {
                    match time::timeout(millis(d), world.queues[q].get()).await {
                        Ok(item) => {
                            world.log(me, What::Got(q, item.expect("never shut down")));
                            world.log(me, What::InTime);
                        }
                        Err(_) => world.log(me, What::TimedOut),
                    }
                }
                Op::Timeout(d, Blocking::Acquire(s)) => {
                    match time::timeout(millis(d), world.semaphores[s].acquire()).await {
                        Ok(permit) => {
                            permits.push((s, permit));
                            world.log(me, What::Acquired(s));
                            world.log(me, What::InTime);
                        }
                        Err(_) => world.log(me, What::TimedOut),
                    }
                }
            }
        }
        world.log(me, What::End);
        me
    })
}
