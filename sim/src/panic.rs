//! Catching panics inside a simulation without spamming stderr.
//!
//! A panic inside a simulated task is a result, not a crash: the executor
//! catches it and reports it. A process-wide panic hook (installed once,
//! delegating to the previous hook for every panic outside simloop) records
//! the panic's location instead of printing it while a simulation is polling.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) > 0 {
                let location = info.location().map(|l| l.to_string());
                LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its message (with its source location).
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        let message = payload_message(payload.as_ref());
        match LOCATION.with(|slot| slot.borrow_mut().take()) {
            Some(location) => format!("{message} (at {location})"),
            None => message,
        }
    })
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(value) = number(payload) {
        format!("std::panic::panic_any({value}) (a panic whose payload is a number, not a message)")
    } else {
        "a panic whose payload is neither a string nor a number \
         (std::panic::panic_any with a value of another type)"
            .to_owned()
    }
}

/// The value of a payload of a primitive number type, as text.
fn number(payload: &(dyn Any + Send)) -> Option<String> {
    macro_rules! try_types {
        ($($t:ty),*) => {
            $(if let Some(v) = payload.downcast_ref::<$t>() {
                return Some(format!("{v}_{}", stringify!($t)));
            })*
        };
    }
    try_types!(
        i32, u32, i64, u64, usize, isize, i8, u8, i16, u16, i128, u128, f32, f64
    );
    None
}
