//! `runtime::{Builder, Runtime, Handle}`, `#[tokio::main]`, the test
//! macro's tokio arguments, `signal::ctrl_c`, `io` and the not-simulated
//! `fs` and `process` under the facade.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::time::{Instant, sleep};

#[test]
fn block_on_runs_a_fresh_simulation_each_time() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let early = rt.spawn(async { Instant::now().elapsed() });
    let first = rt.block_on(async move {
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(early.await.unwrap(), Duration::ZERO);
        Instant::now() - Instant::from_simloop(simloop::time::Instant::ZERO)
    });
    assert_eq!(first, Duration::from_secs(3600));
    // A new simulation: the clock starts again at zero.
    let second = rt.block_on(async { simloop::time::now().since_start() });
    assert_eq!(second, Duration::ZERO);
}

#[test]
fn multi_thread_runtimes_run_on_the_simulated_thread() {
    let rt = Runtime::new().unwrap();
    let out = rt.block_on(async {
        let handle = Handle::current();
        assert_eq!(
            handle.runtime_flavor(),
            tokio::runtime::RuntimeFlavor::CurrentThread
        );
        let h = handle.spawn(async { std::thread::current().id() });
        let blocking = handle.spawn_blocking(|| std::thread::current().id());
        (h.await.unwrap(), blocking.await.unwrap())
    });
    let me = std::thread::current().id();
    assert_eq!(out, (me, me));
    let multi = Builder::new_multi_thread()
        .worker_threads(8)
        .build()
        .unwrap();
    assert_eq!(
        multi.handle().runtime_flavor(),
        tokio::runtime::RuntimeFlavor::MultiThread
    );
}

#[test]
fn handle_current_outside_a_simulation_is_an_error() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.to_string().contains("no reactor running"), "{err}");
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn nested_block_on_panics_as_in_tokio() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        Runtime::new().unwrap().block_on(async {});
    });
}

#[test]
fn a_failing_block_on_names_the_seed_and_the_deadlock() {
    let rt = Builder::new_current_thread().seed(42).build().unwrap();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
            rx.await.unwrap();
        })
    }))
    .unwrap_err();
    let text = panic.downcast_ref::<String>().unwrap();
    assert!(text.contains("oneshot::Receiver::await"), "{text}");
    assert!(text.contains("SIMLOOP_SEED=42"), "{text}");
}

#[tokio::main]
async fn service_main() -> u64 {
    sleep(Duration::from_millis(1500)).await;
    simloop::time::now().as_nanos()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn threaded_main() -> &'static str {
    tokio::spawn(async { "done" }).await.unwrap()
}

#[test]
fn tokio_main_runs_one_simulation() {
    assert_eq!(service_main(), 1_500_000_000);
    assert_eq!(threaded_main(), "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4, start_paused = true)]
async fn multi_thread_tests_sweep_on_one_thread() {
    let me = std::thread::current().id();
    let other = tokio::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(me, other);
}

#[tokio::test(crate = "tokio", flavor = "current_thread")]
async fn a_test_may_return_a_result() -> Result<(), String> {
    sleep(Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test]
#[should_panic(expected = "replay it with")]
async fn a_failing_test_prints_its_replay_command() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let a = tokio::spawn({
        let tx = tx.clone();
        async move { tx.send("a").await.unwrap() }
    });
    let b = tokio::spawn(async move { tx.send("b").await.unwrap() });
    let first = rx.recv().await.unwrap();
    a.await.unwrap();
    b.await.unwrap();
    // Wrong under some interleavings: found by the sweep.
    assert_eq!(first, "a");
}

#[tokio::test]
async fn ctrl_c_completes_when_the_simulation_sends_it() {
    let stopping = tokio::spawn(async {
        tokio::signal::ctrl_c().await.unwrap();
        Instant::now()
    });
    let start = Instant::now();
    sleep(Duration::from_secs(30)).await;
    tokio::signal::simulate_ctrl_c();
    assert_eq!(stopping.await.unwrap() - start, Duration::from_secs(30));
}

#[tokio::test]
async fn io_helpers_are_tokios_own_and_run_in_the_simulation() {
    let (client, server) = tokio::io::duplex(8);
    let echo = tokio::spawn(async move {
        let (r, mut w) = tokio::io::split(server);
        let mut lines = BufReader::new(r).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            w.write_all(line.to_uppercase().as_bytes()).await.unwrap();
            w.write_all(b"\n").await.unwrap();
        }
    });
    let (mut r, mut w) = tokio::io::split(client);
    w.write_all(b"ping\npong\n").await.unwrap();
    w.shutdown().await.unwrap();
    let mut out = String::new();
    r.read_to_string(&mut out).await.unwrap();
    assert_eq!(out, "PING\nPONG\n");
    echo.await.unwrap();
}

#[tokio::test]
async fn fs_and_process_say_they_are_not_simulated() {
    let err = tokio::fs::read_to_string("Cargo.toml").await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    assert!(
        err.to_string()
            .contains("tokio::fs::read_to_string is not simulated")
    );
    let err = tokio::process::Command::new("ls")
        .arg("-l")
        .output()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("scripted fake"), "{err}");
}
