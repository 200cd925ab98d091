//! Draws the timeline of a small run: `cargo run -p simloop --example
//! timeline -- DIR` writes `DIR/timeline.svg` and `DIR/timeline.json`
//! (open the JSON at https://ui.perfetto.dev).

use std::time::Duration;

use simloop::timeline::Timeline;
use simloop::{Sim, task, time};

fn main() -> std::process::ExitCode {
    match draw() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("timeline: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn draw() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {dir}: {e}"))?;
    let report = Sim::builder()
        .seed(7)
        .trace(true)
        .build()
        .run_report(async {
            // A worker that computes (busy) after each sleep, and a reporter
            // whose timers come due at the same instants: it stays ready
            // (woken, not polled) while the worker blocks the loop.
            let worker = task::spawn_named("worker", async {
                for _ in 0..3 {
                    time::sleep(Duration::from_millis(400)).await;
                    time::busy(Duration::from_millis(150));
                }
            });
            let reporter = task::spawn_named("reporter", async {
                let start = time::now();
                for i in 1..=3 {
                    time::sleep_until(start + Duration::from_millis(550 * i - 150)).await;
                }
            });
            // A poller that retries on a timer.
            let poller = task::spawn_named("poller <retry>", async {
                for _ in 0..5 {
                    time::sleep(Duration::from_millis(250)).await;
                    task::yield_now().await;
                }
            });
            // A task that waits forever and gets aborted.
            let stuck = task::spawn(async {
                futures::future::pending::<()>().await;
            });
            // A task that panics after a while.
            let faulty = task::spawn_named("faulty", async {
                time::sleep(Duration::from_millis(900)).await;
                panic!("boom");
            });
            time::sleep(Duration::from_millis(1200)).await;
            stuck.abort();
            worker.await.unwrap();
            poller.await.unwrap();
            reporter.await.unwrap();
            assert!(faulty.await.unwrap_err().is_panic());
        })?;
    let timeline = Timeline::from_report(&report)?;
    let svg = format!("{dir}/timeline.svg");
    let json = format!("{dir}/timeline.json");
    timeline.write_svg(&svg)?;
    timeline.write_chrome_trace(&json)?;
    println!("wrote {svg} and {json}");
    Ok(())
}
