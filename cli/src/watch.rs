//! `verity job watch`: follow a job block by block and print each change of its state.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
	chain::Chain,
	error::CliError,
	output::{field, job_text, json_line},
	rpc,
};

/// What a watcher compares between blocks: the status and who holds the job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
	/// `Assigned`, `Executed`, `Finalized`, `Refunded` (or a newer status).
	pub status: String,
	/// The assigned executor.
	pub executor: String,
	/// Assignments so far (a reassignment after a missed deadline changes it).
	pub attempts: String,
}

impl Snapshot {
	/// The snapshot of a `verity_job` object.
	pub fn of(job: &Value) -> Snapshot {
		Snapshot {
			status: field(job, "status"),
			executor: field(job, "executor"),
			attempts: field(job, "attempts"),
		}
	}

	/// Whether the job can no longer change.
	pub fn is_final(&self) -> bool {
		matches!(self.status.as_str(), "Finalized" | "Refunded")
	}
}

/// The line to print for `job` seen at `block`, if its state changed since `prev`.
pub fn change_line(block: u64, prev: Option<&Snapshot>, job: &Value, json: bool) -> Option<String> {
	let now = Snapshot::of(job);
	if prev == Some(&now) {
		return None;
	}
	let id = field(job, "job_id");
	if json {
		let job_id = job.get("job_id").cloned().unwrap_or(Value::Null);
		return Some(json_line(&json!({ "block": block, "job_id": job_id, "status": now.status })));
	}
	let what = match now.status.as_str() {
		"Assigned" => format!("Assigned to {}", now.executor),
		"Executed" => format!("Executed (trace root {})", field(job, "trace_root")),
		other => other.to_string(),
	};
	Some(format!("#{block} job {id} {what}"))
}

/// Follows job `id` at every new best block, printing each change, until it is final; then
/// prints the job. A refunded job, a vanished job or `timeout` elapsing is the error.
pub async fn watch(chain: &Chain, id: u64, timeout: Duration, json: bool) -> Result<(), CliError> {
	let mut last: Option<Snapshot> = None;
	let followed = tokio::time::timeout(timeout, follow(chain, id, json, &mut last)).await;
	let job = match followed {
		Ok(result) => result?,
		Err(_) => {
			let status = last.map(|s| s.status).unwrap_or_else(|| "unknown".into());
			return Err(CliError::Job(format!(
				"timed out after {} s waiting for job {id} (status {status})",
				timeout.as_secs()
			)));
		},
	};
	println!("{}", if json { json_line(&job) } else { job_text(&job) });
	match Snapshot::of(&job).status.as_str() {
		"Refunded" => Err(CliError::Job(format!("job {id} was refunded"))),
		_ => Ok(()),
	}
}

/// The loop of [`watch`]: returns the job once final.
async fn follow(
	chain: &Chain,
	id: u64,
	json: bool,
	last: &mut Option<Snapshot>,
) -> Result<Value, CliError> {
	// The moves last seen of each game on the job.
	let mut games: std::collections::BTreeMap<u64, u64> = std::collections::BTreeMap::new();
	let mut blocks = chain.api.stream_best_blocks().await.map_err(CliError::chain)?;
	while let Some(block) = blocks.next().await {
		let block = block.map_err(CliError::chain)?;
		// The stream starts at the last finalized block, but `verity_job` reads the best
		// block's state: label each line with the best block read.
		let at = rpc::best_number(chain).await?.max(block.number());
		let job = match rpc::job(chain, id).await? {
			Some(job) => job,
			None if last.is_none() => return Err(CliError::Input(format!("unknown job {id}"))),
			None => return Err(CliError::Job(format!("job {id} is no longer on chain"))),
		};
		if let Some(line) = change_line(at, last.as_ref(), &job, json) {
			println!("{line}");
		}
		// A result in its window may be disputed: print each game's moves.
		if field(&job, "status") == "Executed" || !games.is_empty() {
			for game in rpc::job_disputes(chain, id).await? {
				let (Some(g), Some(moves)) = (
					game.get("game").and_then(Value::as_u64),
					game.get("moves").and_then(Value::as_u64),
				) else {
					continue;
				};
				if games.insert(g, moves) != Some(moves) {
					println!("{}", crate::cmd::move_line(at, &game, json));
				}
			}
		}
		let now = Snapshot::of(&job);
		let done = now.is_final();
		*last = Some(now);
		if done {
			return Ok(job);
		}
	}
	Err(CliError::Chain("the node stopped sending best blocks".into()))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn job(status: &str, executor: &str, attempts: u32) -> Value {
		json!({
			"job_id": 4, "status": status, "executor": executor, "attempts": attempts,
			"trace_root": if status == "Executed" { json!("0xab") } else { Value::Null },
		})
	}

	#[test]
	fn every_change_prints_once() {
		let a = job("Assigned", "5Alice", 1);
		let first = change_line(10, None, &a, false);
		assert_eq!(first.as_deref(), Some("#10 job 4 Assigned to 5Alice"));
		let seen = Snapshot::of(&a);
		assert_eq!(change_line(11, Some(&seen), &a, false), None);
		// A reassignment to another executor is a change even though the status is the same.
		let b = job("Assigned", "5Bob", 2);
		assert_eq!(
			change_line(12, Some(&seen), &b, false).as_deref(),
			Some("#12 job 4 Assigned to 5Bob")
		);
		let e = job("Executed", "5Bob", 2);
		let line = change_line(13, Some(&Snapshot::of(&b)), &e, false);
		assert_eq!(line.as_deref(), Some("#13 job 4 Executed (trace root 0xab)"));
		let f = job("Finalized", "5Bob", 2);
		assert_eq!(
			change_line(20, Some(&Snapshot::of(&e)), &f, false).as_deref(),
			Some("#20 job 4 Finalized")
		);
		assert!(Snapshot::of(&f).is_final());
		assert!(Snapshot::of(&job("Refunded", "5Bob", 2)).is_final());
		assert!(!Snapshot::of(&e).is_final());
	}

	#[test]
	fn json_lines_carry_block_job_and_status() {
		let e = job("Executed", "5Bob", 1);
		let line = change_line(13, None, &e, true).unwrap();
		let v: Value = serde_json::from_str(&line).unwrap();
		assert_eq!(v, json!({ "block": 13, "job_id": 4, "status": "Executed" }));
		assert!(!line.contains('\n'));
		assert_eq!(change_line(14, Some(&Snapshot::of(&e)), &e, true), None);
	}
}
