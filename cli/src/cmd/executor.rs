//! `verity executor register` and `verity executor show`.

use serde_json::json;
use subxt_signer::sr25519::Keypair;

use crate::{
	calls,
	chain::Chain,
	error::CliError,
	events::{self, ExecutorRegistered},
	output::{executor_text, json_line},
	rpc,
};

/// Prints the executor `account`; an account that is not an executor is an error.
pub async fn show(chain: &Chain, account: &str, json: bool) -> Result<(), CliError> {
	let e = rpc::executor(chain, account)
		.await?
		.ok_or_else(|| CliError::Input(format!("{account} is not an executor")))?;
	println!("{}", if json { json_line(&e) } else { executor_text(&e) });
	Ok(())
}

/// Registers the signer as an executor with `bond` and prints the confirmation.
pub async fn register(
	chain: &Chain,
	signer: &Keypair,
	bond: u128,
	json: bool,
) -> Result<(), CliError> {
	let events = chain.submit(&calls::register_executor(bond), signer).await?;
	let ev: ExecutorRegistered = events::find(&events, "Inference.ExecutorRegistered")?;
	println!("{}", result_text(&ev, json));
	Ok(())
}

/// The confirmation of a registration, as text or JSON.
fn result_text(ev: &ExecutorRegistered, json: bool) -> String {
	if json {
		json_line(&json!({ "executor": ev.who.to_string(), "bond": ev.bond.to_string() }))
	} else {
		format!("executor {} registered (bond {})", ev.who, ev.bond)
	}
}

#[cfg(test)]
mod tests {
	use subxt::utils::AccountId32;

	use super::*;

	#[test]
	fn confirmation_names_the_account_in_ss58() {
		let alice = subxt_signer::sr25519::dev::alice().public_key().to_account_id();
		let ev = ExecutorRegistered { who: alice, bond: 10u128.pow(20) };
		let ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		assert_eq!(
			result_text(&ev, false),
			format!("executor {ss58} registered (bond 100000000000000000000)")
		);
		let v: serde_json::Value = serde_json::from_str(&result_text(&ev, true)).unwrap();
		assert_eq!(v, json!({ "executor": ss58, "bond": "100000000000000000000" }));
		assert_eq!(ss58.parse::<AccountId32>().unwrap(), ev.who);
	}
}
