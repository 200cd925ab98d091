//! Shrinks a program on which simloop and CPython disagree to a smaller one
//! that still shows a difference: statements are removed or unwrapped,
//! bodies dropped from gathers and groups, failures turned into returns and
//! sleeps shortened, one step at a time, as long as the logs still differ.

use std::rc::Rc;

use super::cpython::Python;
use super::program::{Body, Program, Stmt};
use super::{first_difference, run_on_simloop};

/// The smallest program found from `program` whose logs still differ
/// (`program` itself if none of its simplifications does).
pub fn shrink(python: &Python, program: &Program) -> Result<Program, String> {
    let mut current = program.clone();
    'outer: loop {
        let candidates: Vec<Program> = (0..)
            .map_while(|k| simplify(&current, k))
            .filter(well_formed)
            .collect();
        if candidates.is_empty() {
            return Ok(current);
        }
        let expected = python.run(&candidates)?;
        for (candidate, expected) in candidates.into_iter().zip(expected) {
            if first_difference(&expected, &run_on_simloop(&candidate)).is_some() {
                current = candidate;
                continue 'outer;
            }
        }
        return Ok(current);
    }
}

/// The program with simplification number `k` applied, or `None` once `k`
/// is past the last one.
pub fn simplify(program: &Program, k: usize) -> Option<Program> {
    let mut k = k;
    let main = body(&program.main, &mut k)?;
    Some(Program {
        main: Rc::new(main),
        ..program.clone()
    })
}

/// Whether every `await` and `cancel` names a task its body spawned before,
/// and no task is awaited twice.
pub fn well_formed(program: &Program) -> bool {
    fn check_body(b: &Body) -> bool {
        let mut spawned = Vec::new();
        let mut awaited = Vec::new();
        check_stmts(&b.stmts, &mut spawned, &mut awaited)
    }
    fn check_stmts(ss: &[Stmt], spawned: &mut Vec<usize>, awaited: &mut Vec<usize>) -> bool {
        ss.iter().all(|s| match s {
            Stmt::Spawn(v, b) => {
                spawned.push(*v);
                check_body(b)
            }
            Stmt::Await(v) | Stmt::WaitForTask(v, _) => {
                let ok = spawned.contains(v) && !awaited.contains(v);
                awaited.push(*v);
                ok
            }
            Stmt::Cancel(v) => spawned.contains(v),
            Stmt::Timeout(_, ss) | Stmt::Lock(_, ss) | Stmt::Sem(_, ss) => {
                check_stmts(ss, spawned, awaited)
            }
            Stmt::WaitFor(_, b) | Stmt::Shield(b) => check_body(b),
            Stmt::Gather(bs, _)
            | Stmt::Wait(bs, ..)
            | Stmt::AsCompleted(bs)
            | Stmt::TaskGroup(bs) => bs.iter().all(|b| check_body(b)),
            _ => true,
        })
    }
    check_body(&program.main)
}

/// Counts `k` down over the simplifications of `b`; applies the one it
/// reaches 0 on.
fn body(b: &Body, k: &mut usize) -> Option<Body> {
    if b.fail {
        if *k == 0 {
            return Some(Body {
                fail: false,
                ..b.clone()
            });
        }
        *k -= 1;
    }
    stmts(&b.stmts, k).map(|stmts| Body {
        id: b.id,
        stmts,
        fail: b.fail,
    })
}

fn stmts(ss: &[Stmt], k: &mut usize) -> Option<Vec<Stmt>> {
    for i in 0..ss.len() {
        let mut out = ss.to_vec();
        if *k == 0 {
            out.remove(i);
            return Some(out);
        }
        *k -= 1;
        if let Stmt::Timeout(_, inner) | Stmt::Lock(_, inner) | Stmt::Sem(_, inner) = &ss[i] {
            if *k == 0 {
                out.splice(i..=i, inner.iter().cloned());
                return Some(out);
            }
            *k -= 1;
        }
        if let Some(s) = stmt(&ss[i], k) {
            out[i] = s;
            return Some(out);
        }
    }
    None
}

fn bodies(bs: &[Rc<Body>], k: &mut usize) -> Option<Vec<Rc<Body>>> {
    for i in 0..bs.len() {
        let mut out = bs.to_vec();
        if bs.len() > 1 {
            if *k == 0 {
                out.remove(i);
                return Some(out);
            }
            *k -= 1;
        }
        if let Some(b) = body(&bs[i], k) {
            out[i] = Rc::new(b);
            return Some(out);
        }
    }
    None
}

fn ms(ms: u64, k: &mut usize) -> Option<u64> {
    if ms > 1 {
        if *k == 0 {
            return Some(ms / 2);
        }
        *k -= 1;
    }
    None
}

fn stmt(s: &Stmt, k: &mut usize) -> Option<Stmt> {
    let sub = |b: &Rc<Body>, k: &mut usize| body(b, k).map(Rc::new);
    match s {
        Stmt::Sleep(d) => ms(*d, k).map(Stmt::Sleep),
        Stmt::Spawn(v, b) => sub(b, k).map(|b| Stmt::Spawn(*v, b)),
        Stmt::WaitFor(d, b) => ms(*d, k)
            .map(|d| Stmt::WaitFor(d, Rc::clone(b)))
            .or_else(|| sub(b, k).map(|b| Stmt::WaitFor(*d, b))),
        Stmt::WaitForTask(v, d) => ms(*d, k).map(|d| Stmt::WaitForTask(*v, d)),
        Stmt::CondWaitFor(c, d) => ms(*d, k).map(|d| Stmt::CondWaitFor(*c, d)),
        Stmt::Shield(b) => sub(b, k).map(Stmt::Shield),
        Stmt::Timeout(d, ss) => ms(*d, k)
            .map(|d| Stmt::Timeout(d, ss.clone()))
            .or_else(|| stmts(ss, k).map(|ss| Stmt::Timeout(*d, ss))),
        Stmt::Lock(l, ss) => stmts(ss, k).map(|ss| Stmt::Lock(*l, ss)),
        Stmt::Sem(i, ss) => stmts(ss, k).map(|ss| Stmt::Sem(*i, ss)),
        Stmt::Gather(bs, rex) => bodies(bs, k).map(|bs| Stmt::Gather(bs, *rex)),
        Stmt::Wait(bs, when, d) => d
            .and_then(|d| ms(d, k))
            .map(|d| Stmt::Wait(bs.clone(), *when, Some(d)))
            .or_else(|| bodies(bs, k).map(|bs| Stmt::Wait(bs, *when, *d))),
        Stmt::AsCompleted(bs) => bodies(bs, k).map(Stmt::AsCompleted),
        Stmt::TaskGroup(bs) => bodies(bs, k).map(Stmt::TaskGroup),
        _ => None,
    }
}
