//! The floor: the least an executor with a virtual clock must do for these
//! workloads. A slab of boxed futures, a FIFO ready queue, `Wake` wakers, a
//! binary heap of timers and a clock that jumps to the earliest deadline when
//! nothing is ready; a minimal channel, semaphore and join handle. No
//! strategies, no trace, no failure reporting: three allocations per task.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

type Task = Pin<Box<dyn Future<Output = ()>>>;
/// A live task: its future and its waker.
type Slot = Option<(Task, Arc<TaskWaker>)>;
/// A task's output and the waker of whoever awaits it.
type JoinState<T> = Rc<RefCell<(Option<T>, Option<Waker>)>>;

struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    ready: Arc<Mutex<VecDeque<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::Relaxed) {
            self.ready.lock().unwrap().push_back(self.id);
        }
    }
}

struct Timer {
    deadline: u64,
    seq: u64,
    waker: Waker,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

#[derive(Default)]
struct Core {
    now: Cell<u64>,
    seq: Cell<u64>,
    timers: RefCell<BinaryHeap<Reverse<Timer>>>,
    slab: RefCell<Vec<Slot>>,
    free: RefCell<Vec<usize>>,
    ready: Arc<Mutex<VecDeque<usize>>>,
}

thread_local! {
    static CORE: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

fn core() -> Rc<Core> {
    CORE.with(|c| c.borrow().clone().expect("inside floor::run"))
}

/// Runs `main` to completion on a fresh executor.
pub fn run<F: Future + 'static>(main: F) -> F::Output
where
    F::Output: 'static,
{
    let core = Rc::new(Core::default());
    CORE.with(|c| *c.borrow_mut() = Some(Rc::clone(&core)));
    let root = spawn(main);
    loop {
        loop {
            let next = core.ready.lock().unwrap().pop_front();
            let Some(id) = next else { break };
            let Some((mut task, waker)) = core.slab.borrow_mut()[id].take() else {
                continue;
            };
            waker.queued.store(false, Ordering::Relaxed);
            let w = Waker::from(Arc::clone(&waker));
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&w))
                .is_pending()
            {
                core.slab.borrow_mut()[id] = Some((task, waker));
            } else {
                core.free.borrow_mut().push(id);
            }
        }
        if let Some(out) = root.state.borrow_mut().0.take() {
            CORE.with(|c| c.borrow_mut().take());
            return out;
        }
        let Reverse(timer) = core.timers.borrow_mut().pop().expect("deadlock");
        core.now.set(timer.deadline);
        timer.waker.wake();
    }
}

/// Spawns a task.
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output>
where
    F::Output: 'static,
{
    let core = core();
    let state = Rc::new(RefCell::new((None, None::<Waker>)));
    let done = Rc::clone(&state);
    let task: Task = Box::pin(async move {
        let out = future.await;
        let waker = {
            let mut s = done.borrow_mut();
            s.0 = Some(out);
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    });
    let id = core.free.borrow_mut().pop().unwrap_or_else(|| {
        let mut slab = core.slab.borrow_mut();
        slab.push(None);
        slab.len() - 1
    });
    let waker = Arc::new(TaskWaker {
        id,
        queued: AtomicBool::new(true),
        ready: Arc::clone(&core.ready),
    });
    core.slab.borrow_mut()[id] = Some((task, waker));
    core.ready.lock().unwrap().push_back(id);
    JoinHandle { state }
}

/// Awaits a task's output.
pub struct JoinHandle<T> {
    state: JoinState<T>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.state.borrow_mut();
        match s.0.take() {
            Some(out) => Poll::Ready(out),
            None => {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Virtual time since the start.
pub fn now() -> Duration {
    Duration::from_nanos(core().now.get())
}

/// Sleeps for `d` of virtual time; the deadline is fixed here.
pub fn sleep(d: Duration) -> Sleep {
    Sleep {
        deadline: core().now.get() + d.as_nanos() as u64,
        armed: false,
    }
}

/// The future of [`sleep`].
pub struct Sleep {
    deadline: u64,
    armed: bool,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let core = core();
        if core.now.get() >= self.deadline {
            return Poll::Ready(());
        }
        if !self.armed {
            self.armed = true;
            core.seq.set(core.seq.get() + 1);
            core.timers.borrow_mut().push(Reverse(Timer {
                deadline: self.deadline,
                seq: core.seq.get(),
                waker: cx.waker().clone(),
            }));
        }
        Poll::Pending
    }
}

struct Chan<T> {
    items: VecDeque<T>,
    capacity: usize,
    senders: usize,
    recv_waiters: VecDeque<Waker>,
    send_waiters: VecDeque<Waker>,
}

/// The sending side of a bounded channel.
pub struct Sender<T>(Rc<Mutex<Chan<T>>>);
/// The receiving side of a bounded channel (shared by reference).
pub struct Receiver<T>(Rc<Mutex<Chan<T>>>);

/// A channel of `capacity` items.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Rc::new(Mutex::new(Chan {
        items: VecDeque::new(),
        capacity,
        senders: 1,
        recv_waiters: VecDeque::new(),
        send_waiters: VecDeque::new(),
    }));
    (Sender(Rc::clone(&chan)), Receiver(chan))
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.0.lock().unwrap().senders += 1;
        Sender(Rc::clone(&self.0))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut c = self.0.lock().unwrap();
        c.senders -= 1;
        if c.senders == 0 {
            c.recv_waiters.drain(..).for_each(Waker::wake);
        }
    }
}

impl<T> Sender<T> {
    /// Sends `item`, waiting while the channel is full.
    pub async fn send(&self, item: T) {
        let mut item = Some(item);
        std::future::poll_fn(|cx| {
            let mut c = self.0.lock().unwrap();
            if c.items.len() < c.capacity {
                c.items.push_back(item.take().expect("sent once"));
                if let Some(w) = c.recv_waiters.pop_front() {
                    w.wake();
                }
                Poll::Ready(())
            } else {
                c.send_waiters.push_back(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

impl<T> Receiver<T> {
    /// Receives an item; `None` once every sender is gone and it is empty.
    pub async fn recv(&self) -> Option<T> {
        std::future::poll_fn(|cx| {
            let mut c = self.0.lock().unwrap();
            if let Some(item) = c.items.pop_front() {
                if let Some(w) = c.send_waiters.pop_front() {
                    w.wake();
                }
                Poll::Ready(Some(item))
            } else if c.senders == 0 {
                Poll::Ready(None)
            } else {
                c.recv_waiters.push_back(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// A counting semaphore.
pub struct Semaphore(Mutex<(usize, VecDeque<Waker>)>);

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore(Mutex::new((permits, VecDeque::new())))
    }

    /// Waits for a permit; [`release`](Semaphore::release) gives it back.
    pub async fn acquire(&self) {
        std::future::poll_fn(|cx| {
            let mut s = self.0.lock().unwrap();
            if s.0 > 0 {
                s.0 -= 1;
                Poll::Ready(())
            } else {
                s.1.push_back(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Gives a permit back.
    pub fn release(&self) {
        let mut s = self.0.lock().unwrap();
        s.0 += 1;
        if let Some(w) = s.1.pop_front() {
            w.wake();
        }
    }
}
