//! Keeping a test's log to the run it reports.
//!
//! A sweep runs a scenario hundreds of times, shrinking replays it hundreds
//! more: with a `tracing` subscriber installed, a failing test would print
//! the interleaved logs of every run, in which the failing one cannot be
//! found. Those runs log nothing; the harness then runs the reported failure
//! once more, with its log.

/// Runs `f` with the `tracing` events of this thread dropped (the
/// executor's own events included: it asks the subscriber of the moment).
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "tracing")]
    {
        use std::sync::LazyLock;
        use tracing::Dispatch;
        use tracing::subscriber::NoSubscriber;
        // One dispatcher for every quiet scope: making one re-registers every
        // callsite.
        static QUIET: LazyLock<Dispatch> = LazyLock::new(|| Dispatch::new(NoSubscriber::new()));
        tracing::dispatcher::with_default(&QUIET, f)
    }
    #[cfg(not(feature = "tracing"))]
    {
        f()
    }
}

/// Whether events logged on this thread go to a subscriber, so that running
/// something again for its log shows anything.
pub(crate) fn logging() -> bool {
    #[cfg(feature = "tracing")]
    {
        tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>())
    }
    #[cfg(not(feature = "tracing"))]
    {
        false
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::*;

    #[test]
    fn quiet_scopes_drop_events_and_end() {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            assert!(logging());
            assert!(tracing::enabled!(tracing::Level::ERROR));
            quietly(|| {
                assert!(!logging());
                assert!(!tracing::enabled!(tracing::Level::ERROR));
            });
            assert!(tracing::enabled!(tracing::Level::ERROR));
        });
    }
}
