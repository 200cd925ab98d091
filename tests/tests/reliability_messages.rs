//! The messages a user reads when something goes wrong inside a run, word
//! for word where the wording matters.

use simloop::{Sim, task};

#[test]
fn a_join_error_names_the_task_once() {
    let (panicked, cancelled) = Sim::new(0)
        .run(async {
            let h = task::Builder::new()
                .name("worker")
                .spawn(async { panic!("boom") });
            let panicked = h.await.unwrap_err().to_string();
            let h = task::spawn(std::future::pending::<()>());
            h.abort();
            let cancelled = h.await.unwrap_err().to_string();
            (panicked, cancelled)
        })
        .unwrap();
    assert!(
        panicked.starts_with("task 1 \"worker\" panicked: boom (at "),
        "{panicked}"
    );
    assert_eq!(cancelled, "task 2 was cancelled");
}

#[test]
fn a_panic_with_a_number_shows_the_number() {
    let message = Sim::new(0)
        .run(async {
            let h = task::spawn(async { std::panic::panic_any(42) });
            h.await.unwrap_err().to_string()
        })
        .unwrap();
    assert!(
        message.starts_with("task 1 panicked: panic_any(42) of type i32 (at "),
        "{message}"
    );
    let err = Sim::new(0)
        .run(async { std::panic::panic_any(vec![1u8]) })
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "task 0 \"main\" panicked: a panic whose payload is not a string \
             (std::panic::panic_any of a type that cannot be shown) (at "
        ),
        "{text}"
    );
    assert!(
        text.contains("reproduce: rerun with SIMLOOP_SEED=0"),
        "{text}"
    );
}
