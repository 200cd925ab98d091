//! [`Barrier`]: asyncio's `Barrier` (Python 3.11).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::waiters::{WaiterId, Waiters, WakeList, park};

/// A meeting point for a fixed number of tasks: asyncio's `Barrier`.
///
/// Each of `parties` tasks calls [`wait`](Barrier::wait); all of them block
/// until the last one arrives, then all are released together. `wait`
/// returns the task's arrival index, `0` for the first to arrive and
/// `parties - 1` for the one that released the others. The barrier then
/// refills for the next round.
///
/// [`abort`](Barrier::abort) breaks the barrier: current and future waits
/// fail with [`BrokenBarrier`]. [`reset`](Barrier::reset) makes current
/// waits fail and returns the barrier to its empty state.
///
/// A cheap handle: clones share the same barrier. `Send + Sync`.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::Barrier, task, time};
///
/// let out = Sim::new(1).run(async {
///     let start = Barrier::new(3).named("start");
///     let runners: Vec<_> = (1..=3).map(|i| {
///         let start = start.clone();
///         task::spawn(async move {
///             time::sleep(Duration::from_secs(i)).await; // arrive at 1, 2, 3 s
///             let index = start.wait().await.unwrap();
///             (index, time::now().since_start().as_secs())
///         })
///     }).collect();
///     let mut out = Vec::new();
///     for r in runners { out.push(r.await.unwrap()); }
///     out
/// }).unwrap();
/// // Everyone leaves when the third arrives; indices are arrival order.
/// assert_eq!(out, vec![(0, 3), (1, 3), (2, 3)]);
/// ```
///
/// # Fairness
///
/// Released waiters resume in arrival order, after the task that released
/// them, as in asyncio. Tasks that arrive while the barrier drains wait for
/// the next round.
///
/// # Cancel safety
///
/// A task whose `wait` is dropped (cancelled) before the barrier fills
/// leaves it: the count goes down by one and the barrier is not broken, as
/// in asyncio. As in CPython 3.13's `Condition`, the dropped wait passes a
/// wake-up to the next waiter, which re-checks and waits again.
///
/// # Differences from asyncio
///
/// - [`wait`](Barrier::wait) returns `Result<usize, BrokenBarrier>` instead
///   of raising `BrokenBarrierError`.
/// - [`abort`](Barrier::abort) and [`reset`](Barrier::reset) are plain
///   methods (in asyncio they are coroutines that never block).
pub struct Barrier {
    inner: Arc<parking_lot::Mutex<State>>,
}

/// A [`Barrier`] wait failed because the barrier was aborted or reset
/// (asyncio's `BrokenBarrierError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("barrier is broken (aborted or reset)")]
pub struct BrokenBarrier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for parties to arrive.
    Filling,
    /// Released: the waiters are leaving.
    Draining,
    /// Reset while tasks waited: they are leaving with an error.
    Resetting,
    /// Aborted.
    Broken,
}

struct State {
    parties: usize,
    phase: Phase,
    /// Tasks inside the barrier (arrived and not yet left).
    count: usize,
    /// One list for every kind of wait, like asyncio's single `Condition`.
    waiters: Waiters,
    name: Option<Arc<str>>,
}

