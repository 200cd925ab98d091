//! [`Slots`]: task outputs kept by spawn index, for the combinators that
//! return them in argument order whatever order the tasks end in.

/// Outputs by spawn index; a slot stays empty until its task's output is
/// put in.
pub(crate) struct Slots<R>(Vec<Option<R>>);

impl<R> Slots<R> {
    pub(crate) fn new() -> Slots<R> {
        Slots(Vec::new())
    }

    /// Keeps the output of the task spawned `index`-th.
    pub(crate) fn put(&mut self, index: usize, output: R) {
        if self.0.len() <= index {
            self.0.resize_with(index + 1, || None);
        }
        self.0[index] = Some(output);
    }

    /// Every output in spawn order, leaving no slot behind. Called once
    /// every task has ended with an output that was put in.
    pub(crate) fn take_all(&mut self) -> Vec<R> {
        std::mem::take(&mut self.0)
            .into_iter()
            .map(|r| r.expect("every task's output was kept before the outputs are taken"))
            .collect()
    }
}
