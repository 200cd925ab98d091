//! The error types the channels share in shape: each channel keeps its own
//! types at tokio's paths (`mpsc::error::SendError`,
//! `broadcast::error::SendError`, ... are distinct types, as in tokio);
//! these macros write them once.

/// `pub struct SendError<T>(pub T)`: the value a closed channel gave back,
/// shown without it (`T` need not be `Debug`), displayed as "channel
/// closed".
macro_rules! send_error {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(PartialEq, Eq, Clone, Copy)]
        pub struct SendError<T>(pub T);

        impl<T> ::std::fmt::Debug for SendError<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("SendError").finish_non_exhaustive()
            }
        }

        impl<T> ::std::fmt::Display for SendError<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("channel closed")
            }
        }

        impl<T> ::std::error::Error for SendError<T> {}
    };
}
pub(crate) use send_error;

/// `pub struct RecvError(())`: the other side is gone, displayed as
/// "channel closed". The caller gives the docs and derives (tokio's differ
/// per channel).
macro_rules! closed_recv_error {
    ($(#[$attr:meta])*) => {
        $(#[$attr])*
        pub struct RecvError(pub(super) ());

        impl ::std::fmt::Display for RecvError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("channel closed")
            }
        }

        impl ::std::error::Error for RecvError {}
    };
}
pub(crate) use closed_recv_error;
