//! Runtime-level tests: metadata, version and genesis; models and jobs through the real
//! runtime (`jobs`).

use super::*;

mod jobs;

#[test]
fn metadata_is_served_at_the_newest_stable_versions() {
	let versions = Runtime::metadata_versions();
	assert!(versions.contains(&14), "{versions:?}");
	assert!(versions.contains(&15), "{versions:?}");
	for v in versions {
		assert!(Runtime::metadata_at_version(v).is_some(), "metadata v{v}");
	}
}

#[test]
fn version_and_constants() {
	assert_eq!(VERSION.spec_name, "verity");
	assert_eq!(<Runtime as frame_system::Config>::SS58Prefix::get(), 42);
}

#[test]
fn dev_genesis_endows_alice_and_makes_her_authority_sudo_and_executor() {
	use sp_keyring::Sr25519Keyring::Alice;
	let patch = genesis_config_presets::development_config_genesis();
	let mut base = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serializable");
	merge(&mut base, patch);
	let config: RuntimeGenesisConfig = serde_json::from_value(base).expect("valid genesis");
	let mut ext = sp_io::TestExternalities::new(config.build_storage().expect("storage builds"));
	ext.execute_with(|| {
		let bond = genesis_config_presets::GENESIS_EXECUTOR_BOND;
		assert_eq!(
			pallet_balances::Pallet::<Runtime>::free_balance(Alice.to_account_id()),
			genesis_config_presets::ENDOWMENT - bond
		);
		let set = pallet_verity_inference::ActiveExecutors::<Runtime>::get();
		assert_eq!(
			set.iter().map(|e| (e.who.clone(), e.bond, e.queued)).collect::<Vec<_>>(),
			vec![(Alice.to_account_id(), bond, 0)]
		);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Alice.to_account_id()));
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
	});
}

/// RFC 7386 merge, as the genesis builder applies presets.
pub(crate) fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
			for (k, v) in p {
				merge(b.entry(k).or_insert(serde_json::Value::Null), v);
			}
		},
		(b, p) => *b = p,
	}
}
