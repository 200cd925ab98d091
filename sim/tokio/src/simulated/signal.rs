//! Signals: [`ctrl_c`], a future that the simulation triggers with
//! [`simulate_ctrl_c`] (simloop's addition). Nothing reads the process's
//! real signals.

use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::Poll;

use parking_lot::Mutex;

#[derive(Default)]
struct State {
    /// How many times ctrl-c was simulated in this simulation.
    count: u64,
    wakers: Vec<std::task::Waker>,
}

thread_local! {
    static STATE: std::cell::RefCell<Option<(u64, Arc<Mutex<State>>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The signal state of the running simulation (reset for every new one).
fn state() -> Arc<Mutex<State>> {
    let run = simloop::facade::run_id();
    STATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some((id, s)) if *id == run => Arc::clone(s),
            _ => {
                let s = Arc::new(Mutex::new(State::default()));
                *cell = Some((run, Arc::clone(&s)));
                s
            }
        }
    })
}

/// Completes at the next "ctrl-c" of the simulation (one sent by
/// [`simulate_ctrl_c`] after this call).
///
/// # Errors
///
/// Never in `sim` mode (the `Result` is tokio's signature).
///
/// # Cancel safety
///
/// Dropping the future loses nothing; a later call waits for a later
/// ctrl-c.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// # simloop::Sim::new(1).run(async {
/// let waiter = tokio::spawn(async { tokio::signal::ctrl_c().await.unwrap(); "stopping" });
/// tokio::time::sleep(std::time::Duration::from_secs(1)).await;
/// tokio::signal::simulate_ctrl_c();
/// assert_eq!(waiter.await.unwrap(), "stopping");
/// # }).unwrap();
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let state = state();
    let seen = state.lock().count;
    poll_fn(|cx| {
        let mut s = state.lock();
        if s.count > seen {
            return Poll::Ready(Ok(()));
        }
        s.wakers.push(cx.waker().clone());
        drop(s);
        simloop::facade::wait_in("signal::ctrl_c");
        Poll::Pending
    })
    .await
}

/// Sends a simulated ctrl-c: every pending [`ctrl_c`] future completes.
///
/// # Panics
///
/// Outside a simulation.
pub fn simulate_ctrl_c() {
    let state = state();
    let wakers = {
        let mut s = state.lock();
        s.count += 1;
        std::mem::take(&mut s.wakers)
    };
    for w in wakers {
        w.wake();
    }
}
