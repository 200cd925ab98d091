//! `#[sl::test(crate = sl)]`: simloop renamed to `sl` in `Cargo.toml`, as
//! in `sl = { package = "simloop", path = ".." }`. Without `crate = sl` the
//! expansion would name `::simloop`, which this crate does not have.

use std::time::Duration;

use sl::{task, time};

#[sl::test(crate = sl, seeds = 20)]
async fn a_renamed_dependency_sweeps() {
    let workers: Vec<_> = (0..3)
        .map(|i| task::spawn(time::sleep(Duration::from_secs(i + 1))))
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(time::now().since_start(), Duration::from_secs(3));
}

#[sl::test(crate = "sl", seeds = 3)]
async fn the_string_form_works_too() -> Result<(), String> {
    time::sleep(Duration::from_millis(5)).await;
    Ok(())
}

#[sl::test(crate = sl, seeds = 4)]
#[should_panic(
    expected = "cargo test -p simloop-user-crate-renamed --test renamed -- a_failure_replays_in_this_package --exact"
)]
async fn a_failure_replays_in_this_package() {
    panic!("always");
}
