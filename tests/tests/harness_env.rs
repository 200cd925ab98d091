//! The `SIMLOOP_*` variables: a value the harness cannot read is an error
//! that names the variable, says what is wrong and lists the accepted forms
//! once.

use simloop::harness::{EnvConfig, VARIABLES};

fn error(name: &str, value: &str) -> String {
    EnvConfig::from_lookup(|n| (n == name).then(|| value.to_owned()))
        .unwrap_err()
        .to_string()
}

#[test]
fn an_invalid_value_says_what_is_wrong_and_lists_the_accepted_forms_once() {
    let cases = [
        ("SIMLOOP_SEED", "abc", "not a number"),
        ("SIMLOOP_SEED", "18446744073709551616", "too large"),
        ("SIMLOOP_SEEDS", "-5", "not a number"),
        ("SIMLOOP_SEEDS", "0", "a sweep needs at least one seed"),
        (
            "SIMLOOP_STRATEGY",
            "roundrobin",
            "unknown strategy `roundrobin`",
        ),
        (
            "SIMLOOP_STRATEGY",
            "pct:0",
            "\"0\" is not a depth of 1 or more",
        ),
        (
            "SIMLOOP_SHARD",
            "4/4",
            "I must be below N (shards count from 0, unlike nextest's --partition)",
        ),
        ("SIMLOOP_SHARD", "1-4", "no `/`"),
        ("SIMLOOP_JOBS", "x", "not a number"),
        ("SIMLOOP_JOBS", "0", "at least one thread is needed"),
        ("SIMLOOP_CHECK_DETERMINISM", "maybe", "not a yes/no value"),
    ];
    for (name, value, reason) in cases {
        let text = error(name, value);
        let accepts = VARIABLES.iter().find(|v| v.name == name).unwrap().accepts;
        assert_eq!(
            text,
            format!("invalid {name}={value:?}: {reason}; {name} accepts {accepts}"),
        );
    }
}

#[test]
fn a_bad_schedule_says_which_part_is_wrong() {
    let text = EnvConfig::from_lookup(|n| match n {
        "SIMLOOP_SEED" => Some("1".into()),
        "SIMLOOP_SCHEDULE" => Some("3:1,2".into()),
        _ => None,
    })
    .unwrap_err()
    .to_string();
    let accepts = VARIABLES
        .iter()
        .find(|v| v.name == "SIMLOOP_SCHEDULE")
        .unwrap()
        .accepts;
    assert_eq!(
        text,
        format!(
            "invalid SIMLOOP_SCHEDULE=\"3:1,2\": \"2\" has no `:`; SIMLOOP_SCHEDULE accepts {accepts}"
        )
    );
}
