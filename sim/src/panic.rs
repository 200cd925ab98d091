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

/// What [`stop_the_run`] unwinds with.
struct StopTheRun;

/// Unwinds the poll being made, without a panic message: the runtime has
/// recorded why the run must stop (the time limit passed inside `busy`) and
/// acts on it as soon as the poll is unwound. The task's `JoinHandle` is
/// never read, as the run ends there.
pub(crate) fn stop_the_run() -> ! {
    panic::resume_unwind(Box::new(StopTheRun))
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

/// The panic's message: its text, a value of a common type given to
/// `std::panic::panic_any` (`panic_any(42)`), or a sentence saying the
/// payload cannot be shown.
fn payload_message(payload: &(dyn Any + Send)) -> String {
    if payload.is::<StopTheRun>() {
        return "the run was stopped (its time limit passed)".to_owned();
    }
    if let Some(s) = payload.downcast_ref::<&str>() {
        return (*s).to_owned();
    }
    if let Some(s) = payload.downcast_ref::<String>() {
        return s.clone();
    }
    macro_rules! shown {
        ($($t:ty),*) => {$(
            if let Some(v) = payload.downcast_ref::<$t>() {
                return format!("panic_any({v:?}) of type {}", stringify!($t));
            }
        )*};
    }
    shown!(
        i32, i64, u32, u64, usize, isize, u8, i8, u16, i16, bool, char, f64
    );
    "a panic whose payload is not a string (std::panic::panic_any of a type that cannot be shown)"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_as_sentences() {
        assert_eq!(payload_message(&"boom"), "boom");
        assert_eq!(payload_message(&String::from("boom")), "boom");
        assert_eq!(payload_message(&42i32), "panic_any(42) of type i32");
        assert_eq!(payload_message(&'x'), "panic_any('x') of type char");
        struct Opaque;
        let text = payload_message(&Opaque);
        assert!(text.contains("not a string"), "{text}");
        assert!(!text.contains('<'), "{text}");
    }
}
