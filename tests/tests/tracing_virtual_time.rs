//! Logs from inside a simulation carry virtual time and the task's name.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use simloop::{Sim, task, time};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;

/// An in-memory log sink shared with the subscriber.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap();
        String::from_utf8(bytes.clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Runs `f` with a subscriber that writes `simloop::tracing::layer()`'s
/// output into a buffer, and returns the lines written: events at `debug`
/// and above, without the executor's own.
fn capture(f: impl FnOnce()) -> Vec<String> {
    capture_with(
        Targets::new()
            .with_default(LevelFilter::DEBUG)
            .with_target("simloop::executor", LevelFilter::OFF),
        f,
    )
}

fn capture_with(filter: Targets, f: impl FnOnce()) -> Vec<String> {
    let buffer = Buffer::default();
    let sink = buffer.clone();
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(simloop::tracing::layer().with_writer(move || sink.clone()));
    tracing::subscriber::with_default(subscriber, f);
    buffer.lines()
}

#[test]
fn events_in_tasks_carry_virtual_time_and_task_name() {
    let lines = capture(|| {
        Sim::new(7)
            .run(async {
                tracing::info!("root starts");
                let worker = task::spawn_named("worker", async {
                    time::sleep(Duration::from_millis(1500)).await;
                    tracing::info!(attempt = 2, "worker woke up");
                });
                let anonymous = task::spawn(async {
                    time::sleep(Duration::from_secs(90)).await;
                    tracing::warn!("late");
                });
                worker.await.unwrap();
                anonymous.await.unwrap();
                tracing::debug!("root done");
            })
            .unwrap();
    });
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(lines[0].starts_with("t=0ns [main]"), "{}", lines[0]);
    assert!(lines[0].contains("INFO") && lines[0].contains("root starts"));
    assert!(lines[1].starts_with("t=1.5s [worker]"), "{}", lines[1]);
    assert!(lines[1].contains("worker woke up") && lines[1].contains("attempt=2"));
    // The anonymous task is the third task created: id 2.
    assert!(lines[2].starts_with("t=90s [task-2]"), "{}", lines[2]);
    assert!(lines[2].contains("WARN") && lines[2].contains("late"));
    assert!(lines[3].starts_with("t=90s [main]"), "{}", lines[3]);
    assert!(lines[3].contains("DEBUG") && lines[3].contains("root done"));
}

#[test]
fn busy_time_shows_in_later_events_of_the_same_poll() {
    let lines = capture(|| {
        Sim::new(1)
            .run(async {
                time::busy(Duration::from_millis(250));
                tracing::info!("after busy");
            })
            .unwrap();
    });
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].starts_with("t=250ms [main]"), "{}", lines[0]);
}

#[test]
fn the_executor_logs_its_decisions_at_debug_and_trace_level() {
    let run = || {
        Sim::new(1)
            .run(async {
                task::spawn_named("sleeper", time::sleep(Duration::from_secs(1)))
                    .await
                    .unwrap();
            })
            .unwrap();
    };
    let executor = |level| Targets::new().with_target("simloop::executor", level);
    let debug = capture_with(executor(LevelFilter::DEBUG), run);
    assert_eq!(
        debug,
        [
            "t=0ns [main] DEBUG simloop::executor: task 0 spawned (root) step=0",
            "t=0ns [main] DEBUG simloop::executor: task 1 spawned by task 0 step=1",
            "t=1s [main] DEBUG simloop::executor: task 1 finished step=3",
            "t=1s [main] DEBUG simloop::executor: task 0 finished step=4",
        ]
    );
    let trace = capture_with(executor(LevelFilter::TRACE), run);
    assert!(trace.len() > debug.len());
    for expected in [
        "t=0ns [main] TRACE simloop::executor: task 1 polled step=2",
        "t=1s [main] TRACE simloop::executor: task 1 timer due at t=1s fired step=2",
        "t=1s [main] TRACE simloop::executor: task 1 woken step=2",
    ] {
        assert!(
            trace.iter().any(|l| l == expected),
            "no {expected:?} in {trace:#?}"
        );
    }
    // The user's events are not mixed in when only the executor is enabled.
    assert!(trace.iter().all(|l| l.contains("simloop::executor")));
}

#[test]
fn outside_a_simulation_the_stamp_is_a_plain_marker() {
    let lines = capture(|| tracing::info!("no simulation here"));
    assert_eq!(lines.len(), 1, "{lines:#?}");
    // No wall-clock time: the line starts with the marker and the level.
    assert!(lines[0].starts_with("t=-  INFO "), "{}", lines[0]);
    assert!(lines[0].contains("no simulation here"));
}

#[test]
fn timestamp_without_task_shows_time_only() {
    let buffer = Buffer::default();
    let sink = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_timer(simloop::tracing::SimTime::new().without_task())
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        Sim::new(1)
            .run(async {
                time::sleep(Duration::from_secs(2)).await;
                tracing::info!("tick");
            })
            .unwrap();
    });
    let lines = buffer.lines();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].starts_with("t=2s  INFO "), "{}", lines[0]);
}

/// `init` honours `RUST_LOG` and may be called repeatedly. The global
/// subscriber is per process, so the check runs this test binary again as a
/// child with `RUST_LOG` set and reads what it wrote.
#[test]
fn init_honours_rust_log_and_is_idempotent() {
    if std::env::var_os("SIMLOOP_TRACING_CHILD").is_some() {
        simloop::tracing::init();
        simloop::tracing::init();
        Sim::new(3)
            .run(async {
                task::spawn_named("child-task", async {
                    time::sleep(Duration::from_secs(5)).await;
                    tracing::info!("filtered out");
                    tracing::warn!("kept");
                })
                .await
                .unwrap();
            })
            .unwrap();
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "init_honours_rust_log_and_is_idempotent",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SIMLOOP_TRACING_CHILD", "1")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let logged: Vec<&str> = stderr.lines().filter(|l| l.starts_with("t=")).collect();
    assert_eq!(logged.len(), 1, "{stderr}");
    assert!(
        logged[0].starts_with("t=5s [child-task]  WARN "),
        "{stderr}"
    );
    assert!(logged[0].contains("kept"), "{stderr}");
}
