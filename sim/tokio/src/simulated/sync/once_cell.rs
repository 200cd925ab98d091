//! [`OnceCell`] (initialised once, by the first initializer to finish) and
//! [`SetOnce`] (set once, awaited by others).

use std::fmt;
use std::future::{Future, poll_fn};
use std::sync::OnceLock;
use std::task::{Poll, Waker};

use parking_lot::Mutex;

use super::batch;

/// A value set at most once: `OnceLock`'s operations, plus a `const`
/// constructor that starts set (which `OnceLock` has not).
#[derive(Debug)]
enum Slot<T> {
    Preset(T),
    Lazy(OnceLock<T>),
}

impl<T> Slot<T> {
    const fn empty() -> Slot<T> {
        Slot::Lazy(OnceLock::new())
    }

    fn new(value: Option<T>) -> Slot<T> {
        match value {
            Some(v) => Slot::Preset(v),
            None => Slot::empty(),
        }
    }

    fn get(&self) -> Option<&T> {
        match self {
            Slot::Preset(v) => Some(v),
            Slot::Lazy(cell) => cell.get(),
        }
    }

    fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Slot::Preset(v) => Some(v),
            Slot::Lazy(cell) => cell.get_mut(),
        }
    }

    fn set(&self, value: T) -> Result<(), T> {
        match self {
            Slot::Preset(_) => Err(value),
            Slot::Lazy(cell) => cell.set(value),
        }
    }

    fn into_inner(self) -> Option<T> {
        match self {
            Slot::Preset(v) => Some(v),
            Slot::Lazy(cell) => cell.into_inner(),
        }
    }

    fn take(&mut self) -> Option<T> {
        std::mem::replace(self, Slot::empty()).into_inner()
    }
}

/// Why [`OnceCell::set`] failed: the value comes back.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell was already initialised.
    AlreadyInitializedError(T),
    /// The cell is being initialised.
    InitializingError(T),
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> SetError<T> {
    /// Whether the cell was already initialised.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether the cell was being initialised.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

/// A cell initialised at most once, asynchronously
/// (`tokio::sync::OnceCell`): concurrent `get_or_init` calls run one
/// initializer at a time, in arrival order, until one finishes.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use tokio::sync::OnceCell;
/// # simloop::Sim::new(1).run(async {
/// let cell = OnceCell::new();
/// assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
/// assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1);
/// # }).unwrap();
/// ```
pub struct OnceCell<T> {
    value: Slot<T>,
    init: batch::Semaphore,
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell::new_with(Some(value))
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell::const_new()
    }

    /// A cell holding `value`, if given.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        OnceCell {
            value: Slot::new(value),
            init: batch::Semaphore::new(1),
        }
    }

    /// An empty cell, in a `const` context (a `static`).
    ///
    /// ```
    /// # extern crate simloop_tokio as tokio;
    /// use tokio::sync::OnceCell;
    /// static ID: OnceCell<u32> = OnceCell::const_new();
    /// # simloop::Sim::new(1).run(async {
    /// assert_eq!(*ID.get_or_init(|| async { 7 }).await, 7);
    /// # }).unwrap();
    /// ```
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value: Slot::empty(),
            init: batch::Semaphore::new(1),
        }
    }

    /// A cell holding `value`, in a `const` context.
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            value: Slot::Preset(value),
            init: batch::Semaphore::new(1),
        }
    }

    /// Whether the cell holds a value.
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, mutably, if set.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if the cell is empty and nobody initialises it.
    ///
    /// # Errors
    ///
    /// [`SetError`] with the value otherwise.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        if self.init.try_acquire(1).is_err() {
            return Err(SetError::InitializingError(value));
        }
        let out = match self.value.set(value) {
            Ok(()) => Ok(()),
            Err(v) => Err(SetError::AlreadyInitializedError(v)),
        };
        self.init.release(1);
        out
    }

    /// The value, initialising it with `f` first if the cell is empty.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while `f`'s future runs cancels that
    /// initialisation; the next waiting caller runs its own.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// The value, initialising it with `f` first if the cell is empty; an
    /// `Err` leaves the cell empty for the next caller.
    ///
    /// # Errors
    ///
    /// The initializer's error.
    ///
    /// # Cancel safety
    ///
    /// As [`get_or_init`](OnceCell::get_or_init).
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        self.init
            .acquire(1, "OnceCell::get_or_init")
            .await
            .expect("never closed");
        struct Release<'a>(&'a batch::Semaphore);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.release(1);
            }
        }
        let _release = Release(&self.init);
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let value = f().await?;
        let _ = self.value.set(value);
        Ok(self.get().expect("just set"))
    }

    /// The value, consuming the cell.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        self.value.take()
    }
}

/// Why [`SetOnce::set`] failed: the value comes back.
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> std::error::Error for SetOnceError<T> {}

/// A value set once, which tasks can wait for (`tokio::sync::SetOnce`).
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::sync::Arc;
/// use tokio::sync::SetOnce;
/// # simloop::Sim::new(1).run(async {
/// let ready = Arc::new(SetOnce::new());
/// let r = Arc::clone(&ready);
/// let waiter = tokio::spawn(async move { *r.wait().await });
/// ready.set(5).unwrap();
/// assert_eq!(waiter.await.unwrap(), 5);
/// assert!(ready.set(6).is_err());
/// # }).unwrap();
/// ```
pub struct SetOnce<T> {
    value: Slot<T>,
    wakers: Mutex<Vec<Waker>>,
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> SetOnce<T> {
        SetOnce::new_with(Some(value))
    }
}

impl<T> SetOnce<T> {
    /// An unset value.
    pub fn new() -> SetOnce<T> {
        SetOnce::const_new()
    }

    /// A `SetOnce` holding `value`, if given.
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        SetOnce {
            value: Slot::new(value),
            wakers: Mutex::new(Vec::new()),
        }
    }

    /// An unset value, in a `const` context (a `static`).
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            value: Slot::empty(),
            wakers: Mutex::new(Vec::new()),
        }
    }

    /// A `SetOnce` holding `value`, in a `const` context.
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            value: Slot::Preset(value),
            wakers: Mutex::new(Vec::new()),
        }
    }

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Sets the value and wakes the waiters.
    ///
    /// # Errors
    ///
    /// [`SetOnceError`] with the value if it was already set.
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        self.value.set(value).map_err(SetOnceError)?;
        let wakers = std::mem::take(&mut *self.wakers.lock());
        wakers.into_iter().for_each(Waker::wake);
        Ok(())
    }

    /// Waits until the value is set.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait(&self) -> &T {
        poll_fn(|cx| {
            if let Some(v) = self.value.get() {
                return Poll::Ready(v);
            }
            self.wakers.lock().push(cx.waker().clone());
            if let Some(v) = self.value.get() {
                return Poll::Ready(v);
            }
            simloop::facade::wait_in("SetOnce::wait");
            Poll::Pending
        })
        .await
    }

    /// The value, consuming the `SetOnce`.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}
