//! Chain specifications built from the runtime's genesis presets.

use sc_service::{ChainType, Properties};
use verity_runtime::WASM_BINARY;

/// The chain specification type of this node (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol and decimals, shown by polkadot.js.
fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), "VRT".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "the wasm runtime was not built (SKIP_WASM_BUILD?)".to_string())
}

/// `--dev`: Alice alone authors and finalizes.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Verity Development")
		.with_id("verity_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: Alice, Bob, Charlie and Dave are authorities and executors.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Verity Local Testnet")
		.with_id("verity_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
