//! What the guards of [`Mutex`](super::Mutex) and [`RwLock`](super::RwLock)
//! share: the locked data's cell, and a guard's body (who gives the
//! permits back, how many, and where the data is).
//!
//! This is the facade's one module with `unsafe` code, for the reason
//! tokio's locks have it: a lock whose data may be unsized (`Mutex<[u8]>`,
//! `Mutex<dyn Trait>`), built in a `const` context and reached through
//! guards that own an `Arc` of the lock (and map it onto a part of the
//! data) needs the data inline in an [`UnsafeCell`] and guards that point
//! into it. The rule that makes it sound is the lock's fair semaphore: a
//! guard holds permits that exclude every writer (shared access) or
//! everyone else (exclusive access) for as long as it points at the data,
//! and gives them back only when it stops pointing at it.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

use super::batch;

/// A lock's data: reached only through a guard holding the lock's permits,
/// or through a unique borrow of the lock.
pub(super) struct Cell<T: ?Sized>(UnsafeCell<T>);

impl<T> Cell<T> {
    pub(super) const fn new(value: T) -> Cell<T> {
        Cell(UnsafeCell::new(value))
    }

    pub(super) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> Cell<T> {
    pub(super) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// Where the data is. Dereferencing it is up to the guards below.
    fn ptr(&self) -> NonNull<T> {
        NonNull::new(self.0.get()).expect("a cell's address is never null")
    }
}

/// A lock whose fair semaphore guards some data.
pub(super) trait Locks {
    /// The semaphore whose permits a guard holds.
    fn semaphore(&self) -> &batch::Semaphore;
}

impl Locks for batch::Semaphore {
    fn semaphore(&self) -> &batch::Semaphore {
        self
    }
}

/// The permits a guard holds; dropping it gives them back to the lock that
/// `owner` leads to (a borrow of the lock, of its semaphore, or an `Arc`).
struct Permits<R: Deref<Target: Locks>> {
    /// `None` once the permits moved into another guard.
    owner: Option<R>,
    count: u32,
}

impl<R: Deref<Target: Locks>> Permits<R> {
    fn owner(&self) -> &R {
        self.owner
            .as_ref()
            .expect("a guard's permits move out only with the guard")
    }

    /// Moves the permits into a guard with another kind of owner.
    fn rehome<S: Deref<Target: Locks>>(mut self, to: impl FnOnce(R) -> S) -> Permits<S> {
        let owner = self.owner.take().map(to);
        Permits {
            owner,
            count: self.count,
        }
    }

    /// Gives back all permits but one (a writer turning into a reader).
    fn keep_one(&mut self) {
        let extra = self.count - 1;
        self.count = 1;
        self.owner().semaphore().release(extra as usize);
    }
}

impl<R: Deref<Target: Locks>> Drop for Permits<R> {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            owner.semaphore().release(self.count as usize);
        }
    }
}

/// The body of an exclusive guard: permits that shut everyone else out
/// and a pointer to (a part of) the data. Invariant in `U`, as `&mut U`.
pub(super) struct HeldMut<R: Deref<Target: Locks>, U: ?Sized> {
    data: NonNull<U>,
    _invariant: PhantomData<*mut U>,
    // Declared last: the permits go back after the pointer is gone.
    permits: Permits<R>,
}

impl<R: Deref<Target: Locks>, T: ?Sized> HeldMut<R, T> {
    /// The body of a guard holding `count` permits of `owner`'s lock.
    ///
    /// # Safety
    ///
    /// The caller acquired `count` permits of `owner`'s lock, whose data
    /// `cell` finds, and they shut out every other guard of that lock.
    pub(super) unsafe fn new(
        owner: R,
        count: u32,
        cell: impl FnOnce(&R::Target) -> &Cell<T>,
    ) -> HeldMut<R, T> {
        HeldMut {
            // The lock stays where it is while `owner` (a borrow of it or
            // an `Arc`) lives.
            data: cell(&owner).ptr(),
            _invariant: PhantomData,
            permits: Permits {
                owner: Some(owner),
                count,
            },
        }
    }
}

impl<R: Deref<Target: Locks>, U: ?Sized> HeldMut<R, U> {
    pub(super) fn owner(&self) -> &R {
        self.permits.owner()
    }

    pub(super) fn get(&self) -> &U {
        // SAFETY: the permits exclude every other guard (`new`), and the
        // owner keeps the data alive; the borrow of `self` bounds this one.
        unsafe { self.data.as_ref() }
    }

    pub(super) fn get_mut(&mut self) -> &mut U {
        // SAFETY: as `get`, and `&mut self` makes this borrow unique.
        unsafe { self.data.as_mut() }
    }

    /// The same permits over a part of the data, with an owner derived
    /// from this one.
    pub(super) fn map<S, V, F>(mut self, to: impl FnOnce(R) -> S, f: F) -> HeldMut<S, V>
    where
        S: Deref<Target: Locks>,
        V: ?Sized,
        F: FnOnce(&mut U) -> &mut V,
    {
        let data = NonNull::from(f(self.get_mut()));
        HeldMut {
            data,
            _invariant: PhantomData,
            permits: self.permits.rehome(to),
        }
    }

