//! `simloop::rand` with nothing but simloop in `Cargo.toml` (and with the
//! `rand` version its docs name), and simloop's strategy type next to
//! proptest's `Strategy` trait.

use proptest::prelude::*;
use simloop::rand::{self, Rng};
use simloop::{SchedStrategy, Sim};

#[test]
fn rng_next_u64_works_with_only_simloop_as_a_dependency() {
    let draw = |seed| {
        Sim::new(seed)
            .run(async {
                let mut rng = rand::rng();
                let mut bytes = [0u8; 8];
                rng.fill_bytes(&mut bytes);
                (rng.next_u64(), rng.next_u32(), bytes)
            })
            .unwrap()
    };
    assert_eq!(draw(5), draw(5), "a seed replays its numbers");
    assert_ne!(draw(5), draw(6), "another seed draws others");
}

#[test]
fn rand_0_10_extension_methods_work_on_the_simulations_generator() {
    use ::rand::RngExt;
    let draw = |seed| {
        Sim::new(seed)
            .run(async {
                let mut rng = rand::rng();
                let die: u8 = rng.random_range(1..=6);
                let coin = rng.random_bool(0.5);
                let x: f64 = rng.random();
                (die, coin, x)
            })
            .unwrap()
    };
    let (die, _, x) = draw(11);
    assert!((1..=6).contains(&die));
    assert!((0.0..1.0).contains(&x));
    assert_eq!(draw(11), draw(11));
    let dice: std::collections::BTreeSet<u8> = (0..64).map(|s| draw(s).0).collect();
    assert_eq!(dice.len(), 6, "every face comes up: {dice:?}");
}

/// proptest's prelude brings its `Strategy` trait into scope; simloop's
/// enum is imported as `SchedStrategy` beside it, and proptest's
/// combinators still work on proptest strategies.
fn depths() -> impl Strategy<Value = SchedStrategy> {
    (1u32..4).prop_map(|depth| SchedStrategy::Pct { depth })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn sched_strategy_and_proptest_strategy_live_side_by_side(strategy in depths(), seed in 0u64..1000) {
        let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
        prop_assert_eq!(sim.strategy(), &strategy);
        let value = sim.run(async { rand::range(0..10u32) }).unwrap();
        prop_assert!(value < 10);
    }
}

#[test]
fn sched_strategy_is_simloops_strategy() {
    let parsed: SchedStrategy = "pct:3".parse().unwrap();
    assert_eq!(parsed, simloop::Strategy::Pct { depth: 3 });
}
