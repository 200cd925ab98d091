//! buggify! sites and seeded chaos plans with swarm testing.

use std::collections::BTreeSet;
use std::time::Duration;

use simloop::net::{Chaos, Fault};
use simloop::{Sim, buggify, net, time};

fn site() -> bool {
    simloop::buggify!()
}

#[test]
fn a_site_is_enabled_by_some_seeds_and_fires_at_its_rate() {
    let mut enabled = 0;
    let mut fired = 0u64;
    let mut evaluated = 0u64;
    for seed in 0..400 {
        let sites = Sim::new(seed)
            .run(async {
                for _ in 0..100 {
                    site();
                }
                buggify::sites()
            })
            .unwrap();
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].evaluated, 100);
        if sites[0].enabled {
            enabled += 1;
            fired += sites[0].fired;
            evaluated += sites[0].evaluated;
        } else {
            assert_eq!(sites[0].fired, 0);
        }
    }
    assert!((60..140).contains(&enabled), "{enabled} of 400 seeds");
    let rate = fired as f64 / evaluated as f64;
    assert!((0.2..0.3).contains(&rate), "{rate}");
}

#[test]
fn buggify_is_deterministic_per_seed_off_when_disabled_and_outside_simulation() {
    let run = |seed| {
        Sim::new(seed)
            .run(async { (0..64).map(|_| simloop::buggify!(0.5)).collect::<Vec<_>>() })
            .unwrap()
    };
    assert_eq!(run(7), run(7));
    let differs = (0..20).any(|s| run(s) != run(s + 1));
    assert!(differs);
    let off = Sim::new(1)
        .run(async {
            buggify::enable(false);
            buggify::set_site_probability(1.0);
            (0..64).any(|_| simloop::buggify!(1.0))
        })
        .unwrap();
    assert!(!off);
    let always = Sim::new(1)
        .run(async {
            buggify::set_site_probability(1.0);
            (0..8).all(|_| simloop::buggify!(1.0)) && buggify::is_enabled()
        })
        .unwrap();
    assert!(always);
    assert!(!simloop::buggify!(1.0));
    assert!(!buggify::is_enabled());
}

fn chaos_log(seed: u64, plan: Chaos) -> (Vec<Fault>, Vec<String>) {
    Sim::new(seed)
        .run(async move {
            for name in ["a", "b", "c"] {
                net::host(name, std::future::pending::<()>);
            }
            let chaos = plan.start();
            time::sleep(Duration::from_secs(20)).await;
            chaos.stop();
            assert!(net::hosts().iter().all(|h| h.is_up()), "stop restarts");
            for a in ["main", "a", "b", "c"] {
                for b in ["main", "a", "b", "c"] {
                    if a != b {
                        assert!(!net::is_partitioned(a, b), "stop heals");
                    }
                }
            }
            (chaos.enabled(), chaos.log())
        })
        .unwrap()
}

#[test]
fn a_chaos_plan_is_seeded_and_stop_reverts_every_fault() {
    let (kinds, log) = chaos_log(3, Chaos::new());
    assert_eq!(kinds, Fault::ALL);
    assert!(log.len() > 5, "{log:?}");
    assert_eq!(log.last().unwrap(), "t=20s: chaos stopped");
    assert_eq!(chaos_log(3, Chaos::new()).1, log);
    assert_ne!(chaos_log(4, Chaos::new()).1, log);
    let (_, only) = chaos_log(3, Chaos::new().faults(&[Fault::Crash]).hosts(&["a"]));
    assert!(
        only[..only.len() - 1]
            .iter()
            .all(|l| l.contains(": crash a for ")),
        "{only:?}"
    );
}

#[test]
fn swarm_testing_enables_a_different_subset_of_fault_kinds_per_seed() {
    let mut subsets = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for seed in 0..40 {
        let (kinds, _) = chaos_log(seed, Chaos::new().swarm().interval(Duration::from_secs(5)));
        assert!(!kinds.is_empty());
        seen.extend(kinds.iter().copied());
        subsets.insert(kinds);
    }
    assert_eq!(seen.len(), Fault::ALL.len(), "every kind comes up");
    assert!(subsets.len() > 15, "{} subsets", subsets.len());
}
