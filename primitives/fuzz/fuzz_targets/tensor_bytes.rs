//! Any bytes as SCALE-encoded tensors and proofs: decoding and verification return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parity_scale_codec::Decode;
use verity_primitives::{
	commitment::{ChunkProof, NodeProof, H256},
	tensor::TensorBytes,
};

fuzz_target!(|data: &[u8]| {
	if let Ok(t) = TensorBytes::decode(&mut &data[..]) {
		let _ = t.to_tensor();
	}
	if let Ok(p) = ChunkProof::decode(&mut &data[..]) {
		let _ = p.verify(&H256::zero());
	}
	if let Ok(p) = NodeProof::decode(&mut &data[..]) {
		let _ = p.verify(&H256::zero());
	}
});
