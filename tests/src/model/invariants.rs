//! What every run of a [`Program`] satisfies, whatever the interleaving:
//! each task does its operations in order, sleeps and timeouts last as
//! long as they say, queues hand out what was put in order, semaphores
//! never give out more permits than they have, joins report what happened
//! to the child, and an aborted task does nothing more.

use std::collections::VecDeque;

use super::{Blocking, Ending, Event, Op, Program, Run, What, ms};

/// Checks `run` of `program`; the first broken invariant, in words.
pub fn check(program: &Program, run: &Run) -> Result<(), String> {
    let events = &run.events;
    for pair in events.windows(2) {
        if pair[1].time < pair[0].time {
            return Err(format!("time went back: {:?} then {:?}", pair[0], pair[1]));
        }
    }
    for task in 0..program.tasks.len() {
        follows_program(program, task, events)?;
    }
    queues_hand_out_in_order(program, events)?;
    permits_are_bounded(program, events)?;
    joins_and_aborts(program, events)?;
    match &run.ending {
        Ending::Finished(time) => {
            let end = events
                .iter()
                .find(|e| e.task == 0 && e.what == What::End)
                .ok_or("the run finished without the root's End")?;
            if end.time != *time {
                return Err(format!(
                    "the root ended at {} but the run at {time}",
                    end.time
                ));
            }
        }
        Ending::Deadlock(time, blocked) => {
            if events.last().is_some_and(|e| e.time > *time) {
                return Err(format!("deadlock at {time} before the last event"));
            }
            if !blocked.contains(&0) {
                return Err(format!("deadlock without the root blocked: {blocked:?}"));
            }
        }
    }
    Ok(())
}

/// The events `task` logs are a prefix of what its operations log, with
/// the right durations.
fn follows_program(program: &Program, task: usize, events: &[Event]) -> Result<(), String> {
    let mine: Vec<&Event> = events.iter().filter(|e| e.task == task).collect();
    let fail = |why: String| Err(format!("task {task}: {why}; its events: {mine:?}"));
    let mut it = mine.iter().copied().peekable();
    let Some(start) = it.next() else {
        return Ok(());
    };
    if start.what != What::Start {
        return fail(format!("first event {:?}", start.what));
    }
    let mut prev = start.time;
    let mut held: Vec<usize> = Vec::new();
    for (pc, &op) in program.tasks[task].iter().enumerate() {
        let Some(e) = it.next() else {
            return Ok(());
        };
        let took = e.time - prev;
        let ok = match (op, e.what) {
            (Op::Sleep(d), What::Slept) => took >= ms(d),
            (Op::Busy(d), What::Busied) => took == ms(d),
            (Op::Yield, What::Yielded) => true,
            (Op::Spawn(c), What::Spawned(c2)) => c == c2 && took == 0,
            (Op::Join(c), What::Joined(c2, r)) => c == c2 && r.is_none_or(|n| n == c),
            (Op::Abort(c), What::Aborted(c2)) => c == c2 && took == 0,
            (Op::Put(q), What::Put(q2, item)) => {
                q == q2 && item == Program::item(task, pc) && took == 0
            }
            (Op::Get(q), What::Got(q2, _)) => q == q2,
            (Op::Acquire(s), What::Acquired(s2)) => {
                held.push(s);
                s == s2
            }
            (Op::Release(s), What::Released(s2, was)) => {
                let i = held.iter().position(|&p| p == s);
                if let Some(i) = i {
                    held.remove(i);
                }
                s == s2 && was == i.is_some() && took == 0
            }
            (Op::Timeout(d, _), What::TimedOut) => took >= ms(d),
            (Op::Timeout(d, b), inner) => {
                let inner_ok = match (b, inner) {
                    (Blocking::Sleep(d2), What::Slept) => took >= ms(d2),
                    (Blocking::Get(q), What::Got(q2, _)) => q == q2,
                    (Blocking::Acquire(s), What::Acquired(s2)) => {
                        held.push(s);
                        s == s2
                    }
                    _ => false,
                };
                // In time: before the deadline, or at once.
                let in_time = took < ms(d) || took == 0;
                match it.next() {
                    Some(e2) if e2.what == What::InTime && e2.time == e.time => inner_ok && in_time,
                    Some(e2) => {
                        return fail(format!("{:?} after a timeout's {:?}", e2.what, inner));
                    }
                    None => return fail("a timeout's operation ended without InTime".into()),
                }
            }
            _ => false,
        };
        if !ok {
            return fail(format!(
                "operation {pc} {op:?} gave {:?} after {took} ns",
                e.what
            ));
        }
        prev = e.time;
    }
    match it.next() {
        None => Ok(()),
        Some(e) if e.what == What::End && e.time == prev => match it.next() {
            None => Ok(()),
            Some(e) => fail(format!("{:?} after End", e.what)),
        },
        Some(e) => fail(format!("{:?} where End belongs", e.what)),
    }
}

