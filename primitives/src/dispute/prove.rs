//! The prover's side of a step: the witness for a chunk, built from the full values of the
//! node's inputs (what an executor or a watcher holds after its own canonical run).

use alloc::{collections::BTreeMap, collections::BTreeSet, vec::Vec};

use super::{
	index::{Source, StepNode},
	step::{ChunkWitness, InputWitness},
};
use crate::{
	commitment::{chunk_range, commit_tensor},
	limits::CHUNK_ELEMENTS,
	multiproof::MultiPath,
	ops::{eval_chunk_with, Access, Dense, KResult, NodeTypes, Scalar},
	tensor::Tensor,
};

/// Dense access that records every element read.
struct Recording<'a> {
	inner: Dense<'a>,
	seen: BTreeSet<(usize, usize)>,
}

impl Access for Recording<'_> {
	fn get(&mut self, input: usize, index: usize) -> KResult<Scalar> {
		let v = self.inner.get(input, index)?;
		self.seen.insert((input, index));
		Ok(v)
	}
}

/// The witness for chunk `chunk` of output `output` of `node`, given the full value of each
/// of its inputs (`None` for an omitted one). Graph inputs are left out (the runtime reads
/// them from the job). Also built when the chunk fails: it then holds the reads up to the
/// failure, which is what the step needs to reach it.
pub fn build_witness(
	node: &StepNode,
	values: &[Option<&Tensor>],
	output: u32,
	chunk: u32,
) -> Option<Vec<InputWitness>> {
	witness_of(node, values, |op, types, acc| {
		// The verdict does not matter here, only what was read on the way to it.
		let _ = eval_chunk_with(op, types, acc, output as usize, chunk as usize);
	})
}

/// The witness for element `index` (flat) of output `output` of `node` alone.
pub fn build_element_witness(
	node: &StepNode,
	values: &[Option<&Tensor>],
	output: u32,
	index: u32,
) -> Option<Vec<InputWitness>> {
	witness_of(node, values, |op, types, acc| {
		let _ = crate::ops::element(op, types, output as usize, index as usize, acc);
	})
}

fn witness_of(
	node: &StepNode,
	values: &[Option<&Tensor>],
	evaluate: impl FnOnce(&crate::ops::Op, &NodeTypes, &mut dyn Access),
) -> Option<Vec<InputWitness>> {
	let (ins, outs) = node.types();
	let types = NodeTypes { inputs: &ins, outputs: &outs };
	let mut rec = Recording { inner: Dense(values), seen: BTreeSet::new() };
	evaluate(&node.op, &types, &mut rec);
	let mut by_input: BTreeMap<usize, BTreeSet<u32>> = BTreeMap::new();
	for (input, index) in rec.seen {
		by_input.entry(input).or_default().insert((index / CHUNK_ELEMENTS) as u32);
	}
	let mut witness = Vec::new();
	for (input, chunks) in by_input {
		let source = node.inputs.get(input)?.as_ref()?.source;
		if matches!(source, Source::GraphInput(_)) {
			continue;
		}
		let t = (*values.get(input)?)?;
		let commitment = commit_tensor(t);
		let indices: Vec<u32> = chunks.into_iter().collect();
		let path = MultiPath::build(&commitment.leaf_hashes, &indices)?;
		let chunks = indices
			.iter()
			.map(|i| {
				let mut bytes = Vec::new();
				t.data().write_le_bytes(chunk_range(t.len(), *i as usize), &mut bytes);
				ChunkWitness { index: *i, bytes }
			})
			.collect();
		witness.push(InputWitness {
			input: input as u32,
			chunks_root: commitment.chunks_root,
			chunks,
			path,
		});
	}
	Some(witness)
}
