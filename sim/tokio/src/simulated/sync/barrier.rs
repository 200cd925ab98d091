//! [`Barrier`]: tasks wait until `n` of them have arrived
//! (`tokio::sync::Barrier`).

use std::fmt;
use std::future::poll_fn;
use std::task::{Poll, Waker};

use parking_lot::Mutex;

#[derive(Debug)]
struct State {
    arrived: usize,
    generation: u64,
    wakers: Vec<Waker>,
}

/// Lets `n` tasks wait for each other; the last to arrive is the leader.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::sync::Arc;
/// use tokio::sync::Barrier;
/// # simloop::Sim::new(1).run(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3).map(|_| {
///     let b = Arc::clone(&barrier);
///     tokio::spawn(async move { b.wait().await.is_leader() })
/// }).collect();
/// let mut leaders = 0;
/// for t in tasks { leaders += t.await.unwrap() as u32; }
/// assert_eq!(leaders, 1);
/// # }).unwrap();
/// ```
pub struct Barrier {
    n: usize,
    state: Mutex<State>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the last to arrive.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks (0 counts as 1, as in tokio).
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            state: Mutex::new(State {
                arrived: 0,
                generation: 0,
                wakers: Vec::new(),
            }),
        }
    }

    /// Waits until `n` tasks have called `wait`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe (as in tokio): a dropped `wait()` still counts as
    /// arrived.
    pub async fn wait(&self) -> BarrierWaitResult {
        let generation = {
            let mut s = self.state.lock();
            s.arrived += 1;
            if s.arrived == self.n {
                s.arrived = 0;
                s.generation += 1;
                let wakers = std::mem::take(&mut s.wakers);
                drop(s);
                wakers.into_iter().for_each(Waker::wake);
                return BarrierWaitResult(true);
            }
            s.generation
        };
        poll_fn(|cx| {
            let mut s = self.state.lock();
            if s.generation != generation {
                return Poll::Ready(BarrierWaitResult(false));
            }
            s.wakers.push(cx.waker().clone());
            drop(s);
            simloop::facade::wait_in("Barrier::wait");
            Poll::Pending
        })
        .await
    }
}
