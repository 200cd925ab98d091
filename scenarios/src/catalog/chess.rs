//! # `chess` — seed 000
//!
//! Judit Polgár plays 24 opponents. Each game is 30 move pairs; her move
//! takes 5 s of her own attention (blocking work,
//! [`busy`](simloop::time::busy)) and each opponent then thinks for 55 s (a
//! wait, [`sleep`](simloop::time::sleep)). It teaches cooperative
//! multitasking: playing the games one at a time takes 24 × 30 × 60 s = 12 h;
//! walking from board to board while the opponents think takes about 1 h.
//!
//! Expected outcome: `chess-sync` (one game after another) takes exactly
//! 43 200 s. `chess` (all boards at once) under FIFO takes exactly 3 655 s:
//! Judit is busy without a break for 720 × 5 s = 3 600 s, and the last reply
//! lands 55 s after her 720th move. Under any strategy her moves total
//! 3 600 s, never overlap, every opponent gets its 55 s, and the exhibition
//! takes at least 3 655 s.
//!
//! Properties checked: `moves` (30 per board), `master-busy` (moves take 5 s
//! each, never overlap, total 3 600 s), `opponent-thinks` (at least 55 s
//! between two moves at a board), `elapsed` (≥ 3 655 s; exactly 3 655 s under
//! FIFO; exactly 43 200 s for the sync version).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use simloop::time::Instant;
use simloop::{Report, Sim, SimError, Strategy, task, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// All boards at once.
pub const SCENARIO: Scenario = Scenario::new(
    "chess",
    "one master, 24 boards, 30 moves each: 5 s of her time, then 55 s for the opponent",
    "000",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// One board after another.
pub const SYNC: Scenario = Scenario::new(
    "chess-sync",
    "the same exhibition, one game at a time: 12 h",
    "000",
    Kind::Variant { of: "chess" },
    |env| Box::pin(env.checked(main_sync, check_sync, summary_sync)),
);

/// Boards in the exhibition.
pub const BOARDS: usize = 24;
/// Move pairs per game.
pub const MOVES: usize = 30;
/// Time the master spends on one move.
pub const MASTER_MOVE: Duration = Duration::from_secs(5);
/// Time an opponent thinks before replying.
pub const OPPONENT_MOVE: Duration = Duration::from_secs(55);

/// One move of the master: at which board, from when to when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The board (1-based).
    pub board: usize,
    /// When she started thinking.
    pub start: Instant,
    /// When she had moved.
    pub end: Instant,
}

type Moves = Rc<RefCell<Vec<Move>>>;

/// One game at `board`: 30 times, the master moves (blocking) and the
/// opponent replies (waiting).
pub async fn game(log: Log, board: usize, moves: Moves) {
    for _ in 0..MOVES {
        let start = time::now();
        time::busy(MASTER_MOVE);
        moves.borrow_mut().push(Move {
            board,
            start,
            end: time::now(),
        });
        time::sleep(OPPONENT_MOVE).await;
    }
    log.say(format!("board {board}: game over after {MOVES} moves"));
}

/// Every board at once (tasks `board-1` .. `board-24`).
pub async fn main(log: Log) -> Vec<Move> {
    let moves = Moves::default();
    let games: Vec<_> = (1..=BOARDS)
        .map(|b| task::spawn_named(format!("board-{b}"), game(log.clone(), b, moves.clone())))
        .collect();
    for g in games {
        g.await.expect("a game neither panics nor is cancelled");
    }
    log.say(format!(
        "exhibition over after {}",
        human::duration(time::now().since_start())
    ));
    moves.take()
}

/// One board after another.
pub async fn main_sync(log: Log) -> Vec<Move> {
    let moves = Moves::default();
    for b in 1..=BOARDS {
        game(log.clone(), b, moves.clone()).await;
    }
    log.say(format!(
        "exhibition over after {}",
        human::duration(time::now().since_start())
    ));
    moves.take()
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Vec<Move>>>, SimError> {
    crate::simulate(sim, main)
}

/// Runs [`main_sync`] under `sim`.
pub fn simulate_sync(sim: &Sim) -> Result<Report<Ran<Vec<Move>>>, SimError> {
    crate::simulate(sim, main_sync)
}

/// The properties every version satisfies.
fn check_common(ran: &Ran<Vec<Move>>) -> Result<(), Violation> {
    let moves = &ran.value;
    for b in 1..=BOARDS {
        let at_board: Vec<&Move> = moves.iter().filter(|m| m.board == b).collect();
        ensure!(
            at_board.len() == MOVES,
            "moves",
            "board {b} saw {} moves",
            at_board.len()
        );
        for pair in at_board.windows(2) {
            ensure!(
                pair[1].start >= pair[0].end + OPPONENT_MOVE,
                "opponent-thinks",
                "board {b}: a move at {} only {:?} after the previous one",
                pair[1].start,
                pair[1].start - pair[0].end
            );
        }
    }
    let mut total = Duration::ZERO;
    for (i, m) in moves.iter().enumerate() {
        ensure!(
            m.end - m.start == MASTER_MOVE,
            "master-busy",
            "move {i} at board {} took {:?}",
            m.board,
            m.end - m.start
        );
        if let Some(prev) = i.checked_sub(1).map(|j| moves[j]) {
            ensure!(
                m.start >= prev.end,
                "master-busy",
                "move {i} at board {} started at {} before the previous move ended at {}",
                m.board,
                m.start,
                prev.end
            );
        }
        total += m.end - m.start;
    }
    ensure!(
        total == Duration::from_secs(3600),
        "master-busy",
        "the master's moves took {total:?} in all"
    );
    Ok(())
}

/// The properties of the simultaneous exhibition.
pub fn check(ran: &Ran<Vec<Move>>) -> Result<(), Violation> {
    check_common(ran)?;
    let least = Duration::from_secs(3655);
    ensure!(
        ran.elapsed >= least,
        "elapsed",
        "took {:?}, less than the 3 655 s the master's moves and the last reply need",
        ran.elapsed
    );
    if ran.strategy == Strategy::Fifo {
        ensure!(
            ran.elapsed == least,
            "elapsed",
            "under FIFO took {:?}, expected exactly 3 655 s",
            ran.elapsed
        );
    }
    Ok(())
}

/// The properties of the one-at-a-time exhibition.
pub fn check_sync(ran: &Ran<Vec<Move>>) -> Result<(), Violation> {
    check_common(ran)?;
    ensure!(
        ran.elapsed == Duration::from_secs(43_200),
        "elapsed",
        "took {:?}, expected 12 h",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Vec<Move>>) -> String {
    format!(
        "24 games played simultaneously: {}",
        human::duration(r.elapsed)
    )
}

fn summary_sync(r: &Ran<Vec<Move>>) -> String {
    format!(
        "24 games played one at a time: {}",
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let sim = Sim::new(seed);
    let sync = story.ran(checked(&SYNC, simulate_sync(&sim), check_sync)?);
    let simultaneous = story.ran(checked(&SCENARIO, simulate(&sim), check)?);
    let busy: Duration = simultaneous
        .value
        .value
        .iter()
        .map(|m| m.end - m.start)
        .sum();
    Ok(story.told(vec![
        format!(
            "24 chess games: {} played one at a time, {} played simultaneously.",
            human::duration(sync.elapsed),
            human::duration(simultaneous.elapsed)
        ),
        format!(
            "The master is busy {} of that ({} moves); the last reply lands {} after her last move.",
            human::duration(busy),
            simultaneous.value.value.len(),
            human::duration(
                simultaneous.elapsed
                    - simultaneous
                        .value
                        .value
                        .last()
                        .map_or(Duration::ZERO, |m| m.end.since_start())
            )
        ),
    ]))
}
