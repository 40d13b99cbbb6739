//! Genesis presets: `development` (Alice alone) and `local_testnet` (Alice, Bob, Charlie,
//! Dave).

use crate::{AccountId, BalancesConfig, InferenceConfig, RuntimeGenesisConfig, SudoConfig, UNIT};
use alloc::{string::String, vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// What each endowed account starts with: a million VRT.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// Bond of the executors registered at genesis (every initial authority).
pub const GENESIS_EXECUTOR_BOND: crate::Balance = 1_000 * UNIT;

/// A genesis with the given authorities, endowed accounts and sudo key.
fn testnet_genesis(
	initial_authorities: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	executors: Vec<(AccountId, crate::Balance)>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		inference: InferenceConfig { executors },
	})
}

/// The well-known development accounts, endowed in every preset.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| k != &Sr25519Keyring::One && k != &Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// Aura and GRANDPA keys of a development keyring member.
fn authority_keys(who: Sr25519Keyring, ed: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(who.public().into(), ed.public().into())
}

/// The `development` preset: Alice authors, finalizes and executes jobs alone.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		executors(&[Sr25519Keyring::Alice]),
	)
}

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave are authorities and executors.
/// GRANDPA with four voters finalizes with three of them: one validator may be down.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority_keys(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		executors(&[
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]),
	)
}

/// Executors bonded at genesis. Their `vrty` key is their account key, which `--dev`,
/// `--alice`, `--bob`, ... put in the node's keystore.
fn executors(who: &[Sr25519Keyring]) -> Vec<(AccountId, crate::Balance)> {
	who.iter().map(|k| (k.to_account_id(), GENESIS_EXECUTOR_BOND)).collect()
}

/// The JSON patch of the preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	// Serializing a `serde_json::Value` cannot fail.
	serde_json::to_string(&patch).ok().map(String::into_bytes)
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn presets_build_a_genesis_state() {
		for id in preset_names() {
			let json = get_preset(&id).expect("every listed preset exists");
			let mut config = RuntimeGenesisConfig::default();
			let patch: Value = serde_json::from_slice(&json).expect("valid JSON");
			let mut base = serde_json::to_value(&config).expect("serializable");
			crate::tests::merge(&mut base, patch);
			config = serde_json::from_value(base).expect("patch fits the genesis config");
			let storage = sp_runtime::BuildStorage::build_storage(&config);
			assert!(storage.is_ok(), "preset {id:?} builds: {:?}", storage.err());
		}
	}

	#[test]
	fn local_testnet_has_four_authorities_and_dev_one() {
		let count = |v: Value| v["aura"]["authorities"].as_array().map(|a| a.len());
		assert_eq!(count(development_config_genesis()), Some(1));
		assert_eq!(count(local_config_genesis()), Some(4));
		assert_eq!(get_preset(&PresetId::from("nope")), None);
	}
}
