//! `verity dispute list | show | watch`: the dispute games that challenge results.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
	chain::Chain,
	error::CliError,
	events::{DisputeClosed, DisputeSettled},
	output::{dispute_text, disputes_table, field, json_line, phase_text, units, who},
	rpc,
};

/// Prints the open games (of `job` only, with one).
pub async fn list(chain: &Chain, job: Option<u64>, json: bool) -> Result<(), CliError> {
	let games = match job {
		Some(job) => rpc::job_disputes(chain, job).await?,
		None => rpc::all_disputes(chain).await?,
	};
	if json {
		for g in &games {
			println!("{}", json_line(g));
		}
	} else {
		println!("{}", disputes_table(&games));
	}
	Ok(())
}

/// Prints the open game `id`.
pub async fn show(chain: &Chain, id: u64, json: bool) -> Result<(), CliError> {
	let game = rpc::dispute(chain, id).await?.ok_or_else(|| not_open(id))?;
	println!("{}", if json { json_line(&game) } else { dispute_text(&game) });
	Ok(())
}

fn not_open(id: u64) -> CliError {
	CliError::Input(format!("game {id} is not open (never opened, or already settled)"))
}

/// The line of one move: where the game stands after it.
pub fn move_line(block: u64, game: &Value, json: bool) -> String {
	if json {
		return json_line(&json!({
			"block": block,
			"game": game.get("game"),
			"moves": game.get("moves"),
			"phase": game.get("phase"),
			"to_move": game.get("to_move"),
			"deadline": game.get("deadline"),
		}));
	}
	format!(
		"#{block} game {} move {}: {} ({} to move by block {})",
		field(game, "game"),
		field(game, "moves"),
		phase_text(&game["phase"]),
		field(game, "to_move"),
		field(game, "deadline")
	)
}

/// The line of a game's end.
pub fn settled_line(block: u64, s: &DisputeSettled, json: bool) -> String {
	if json {
		return json_line(&json!({
			"block": block,
			"game": s.game,
			"job": s.job,
			"settled": format!("{:?}", s.ending),
			"winner": s.winner.to_string(),
			"loser": s.loser.to_string(),
			"slashed": s.slashed.to_string(),
			"reward": s.reward.to_string(),
		}));
	}
	format!(
		"#{block} game {} settled ({:?}): winner {}, loser {} slashed {} ({} to the winner, the \
		 rest to the treasury)",
		s.game,
		s.ending,
		who(&s.winner.to_string()),
		who(&s.loser.to_string()),
		units(s.slashed),
		units(s.reward)
	)
}

/// Follows game `id` at every new best block, printing each move, until it is settled (or
/// closed because another game refuted the result).
pub async fn watch(chain: &Chain, id: u64, timeout: Duration, json: bool) -> Result<(), CliError> {
	tokio::time::timeout(timeout, follow(chain, id, json)).await.map_err(|_| {
		CliError::Job(format!("timed out after {} s watching game {id}", timeout.as_secs()))
	})?
}

async fn follow(chain: &Chain, id: u64, json: bool) -> Result<(), CliError> {
	let mut last: Option<Value> = None;
	let mut blocks = chain.api.stream_best_blocks().await.map_err(CliError::chain)?;
	while let Some(block) = blocks.next().await {
		let block = block.map_err(CliError::chain)?;
		let at = rpc::best_number(chain).await?.max(block.number());
		match rpc::dispute(chain, id).await? {
			Some(game) => {
				let moved = last.as_ref().is_none_or(|l| l.get("moves") != game.get("moves"));
				if moved {
					println!("{}", move_line(at, &game, json));
				}
				last = Some(game);
			},
			None if last.is_none() => return Err(not_open(id)),
			None => {
				let events = block
					.at()
					.await
					.map_err(CliError::chain)?
					.events()
					.fetch()
					.await
					.map_err(CliError::chain)?;
				for settled in events.find::<DisputeSettled>().flatten() {
					if settled.game == id {
						println!("{}", settled_line(at, &settled, json));
						return Ok(());
					}
				}
				for closed in events.find::<DisputeClosed>().flatten() {
					if closed.game == id {
						let line = if json {
							json_line(&json!({
								"block": at,
								"game": id,
								"closed": true,
								"reward": closed.reward.to_string(),
							}))
						} else {
							format!(
								"#{at} game {id} closed: another game refuted job {}'s result \
								 (bond released, {} of the reward)",
								closed.job,
								units(closed.reward)
							)
						};
						println!("{line}");
						return Ok(());
					}
				}
				println!("#{at} game {id} ended (see its DisputeSettled event)");
				return Ok(());
			},
		}
	}
	Err(CliError::Chain("the node stopped sending best blocks".into()))
}
