//! Seeded random numbers for the code under test.

use std::collections::BTreeSet;

use simloop::{Sim, Strategy, rand, task};

fn draws(seed: u64, strategy: Strategy) -> Vec<u64> {
    Sim::builder()
        .seed(seed)
        .strategy(strategy)
        .build()
        .run(async { (0..16).map(|_| rand::range(0..1000u64)).collect() })
        .unwrap()
}

#[test]
fn the_same_seed_draws_the_same_numbers() {
    assert_eq!(draws(5, Strategy::Fifo), draws(5, Strategy::Fifo));
    assert_ne!(draws(5, Strategy::Fifo), draws(6, Strategy::Fifo));
}

#[test]
fn user_draws_do_not_depend_on_the_strategy() {
    // Scheduling and user code use separate streams of the seed.
    let fifo = draws(3, Strategy::Fifo);
    assert_eq!(fifo, draws(3, Strategy::Random));
    assert_eq!(fifo, draws(3, Strategy::Pct { depth: 3 }));
}

#[test]
fn user_draws_do_not_change_the_schedulers_choices() {
    let run = |draw: bool| {
        Sim::builder()
            .seed(12)
            .strategy(Strategy::Random)
            .build()
            .run_report(async move {
                let hs: Vec<_> = (0..4)
                    .map(|_| {
                        task::spawn(async move {
                            if draw {
                                rand::u64();
                            }
                            task::yield_now().await;
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
            .unwrap()
            .schedule
    };
    assert_eq!(run(false), run(true));
}

#[test]
fn ranges_are_inclusive_or_exclusive_as_written_and_cover_every_value() {
    let seen: BTreeSet<i32> = Sim::new(1)
        .run(async { (0..2000).map(|_| rand::range(-3..=3)).collect() })
        .unwrap();
    assert_eq!(seen, (-3..=3).collect());
    let seen: BTreeSet<u8> = Sim::new(1)
        .run(async { (0..2000).map(|_| rand::range(250..u8::MAX)).collect() })
        .unwrap();
    assert_eq!(seen, (250..255).collect());
    // The full range has no span to reduce modulo: draws still vary.
    let full: BTreeSet<u64> = Sim::new(1)
        .run(async { (0..8).map(|_| rand::range(0..=u64::MAX)).collect() })
        .unwrap();
    assert_eq!(full.len(), 8);
}

#[test]
fn shuffle_choose_bool_and_f64_stay_in_range() {
    Sim::new(4)
        .run(async {
            let mut v: Vec<u32> = (0..50).collect();
            rand::shuffle(&mut v);
            let mut sorted = v.clone();
            sorted.sort();
            assert_eq!(sorted, (0..50).collect::<Vec<_>>());
            assert_ne!(v, sorted);
            assert!(rand::choose::<u8>(&[]).is_none());
            assert!([1, 2, 3].contains(rand::choose(&[1, 2, 3]).unwrap()));
            assert!(!rand::bool(0.0));
            assert!(rand::bool(1.0));
            for _ in 0..1000 {
                let x = rand::f64();
                assert!((0.0..1.0).contains(&x));
            }
        })
        .unwrap();
}

#[test]
fn the_rng_handle_implements_rand_core() {
    use rand_core::Rng;
    let draw = || {
        Sim::new(9)
            .run(async {
                let mut r = rand::rng();
                let mut bytes = [0u8; 8];
                r.fill_bytes(&mut bytes);
                (r.next_u32(), bytes)
            })
            .unwrap()
    };
    assert_eq!(draw(), draw());
}
