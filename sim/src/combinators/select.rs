//! [`select`] and [`race`]: the first future to finish wins; the others are
//! dropped at once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use futures::future::Either;

/// Polls both futures and returns the output of the first to finish, as
/// [`Either::Left`] or [`Either::Right`]; the loser is dropped (cancelled)
/// at that moment.
///
/// asyncio's closest counterpart is `asyncio.wait({a, b},
/// return_when=FIRST_COMPLETED)` followed by cancelling the other. The
/// futures run inside the calling task (they are not spawned), so they may
/// borrow; if both are ready at the same poll, `a` wins.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::{select, Either}, sync::Queue, time};
///
/// Sim::new(1).run(async {
///     let q: Queue<u32> = Queue::new();
///     match select(q.get(), time::sleep(Duration::from_secs(2))).await {
///         Either::Left(item) => panic!("nothing was put, got {item:?}"),
///         Either::Right(()) => {} // the get was dropped: nothing is lost
///     }
///     assert_eq!(time::now().since_start(), Duration::from_secs(2));
/// }).unwrap();
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the two futures: the loser is dropped as soon as the
/// winner finishes.
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select {
        a: Some(a),
        b: Some(b),
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`select`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Select<A, B> {
        #[pin]
        a: Option<A>,
        #[pin]
        b: Option<B>,
    }
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let a = this
            .a
            .as_mut()
            .as_pin_mut()
            .expect("simloop::combinators::Select polled after it completed");
        if let Poll::Ready(out) = a.poll(cx) {
            this.a.set(None);
            this.b.set(None);
            return Poll::Ready(Either::Left(out));
        }
        if let Some(b) = this.b.as_mut().as_pin_mut()
            && let Poll::Ready(out) = b.poll(cx)
        {
            this.a.set(None);
            this.b.set(None);
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    }
}

impl<A, B> fmt::Debug for Select<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("finished", &self.a.is_none())
            .finish()
    }
}

/// Polls every future and returns `(index, output)` of the first to finish;
/// the others are dropped (cancelled) at that moment.
///
/// The futures run inside the calling task, in argument order: if several
/// are ready at the same poll, the first in the list wins.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::race, time};
///
/// let winner = Sim::new(1).run(async {
///     race([30u64, 10, 20].map(|ms| async move {
///         time::sleep(Duration::from_millis(ms)).await;
///         ms
///     })).await
/// }).unwrap();
/// assert_eq!(winner, (1, 10));
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the futures: the losers are dropped as soon as the
/// winner finishes.
///
/// # Panics
///
/// If `futures` is empty (there would be no winner, ever).
pub fn race<I>(futures: I) -> Race<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    assert!(
        !futures.is_empty(),
        "simloop::combinators::race needs at least one future"
    );
    Race { futures }
}

/// The future returned by [`race`].
#[must_use = "futures do nothing unless awaited"]
pub struct Race<F> {
    futures: Vec<Pin<Box<F>>>,
}

impl<F: Future> Future for Race<F> {
    type Output = (usize, F::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.futures.is_empty(),
            "simloop::combinators::Race polled after it completed"
        );
        for (index, future) in self.futures.iter_mut().enumerate() {
            if let Poll::Ready(out) = future.as_mut().poll(cx) {
                // Drop the losers now.
                self.futures.clear();
                return Poll::Ready((index, out));
            }
        }
        Poll::Pending
    }
}

impl<F> fmt::Debug for Race<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Race")
            .field("futures", &self.futures.len())
            .finish()
    }
}
