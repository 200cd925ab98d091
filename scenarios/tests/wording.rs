//! The `simloop` command's words tell the asyncio teaching documents'
//! programs (the `seeds/` documents) apart from the RNG seeds that fix a
//! run's interleaving.

use std::process::Command;

fn simloop(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .output()
        .expect("the simloop binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_tour_says_teaching_documents_and_rng_seeds() {
    let out = simloop(&["tour"]);
    let first = out.lines().next().unwrap();
    assert!(
        first.contains("programs of the asyncio teaching documents"),
        "{first}"
    );
    assert!(out.contains("(RNG seed 0)"), "{out}");
    assert!(
        out.contains("count · teaching documents 000, 003, 004"),
        "{out}"
    );
    assert!(out.contains("Every program under 1,000 RNG seeds: simloop sweep --all"));
    assert!(!out.to_lowercase().contains("seed program"), "{out}");
    assert!(!out.contains("All the seeds"), "{out}");
}

#[test]
fn the_list_and_the_help_say_teaching_documents() {
    let list = simloop(&["list"]);
    assert!(
        list.contains("Programs of the asyncio teaching documents"),
        "{list}"
    );
    let help =
        simloop(&["--help"]) + &simloop(&["sweep", "--help"]) + &simloop(&["tour", "--help"]);
    assert!(help.contains("teaching documents"), "{help}");
    assert!(help.contains("RNG seed"), "{help}");
    for text in [&list, &help] {
        assert!(!text.to_lowercase().contains("seed program"), "{text}");
    }
}