    /// As [`map`](HeldMut::map), or `self` back if `f` finds no part.
    pub(super) fn try_map<S, V, F>(
        mut self,
        to: impl FnOnce(R) -> S,
        f: F,
    ) -> Result<HeldMut<S, V>, Self>
    where
        S: Deref<Target: Locks>,
        V: ?Sized,
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        match f(self.get_mut()).map(NonNull::from) {
            Some(data) => Ok(HeldMut {
                data,
                _invariant: PhantomData,
                permits: self.permits.rehome(to),
            }),
            None => Err(self),
        }
    }

    /// Shared access to a part of the data, giving back all permits but
    /// one (a reader's) once the exclusive access is gone.
    pub(super) fn downgrade_map<S, V, F>(self, to: impl FnOnce(R) -> S, f: F) -> HeldRef<S, V>
    where
        S: Deref<Target: Locks>,
        V: ?Sized,
        F: FnOnce(&U) -> &V,
    {
        let data = NonNull::from(f(self.get()));
        let mut permits = self.permits.rehome(to);
        permits.keep_one();
        HeldRef { data, permits }
    }

    /// As [`downgrade_map`](HeldMut::downgrade_map), or `self` back if `f`
    /// finds no part.
    pub(super) fn try_downgrade_map<S, V, F>(
        self,
        to: impl FnOnce(R) -> S,
        f: F,
    ) -> Result<HeldRef<S, V>, Self>
    where
        S: Deref<Target: Locks>,
        V: ?Sized,
        F: FnOnce(&U) -> Option<&V>,
    {
        match f(self.get()).map(NonNull::from) {
            Some(data) => {
                let mut permits = self.permits.rehome(to);
                permits.keep_one();
                Ok(HeldRef { data, permits })
            }
            None => Err(self),
        }
    }
}

/// The body of a shared guard: a permit that shuts writers out and a
/// pointer to (a part of) the data. Covariant in `U`, as `&U`.
pub(super) struct HeldRef<R: Deref<Target: Locks>, U: ?Sized> {
    data: NonNull<U>,
    // Declared last: the permits go back after the pointer is gone.
    permits: Permits<R>,
}

impl<R: Deref<Target: Locks>, T: ?Sized> HeldRef<R, T> {
    /// The body of a reader's guard holding one permit of `owner`'s lock.
    ///
    /// # Safety
    ///
    /// The caller acquired a permit of `owner`'s lock, whose data `cell`
    /// finds, and it shuts out every exclusive guard of that lock.
    pub(super) unsafe fn new(owner: R, cell: impl FnOnce(&R::Target) -> &Cell<T>) -> HeldRef<R, T> {
        HeldRef {
            // As in `HeldMut::new`.
            data: cell(&owner).ptr(),
            permits: Permits {
                owner: Some(owner),
                count: 1,
            },
        }
    }
}

impl<R: Deref<Target: Locks>, U: ?Sized> HeldRef<R, U> {
    pub(super) fn owner(&self) -> &R {
        self.permits.owner()
    }

    pub(super) fn get(&self) -> &U {
        // SAFETY: the permit excludes exclusive guards (`new`), and the
        // owner keeps the data alive.
        unsafe { self.data.as_ref() }
    }

    /// The same permit over a part of the data.
    pub(super) fn map<S, V, F>(self, to: impl FnOnce(R) -> S, f: F) -> HeldRef<S, V>
    where
        S: Deref<Target: Locks>,
        V: ?Sized,
        F: FnOnce(&U) -> &V,
    {
        let data = NonNull::from(f(self.get()));
        HeldRef {
            data,
            permits: self.permits.rehome(to),
        }
    }

    /// As [`map`](HeldRef::map), or `self` back if `f` finds no part.
    pub(super) fn try_map<S, V, F>(
        self,
        to: impl FnOnce(R) -> S,
        f: F,
    ) -> Result<HeldRef<S, V>, Self>
    where
        S: Deref<Target: Locks>,
        V: ?Sized,
        F: FnOnce(&U) -> Option<&V>,
    {
        match f(self.get()).map(NonNull::from) {
            Some(data) => Ok(HeldRef {
                data,
                permits: self.permits.rehome(to),
            }),
            None => Err(self),
        }
    }
}

/// `Deref`, `Debug` and `Display` of a guard whose body (`held`) is a
/// [`HeldRef`] or a [`HeldMut`].
macro_rules! shared_guard_impls {
    ($guard:ty, [$($g:tt)*], $target:ty) => {
        impl<$($g)*> ::std::ops::Deref for $guard {
            type Target = $target;
            fn deref(&self) -> &$target {
                self.held.get()
            }
        }

        impl<$($g)*> ::std::fmt::Debug for $guard
        where
            $target: ::std::fmt::Debug,
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($g)*> ::std::fmt::Display for $guard
        where
            $target: ::std::fmt::Display,
        {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}
pub(super) use shared_guard_impls;

/// [`shared_guard_impls`] and `DerefMut`, for a guard whose body is a
/// [`HeldMut`].
macro_rules! exclusive_guard_impls {
    ($guard:ty, [$($g:tt)*], $target:ty) => {
        $crate::simulated::sync::guard::shared_guard_impls!($guard, [$($g)*], $target);

        impl<$($g)*> ::std::ops::DerefMut for $guard {
            fn deref_mut(&mut self) -> &mut $target {
                self.held.get_mut()
            }
        }
    };
}
pub(super) use exclusive_guard_impls;

/// `Send` and `Sync` for a guard type, under the bounds tokio gives it.
/// The guards hold raw pointers, so they are neither until this says so.
macro_rules! guard_auto_traits {
    ($guard:ty, [$($g:tt)*], send: [$($send:tt)*], sync: [$($sync:tt)*]) => {
        // SAFETY: a guard gives the same access as the reference it stands
        // for (`&mut T` or `&T`, plus the `Arc` of the lock if it owns
        // one); the bounds are those of that reference, as tokio's.
        #[allow(unsafe_code)]
        unsafe impl<$($g)*> Send for $guard where $($send)* {}
        // SAFETY: as above.
        #[allow(unsafe_code)]
        unsafe impl<$($g)*> Sync for $guard where $($sync)* {}
    };
}
pub(super) use guard_auto_traits;