/// Each queue hands out its items in the order they were put, each once,
/// never before it was put.
fn queues_hand_out_in_order(program: &Program, events: &[Event]) -> Result<(), String> {
    let mut queues: Vec<VecDeque<u64>> = vec![VecDeque::new(); program.queues];
    for e in events {
        match e.what {
            What::Put(q, item) => queues[q].push_back(item),
            What::Got(q, item) => match queues[q].pop_front() {
                Some(first) if first == item => {}
                other => {
                    return Err(format!(
                        "queue {q} gave {item} to task {} at {}, but its first item was {other:?}",
                        e.task, e.time
                    ));
                }
            },
            _ => {}
        }
    }
    Ok(())
}

/// No semaphore has more permits out than it started with. A task's
/// permits come back when it ends or, for a cancelled task (aborted, or
/// awaited by an aborted task: see [`cancelled_by_abort`]), at the latest
/// when the abort is asked for (the check is lenient there).
fn permits_are_bounded(program: &Program, events: &[Event]) -> Result<(), String> {
    let mut out = vec![0usize; program.permits.len()];
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); program.tasks.len()];
    let give_back = |out: &mut Vec<usize>, held: &mut Vec<usize>| {
        for s in held.drain(..) {
            out[s] -= 1;
        }
    };
    for (i, e) in events.iter().enumerate() {
        match e.what {
            What::Acquired(s) => {
                out[s] += 1;
                held[e.task].push(s);
                if out[s] > program.permits[s] {
                    return Err(format!(
                        "semaphore {s} has {} permits out of {} after task {} acquired one at {}",
                        out[s], program.permits[s], e.task, e.time
                    ));
                }
            }
            What::Released(s, true) => {
                let i = held[e.task]
                    .iter()
                    .position(|&p| p == s)
                    .ok_or("released a permit not held")?;
                held[e.task].remove(i);
                out[s] -= 1;
            }
            What::End => give_back(&mut out, &mut held[e.task]),
            What::Aborted(c) => {
                for t in cancelled_by_abort(program, &events[..i], c) {
                    give_back(&mut out, &mut held[t]);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A join reports the child's output only after it ended, a cancellation
/// only after an abort of a child that did not end; an aborted child that
/// had not ended, and every task its abort cancels with it, does nothing
/// more.
fn joins_and_aborts(program: &Program, events: &[Event]) -> Result<(), String> {
    for (i, e) in events.iter().enumerate() {
        let before = &events[..i];
        let ended = |c: usize| before.iter().any(|x| x.task == c && x.what == What::End);
        match e.what {
            What::Joined(c, Some(_)) if !ended(c) => {
                return Err(format!(
                    "task {} joined {c} before it ended, at {}",
                    e.task, e.time
                ));
            }
            What::Joined(c, None) => {
                let aborted = before.iter().any(|x| x.what == What::Aborted(c));
                if !aborted || ended(c) {
                    return Err(format!(
                        "task {} saw {c} cancelled without an abort",
                        e.task
                    ));
                }
            }
            What::Aborted(c) => {
                for t in cancelled_by_abort(program, before, c) {
                    if let Some(late) = events[i..].iter().find(|x| x.task == t) {
                        return Err(format!(
                            "task {t} went on after the abort of {c} cancelled it: {late:?}"
                        ));
                    }
                }
            }
            _ => {}
        }
        if e.what != What::Start && !before.iter().any(|x| x.task == e.task) {
            return Err(format!(
                "task {} did something before it started: {e:?}",
                e.task
            ));
        }
    }
    Ok(())
}

/// The tasks an abort of `task` asked for after `before` cancels: none if
/// it already ended; else the task itself and, if it is awaiting a child's
/// `JoinHandle` that has not ended, that child and what its abort cancels
/// (an abort propagates through an awaited handle, as asyncio's cancel
/// does through an awaited task).
///
/// A task that has started is always at the operation after the ones it
/// logged: it logs each one as it completes and goes straight on to the
/// next in the same poll.
pub fn cancelled_by_abort(program: &Program, before: &[Event], task: usize) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut next = Some(task);
    while let Some(t) = next.take() {
        let mine = before.iter().filter(|e| e.task == t);
        if mine.clone().any(|e| e.what == What::End) {
            break;
        }
        chain.push(t);
        let started = mine.clone().any(|e| e.what == What::Start);
        // Every event but Start and a timeout's InTime completes one
        // operation.
        let done = mine
            .filter(|e| !matches!(e.what, What::Start | What::InTime))
            .count();
        if let (true, Some(&Op::Join(c))) = (started, program.tasks[t].get(done)) {
            next = Some(c);
        }
    }
    chain
}
