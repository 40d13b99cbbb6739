//! `verity model register | list | show`.

use std::path::Path;

use serde_json::json;
use subxt::utils::H256;
use subxt_signer::sr25519::Keypair;

use crate::{
	args::{hex_h256, RegisterModel},
	calls::{self, chunk_ranges, constant_u32},
	chain::{Chain, Events},
	error::CliError,
	events::{self, ModelRegistered},
	output::{json_line, model_text, models_table},
	rpc,
};

/// Chunk extrinsics of an upload in the pool at once, not yet in a block.
const CHUNKS_IN_FLIGHT: usize = 16;

/// Registers the model in `r.file`: in one extrinsic when it fits `Models.MaxInlineBytes`,
/// otherwise as a chunked upload. Prints the model's id.
pub async fn register(
	chain: &Chain,
	signer: &Keypair,
	r: &RegisterModel,
	json: bool,
) -> Result<(), CliError> {
	let bytes =
		verity_tensor_files::read_file(&r.file).map_err(|e| CliError::Input(e.to_string()))?;
	let name = match &r.name {
		Some(name) => name.clone(),
		None => default_name(&r.file),
	};
	let metadata = chain.metadata().await?;
	let max_inline = constant_u32(&metadata, "Models", "MaxInlineBytes")?;
	let events = if bytes.len() <= max_inline as usize {
		let call = calls::register(bytes, &name, r.version, r.price);
		chain.submit(&call, signer).await?
	} else {
		let chunk = constant_u32(&metadata, "Models", "ChunkBytes")?;
		let upload = Upload { name: &name, version: r.version, price: r.price, chunk, json };
		upload.run(chain, signer, &bytes).await?
	};
	let ev: ModelRegistered = events::find(&events, "Models.ModelRegistered")?;
	println!("{}", registered_text(&ev, json));
	Ok(())
}

/// A model's default name: its file name without the extension.
fn default_name(file: &Path) -> String {
	file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The result of a registration, as text or JSON.
fn registered_text(ev: &ModelRegistered, json: bool) -> String {
	if json {
		json_line(&json!({ "model_id": hex_h256(&ev.model) }))
	} else {
		format!("model {} registered ({} nodes)", hex_h256(&ev.model), ev.nodes)
	}
}

/// A chunked upload: `begin_upload`, every `upload_chunk`, then `finish_upload`.
struct Upload<'a> {
	name: &'a str,
	version: u32,
	price: u128,
	/// `Models.ChunkBytes`.
	chunk: u32,
	/// Whether progress messages are suppressed (JSON output).
	json: bool,
}

impl Upload<'_> {
	/// Uploads `bytes` and returns the events of `finish_upload`.
	///
	/// `begin_upload` is waited for first, so that a refused upload (already registered, too
	/// large, deposit not affordable) sends no chunk. The chunks then go out pipelined
	/// ([`Chain::submit_pipelined`], [`CHUNKS_IN_FLIGHT`] at a time), and all must succeed in a
	/// best block before `finish_upload` is sent.
	async fn run(&self, chain: &Chain, signer: &Keypair, bytes: &[u8]) -> Result<Events, CliError> {
		let size = u32::try_from(bytes.len()).map_err(|_| {
			CliError::Input(format!("the model has {} bytes, too many", bytes.len()))
		})?;
		let model: H256 = verity_primitives::commitment::hash(bytes);
		let ranges = chunk_ranges(bytes.len(), self.chunk as usize);
		if !self.json {
			eprintln!(
				"uploading {} bytes in {} chunks of {} bytes",
				bytes.len(),
				ranges.len(),
				self.chunk
			);
		}
		chain.submit(&calls::begin_upload(model, size), signer).await?;
		let chunks = ranges
			.into_iter()
			.enumerate()
			.map(|(index, range)| calls::upload_chunk(model, index as u32, bytes[range].to_vec()));
		chain.submit_pipelined(chunks, signer, CHUNKS_IN_FLIGHT, |_| Ok(())).await?;
		let finish = calls::finish_upload(model, self.name, self.version, self.price);
		chain.submit(&finish, signer).await
	}
}

/// Prints every registered model.
pub async fn list(chain: &Chain, json: bool) -> Result<(), CliError> {
	let models = rpc::all_models(chain).await?;
	if json {
		println!("{}", json_line(&serde_json::Value::Array(models)));
	} else {
		println!("{}", models_table(&models));
	}
	Ok(())
}

/// Prints the model `id`; an unknown model is an error.
pub async fn show(chain: &Chain, id: &H256, json: bool) -> Result<(), CliError> {
	let m = rpc::known_model(chain, id).await?;
	println!("{}", if json { json_line(&m) } else { model_text(&m) });
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_default_to_the_file_stem() {
		assert_eq!(default_name(Path::new("/tmp/models/mnist-v2.onnx")), "mnist-v2");
		assert_eq!(default_name(Path::new("lenet")), "lenet");
	}

	#[test]
	fn registration_prints_the_id_and_node_count() {
		let ev = ModelRegistered {
			model: H256([0xab; 32]),
			owner: subxt::utils::AccountId32([1; 32]),
			size: 100,
			nodes: 7,
		};
		let id = format!("0x{}", "ab".repeat(32));
		assert_eq!(registered_text(&ev, false), format!("model {id} registered (7 nodes)"));
		assert_eq!(registered_text(&ev, true), format!("{{\"model_id\":\"{id}\"}}"));
	}
}
