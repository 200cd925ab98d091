use simloop::{rand, task, time};
use std::time::Duration;

#[simloop::test(seeds = 200)]
async fn three_calls_finish_within_their_longest_delay() {
    let calls: Vec<_> = (0..3)
        .map(|i| {
            task::spawn_named(format!("call-{i}"), async {
                let delay = Duration::from_millis(rand::range(1..=500u64));
                time::sleep(delay).await;
                delay
            })
        })
        .collect();
    let mut longest = Duration::ZERO;
    for call in calls {
        longest = longest.max(call.await.unwrap());
    }
    assert_eq!(time::now().since_start(), longest); // virtual time: exact
}
