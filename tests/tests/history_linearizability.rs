//! The history checker: known cases, and agreement with a brute-force
//! search on thousands of small random histories.

use simloop::history::{self, History, Model, Operation, Register, RegisterOp, RegisterRet};
use simloop::{Sim, rand};

type Op = Operation<RegisterOp<u8>, RegisterRet<u8>>;

/// Brute force: some order of a subset (all completed ops, any pending
/// ones) that respects real time and the model.
fn brute(ops: &[Op]) -> bool {
    fn go(ops: &[Op], used: &mut Vec<bool>, state: u8) -> bool {
        if ops
            .iter()
            .zip(used.iter())
            .all(|(o, &u)| u || o.ret.is_none())
        {
            return true;
        }
        for i in 0..ops.len() {
            if used[i] {
                continue;
            }
            // i may go next only if no unused op returned before i's call.
            let blocked = ops
                .iter()
                .enumerate()
                .any(|(j, o)| !used[j] && j != i && o.ret.is_some_and(|r| r < ops[i].call));
            if blocked {
                continue;
            }
            let model = Register::new(0u8);
            if let Some(next) = model.step(&state, &ops[i].input, ops[i].output.as_ref()) {
                used[i] = true;
                if go(ops, used, next) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    go(ops, &mut vec![false; ops.len()], 0)
}

#[test]
fn the_checker_agrees_with_brute_force_on_random_histories() {
    let (mut yes, mut no) = (0, 0);
    for seed in 0..3000 {
        let ops = Sim::new(seed)
            .run(async {
                // Up to 3 clients issue 1-2 ops each over a register that
                // answers reads with a random recent value.
                let h = History::new();
                let mut open: Vec<(history::OpId, RegisterOp<u8>)> = Vec::new();
                let mut value = 0u8;
                let n = rand::range(2..=6u32);
                let mut issued = 0;
                while issued < n || !open.is_empty() {
                    if issued < n && (open.is_empty() || rand::bool(0.5)) {
                        let op = match rand::range(0..3u32) {
                            0 => RegisterOp::Read,
                            1 => RegisterOp::Write(rand::range(1..4u8)),
                            _ => RegisterOp::Cas(rand::range(0..3u8), rand::range(1..4u8)),
                        };
                        open.push((h.invoke(issued as u64 % 3, op.clone()), op));
                        issued += 1;
                    } else {
                        let i = rand::range(0..open.len());
                        let (id, op) = open.remove(i);
                        if rand::bool(0.1) {
                            continue; // never returns
                        }
                        let ret = match op {
                            RegisterOp::Read => RegisterRet::Read(if rand::bool(0.8) {
                                value
                            } else {
                                rand::range(0..4u8)
                            }),
                            RegisterOp::Write(v) => {
                                value = v;
                                RegisterRet::Written
                            }
                            RegisterOp::Cas(a, b) => {
                                let ok = value == a;
                                if ok {
                                    value = b;
                                }
                                RegisterRet::Cas(if rand::bool(0.9) { ok } else { !ok })
                            }
                        };
                        h.complete(id, ret);
                    }
                }
                h.operations()
            })
            .unwrap();
        let fast = history::check(&Register::new(0u8), &ops);
        assert_eq!(fast.is_ok(), brute(&ops), "seed {seed}: {ops:#?}");
        if let Ok(order) = fast {
            // The order it gives replays under the model.
            let model = Register::new(0u8);
            let mut s = 0;
            for &i in &order {
                s = model
                    .step(&s, &ops[i].input, ops[i].output.as_ref())
                    .unwrap();
            }
            yes += 1;
        } else {
            no += 1;
        }
    }
    assert!(yes > 500 && no > 500, "{yes} linearizable, {no} not");
}

#[test]
fn a_stale_read_after_a_completed_write_is_reported_with_the_prefix() {
    let h = History::new();
    let w = h.invoke(1, RegisterOp::Write(7));
    h.complete(w, RegisterRet::Written);
    let r = h.invoke(2, RegisterOp::Read);
    h.complete(r, RegisterRet::Read(7));
    let w = h.invoke(1, RegisterOp::Write(8));
    h.complete(w, RegisterRet::Written);
    let r = h.invoke(3, RegisterOp::Read);
    h.complete(r, RegisterRet::Read(7));
    let err = history::check(&Register::new(0), &h.operations()).unwrap_err();
    assert_eq!(err.operations, 4);
    assert_eq!(err.longest.len(), 3);
    assert!(
        err.stuck.starts_with("client 3: Read -> Read(7)"),
        "{}",
        err.stuck
    );
    let text = err.to_string();
    assert!(text.contains("is not linearizable"), "{text}");
    assert!(text.contains("1. client 1: Write(7) -> Written"), "{text}");
}

#[test]
fn an_operation_that_never_returned_may_or_may_not_have_happened() {
    for seen in [0, 9] {
        let h = History::new();
        let _lost = h.invoke(1, RegisterOp::Write(9)); // never completes
        let r = h.invoke(2, RegisterOp::Read);
        h.complete(r, RegisterRet::Read(seen));
        assert!(history::check(&Register::new(0), &h.operations()).is_ok());
    }
}

#[test]
fn long_concurrent_histories_are_checked_quickly() {
    // 300 operations by 10 clients on a correct register: the cache keeps
    // the search small.
    let ops = Sim::new(1)
        .run(async {
            let h = History::new();
            let mut value = 0u32;
            let mut open = Vec::new();
            for i in 0..300u32 {
                let op = if i % 3 == 0 {
                    RegisterOp::Write(i)
                } else {
                    RegisterOp::Read
                };
                open.push((h.invoke(u64::from(i % 10), op.clone()), op));
                if open.len() == 10 {
                    rand::shuffle(&mut open);
                    for (id, op) in open.drain(..) {
                        match op {
                            RegisterOp::Write(v) => {
                                value = v;
                                h.complete(id, RegisterRet::Written);
                            }
                            _ => h.complete(id, RegisterRet::Read(value)),
                        }
                    }
                }
            }
            h.operations()
        })
        .unwrap();
    let order = history::check(&Register::new(0), &ops).unwrap();
    assert_eq!(order.len(), 300);
}