impl State {
    /// A task leaves the barrier (asyncio's `_exit`).
    fn exit(&mut self, wakes: &mut WakeList) {
        self.count -= 1;
        if self.count == 0 {
            if matches!(self.phase, Phase::Resetting | Phase::Draining) {
                self.phase = Phase::Filling;
            }
            self.waiters.notify_all(wakes);
        }
    }
}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 (asyncio raises `ValueError`).
    pub fn new(parties: usize) -> Barrier {
        assert!(parties > 0, "Barrier::new: parties must be at least 1");
        Barrier {
            inner: Arc::new(parking_lot::Mutex::new(State {
                parties,
                phase: Phase::Filling,
                count: 0,
                waiters: Waiters::default(),
                name: None,
            })),
        }
    }

    /// Names the barrier: deadlock reports then say e.g.
    /// `Barrier::wait on "start"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Barrier {
        self.inner.lock().name = Some(name.into());
        self
    }

    /// The barrier's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.inner.lock().name.clone()
    }

    /// Number of tasks needed to release the barrier.
    pub fn parties(&self) -> usize {
        self.inner.lock().parties
    }

    /// Number of tasks waiting for the barrier to fill.
    pub fn n_waiting(&self) -> usize {
        let st = self.inner.lock();
        if st.phase == Phase::Filling {
            st.count
        } else {
            0
        }
    }

    /// Whether the barrier is broken (after [`abort`](Barrier::abort)).
    pub fn is_broken(&self) -> bool {
        self.inner.lock().phase == Phase::Broken
    }

    /// Waits until `parties` tasks are waiting, then returns this task's
    /// arrival index (`0..parties`). The last to arrive returns at once,
    /// without yielding, and releases the others.
    ///
    /// Fails with [`BrokenBarrier`] if the barrier is aborted, or reset
    /// while this task waits.
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            stage: Stage::Entering,
            waiter: None,
        }
    }

    /// Returns the barrier to its empty state. Tasks waiting in it fail with
    /// [`BrokenBarrier`]; a broken barrier is repaired.
    pub fn reset(&self) {
        let mut wakes = WakeList::new();
        let mut st = self.inner.lock();
        st.phase = if st.count > 0 {
            Phase::Resetting
        } else {
            Phase::Filling
        };
        st.waiters.notify_all(&mut wakes);
        drop(st);
        wakes.wake_all();
    }

    /// Breaks the barrier: every current and future `wait` fails with
    /// [`BrokenBarrier`] until [`reset`](Barrier::reset).
    pub fn abort(&self) {
        let mut wakes = WakeList::new();
        let mut st = self.inner.lock();
        st.phase = Phase::Broken;
        st.waiters.notify_all(&mut wakes);
        drop(st);
        wakes.wake_all();
    }
}

impl Clone for Barrier {
    fn clone(&self) -> Self {
        Barrier {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.lock();
        f.debug_struct("Barrier")
            .field("name", &st.name)
            .field("parties", &st.parties)
            .field("count", &st.count)
            .field("phase", &st.phase)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for a draining or resetting barrier to empty.
    Entering,
    /// Counted in, with this arrival index; waiting for the barrier to fill.
    Inside(usize),
    Done,
}

/// The future returned by [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    stage: Stage,
    waiter: Option<WaiterId>,
}

impl BarrierWait<'_> {
    /// Waits (again) at the back of the list.
    fn sleep(&mut self, st: &mut State, cx: &Context<'_>) -> Poll<Result<usize, BrokenBarrier>> {
        self.waiter = Some(st.waiters.push(cx.waker()));
        park("Barrier::wait", st.name.as_ref());
        Poll::Pending
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrier>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut wakes = WakeList::new();
        let mut st = this.barrier.inner.lock();
        if let Some(id) = this.waiter.as_mut() {
            if !st.waiters.take_notified(id, cx.waker()) {
                park("Barrier::wait", st.name.as_ref());
                return Poll::Pending;
            }
            // Woken: re-check the state, as asyncio's `Condition.wait_for`.
            this.waiter = None;
        }
        let result = match this.stage {
            Stage::Entering => {
                if matches!(st.phase, Phase::Draining | Phase::Resetting) {
                    return this.sleep(&mut st, cx);
                }
                if st.phase == Phase::Broken {
                    this.stage = Stage::Done;
                    return Poll::Ready(Err(BrokenBarrier));
                }
                let index = st.count;
                st.count += 1;
                if index + 1 < st.parties {
                    this.stage = Stage::Inside(index);
                    return this.sleep(&mut st, cx);
                }
                // The last to arrive releases the others and leaves.
                st.phase = Phase::Draining;
                st.waiters.notify_all(&mut wakes);
                st.exit(&mut wakes);
                Ok(index)
            }
            Stage::Inside(index) => {
                if st.phase == Phase::Filling {
                    return this.sleep(&mut st, cx);
                }
                let result = match st.phase {
                    Phase::Broken | Phase::Resetting => Err(BrokenBarrier),
                    _ => Ok(index),
                };
                st.exit(&mut wakes);
                result
            }
            Stage::Done => panic!("simloop::sync::BarrierWait polled after it completed"),
        };
        this.stage = Stage::Done;
        drop(st);
        wakes.wake_all();
        Poll::Ready(result)
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        let mut wakes = WakeList::new();
        let mut st = self.barrier.inner.lock();
        if let Some(id) = self.waiter.take() {
            st.waiters.remove(id);
            // Condition.wait's cancellation path: pass a wake-up on.
            st.waiters.notify(1, &mut wakes);
        }
        if let Stage::Inside(_) = self.stage {
            // Leaves the barrier without breaking it.
            st.exit(&mut wakes);
        }
        drop(st);
        wakes.wake_all();
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("stage", &self.stage)
            .finish()
    }
}
