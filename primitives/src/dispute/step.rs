//! The one-step: chunk `j` of output `o` of one node, re-executed from a proven witness.
//!
//! The witness holds, for every input the chunk reads that is not a graph input, the chunks
//! of that input holding the elements read, with a multi-proof against the input's
//! `chunks_root`, itself checked against the input's agreed root (a constant's root stored at
//! registration, or the executor's revealed root of an earlier node). Graph inputs are read
//! from the job's inputs on chain. The kernel then computes the chunk, metered, and the
//! verdict compares **leaf hashes** of canonical bytes, never decoded floats.
//!
//! A witness that does not verify, or lacks an element the evaluation reads, is a
//! [`StepError`]: no verdict, nobody loses.

use alloc::{collections::BTreeMap, string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use super::index::StepNode;
use crate::{
	commitment::{chunk_count, chunk_leaf, chunk_range, hash, tensor_root_from_parts, H256},
	limits::{CHUNK_ELEMENTS, MAX_STEP_READS},
	multiproof::MultiPath,
	ops::{
		eval_chunk_with, scalar_at, tensor_from_scalars, Access, KResult, KernelError, NodeTypes,
		Scalar, ValueType,
	},
	tensor::{checked_numel, shape_from_u64, Tensor, TensorData},
};

/// One chunk of an input, as posted in a witness.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ChunkWitness {
	/// The chunk's index in the input tensor.
	pub index: u32,
	/// Its canonical bytes.
	pub bytes: Vec<u8>,
}

/// The chunks of one input a step reads, with their proof.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct InputWitness {
	/// Which input of the node (its position).
	pub input: u32,
	/// The Merkle root of the input's chunks (checked against the input's root).
	pub chunks_root: H256,
	/// The chunks, by strictly increasing index.
	pub chunks: Vec<ChunkWitness>,
	/// The proof of the chunks against `chunks_root`.
	pub path: MultiPath,
}

/// What the step knows of one input of the node.
#[derive(Clone, Debug, PartialEq)]
pub enum InputData {
	/// An omitted optional input.
	Absent,
	/// A graph input: the job's tensor itself.
	Dense(Tensor),
	/// A constant or an earlier node's output: its agreed root; the witness proves chunks.
	Root(H256),
}

/// The outcome of a chunk's evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum StepVerdict {
	/// The chunk computes; this is its leaf hash.
	Computes(H256),
	/// The chunk fails on these values (an index out of range taken from the data).
	Fails,
}

/// The outcome of one element's evaluation (the narrowest step, for chunks whose witness is too
/// large to post whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementVerdict {
	/// The element computes; these are its canonical bytes.
	Computes(Vec<u8>),
	/// The element fails on these values.
	Fails,
}

/// Why a witness gave no verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
	/// The output or chunk index is out of range for the node.
	NoSuchChunk,
	/// The node index entry does not fit the inputs given.
	Mismatch,
	/// Inputs in the witness out of order, repeated, or not provable (a graph input or an
	/// absent one).
	BadInput(u32),
	/// An input's `chunks_root` does not lead to its root.
	BadChunksRoot(u32),
	/// A chunk out of range, out of order, or of the wrong length.
	BadChunk(u32),
	/// An input's proof does not lead to its `chunks_root`.
	BadProof(u32),
	/// The evaluation read an element the witness lacks: (input, flat index).
	MissingElement(u32, u64),
	/// The evaluation read more than [`MAX_STEP_READS`] elements.
	TooManyReads,
	/// The kernel refused for another reason (not a verdict: it does not depend on values).
	Kernel(String),
}

/// Element reads of a step: the witness's chunks (decoded, by input and chunk index) and the
/// graph inputs, counted.
struct StepAccess<'a> {
	proven: BTreeMap<(usize, usize), Tensor>,
	dense: Vec<Option<&'a Tensor>>,
	reads: u64,
	missing: Option<(u32, u64)>,
}

impl Access for StepAccess<'_> {
	fn get(&mut self, input: usize, index: usize) -> KResult<Scalar> {
		self.reads = self.reads.saturating_add(1);
		if self.reads > MAX_STEP_READS {
			return Err(KernelError::FanInTooLarge);
		}
		let found = match self.dense.get(input).copied().flatten() {
			Some(t) => scalar_at(t, index),
			None => self
				.proven
				.get(&(input, index / CHUNK_ELEMENTS))
				.and_then(|chunk| scalar_at(chunk, index % CHUNK_ELEMENTS)),
		};
		found.ok_or_else(|| {
			self.missing.get_or_insert((input as u32, index as u64));
			KernelError::MissingElement(input, index)
		})
	}
}

/// The leaf hash of chunk `chunk` holding `values` (already stored to `dtype`).
fn leaf_of(ty: &ValueType, chunk: u32, values: Vec<Scalar>) -> Result<H256, StepError> {
	let n = values.len();
	let t = tensor_from_scalars(&ValueType::new(ty.dtype, alloc::vec![n]), values)
		.map_err(|e| StepError::Kernel(alloc::format!("{e:?}")))?;
	let mut bytes = Vec::new();
	t.data().write_le_bytes(0..n, &mut bytes);
	Ok(hash(&chunk_leaf(chunk, &bytes)))
}

/// Verifies `witness` against `inputs` and returns the proven chunks, decoded, by input and
/// chunk index.
fn proven_chunks(
	node: &StepNode,
	inputs: &[InputData],
	witness: &[InputWitness],
) -> Result<BTreeMap<(usize, usize), Tensor>, StepError> {
	let mut proven = BTreeMap::new();
	let mut last: Option<u32> = None;
	for w in witness {
		if last.is_some_and(|l| w.input <= l) {
			return Err(StepError::BadInput(w.input));
		}
		last = Some(w.input);
		let (Some(InputData::Root(root)), Some(Some(input))) =
			(inputs.get(w.input as usize), node.inputs.get(w.input as usize))
		else {
			return Err(StepError::BadInput(w.input));
		};
		if &tensor_root_from_parts(&input.header, &w.chunks_root) != root {
			return Err(StepError::BadChunksRoot(w.input));
		}
		let len = shape_from_u64(&input.header.shape)
			.and_then(|s| checked_numel(&s))
			.map_err(|_| StepError::Mismatch)?;
		let chunks = chunk_count(len);
		let dtype = input.header.dtype;
		let mut leaves = Vec::with_capacity(w.chunks.len());
		let mut previous: Option<u32> = None;
		for c in &w.chunks {
			let in_order = previous.is_none_or(|p| c.index > p);
			let range = chunk_range(len, c.index as usize);
			let right_length =
				(range.len() as u64).checked_mul(dtype.size() as u64) == Some(c.bytes.len() as u64);
			if !in_order || (c.index as usize) >= chunks || !right_length {
				return Err(StepError::BadChunk(w.input));
			}
			previous = Some(c.index);
			leaves.push((c.index, hash(&chunk_leaf(c.index, &c.bytes))));
		}
		if w.path.leaf_count as usize != chunks || !w.path.verify(&w.chunks_root, &leaves) {
			return Err(StepError::BadProof(w.input));
		}
		for c in &w.chunks {
			let data = TensorData::from_le_bytes(dtype, &c.bytes)
				.map_err(|_| StepError::BadChunk(w.input))?;
			let chunk = Tensor::new(alloc::vec![data.len()], data)
				.map_err(|_| StepError::BadChunk(w.input))?;
			proven.insert((w.input as usize, c.index as usize), chunk);
		}
	}
	Ok(proven)
}

/// Re-executes chunk `chunk` of output `output` of `node` from `inputs` (one entry per node
/// input) and the proven `witness`: the chunk's leaf hash, or that it fails.
pub fn one_step(
	node: &StepNode,
	inputs: &[InputData],
	witness: &[InputWitness],
	output: u32,
	chunk: u32,
) -> Result<StepVerdict, StepError> {
	one_step_metered(node, inputs, witness, output, chunk).0
}

/// [`one_step`], with the element reads the evaluation made (what the runtime charges for).
pub fn one_step_metered(
	node: &StepNode,
	inputs: &[InputData],
	witness: &[InputWitness],
	output: u32,
	chunk: u32,
) -> (Result<StepVerdict, StepError>, u64) {
	let mut reads = 0;
	let verdict = evaluate(node, inputs, witness, output, chunk, &mut reads);
	(verdict, reads)
}

/// Re-executes element `index` (flat) of output `output` of `node` alone, from `inputs` and
/// the proven `witness`; returns its canonical bytes or that it fails, with the reads made.
/// Its witness is what one element reads: at most a chunk's fan-in over 64 for the dense ops.
pub fn element_step_metered(
	node: &StepNode,
	inputs: &[InputData],
	witness: &[InputWitness],
	output: u32,
	index: u32,
) -> (Result<ElementVerdict, StepError>, u64) {
	let mut reads = 0;
	let verdict = (|| {
		let (access, types_in, types_out) = prepare(node, inputs, witness, output, None)?;
		let mut access = access;
		let out_ty = types_out.get(output as usize).ok_or(StepError::NoSuchChunk)?.clone();
		if index as usize >= out_ty.numel() {
			return Err(StepError::NoSuchChunk);
		}
		let types = NodeTypes { inputs: &types_in, outputs: &types_out };
		let result =
			crate::ops::element(&node.op, &types, output as usize, index as usize, &mut access);
		reads = access.reads;
		match result {
			Ok(v) => {
				let t = tensor_from_scalars(
					&ValueType::new(out_ty.dtype, alloc::vec![1]),
					alloc::vec![v],
				)
				.map_err(|e| StepError::Kernel(alloc::format!("{e:?}")))?;
				let mut bytes = Vec::new();
				t.data().write_le_bytes(0..1, &mut bytes);
				Ok(ElementVerdict::Computes(bytes))
			},
			Err(e) => verdict_error(e, access.missing).map(|()| ElementVerdict::Fails),
		}
	})();
	(verdict, reads)
}

/// `Ok(())` when `e` is a verdict (the values make the op fail), the step error otherwise.
fn verdict_error(e: KernelError, missing: Option<(u32, u64)>) -> Result<(), StepError> {
	match e {
		KernelError::IndexOutOfRange(_) => Ok(()),
		KernelError::MissingElement(..) => {
			let (i, e) = missing.unwrap_or_default();
			Err(StepError::MissingElement(i, e))
		},
		KernelError::FanInTooLarge => Err(StepError::TooManyReads),
		e => Err(StepError::Kernel(alloc::format!("{e:?}"))),
	}
}

type Prepared<'a> = (StepAccess<'a>, Vec<Option<ValueType>>, Vec<ValueType>);

/// Checks the node against `inputs`, `output` (and `chunk`) against its outputs, verifies the
/// witness, and sets up the metered reads.
fn prepare<'a>(
	node: &StepNode,
	inputs: &'a [InputData],
	witness: &[InputWitness],
	output: u32,
	chunk: Option<u32>,
) -> Result<Prepared<'a>, StepError> {
	if inputs.len() != node.inputs.len() {
		return Err(StepError::Mismatch);
	}
	let (in_types, out_types) = node.types();
	let out_len =
		shape_from_u64(&node.outputs.get(output as usize).ok_or(StepError::NoSuchChunk)?.shape)
			.and_then(|s| checked_numel(&s))
			.map_err(|_| StepError::Mismatch)?;
	if chunk.is_some_and(|c| c as usize >= chunk_count(out_len)) {
		return Err(StepError::NoSuchChunk);
	}
	let proven = proven_chunks(node, inputs, witness)?;
	let dense = inputs
		.iter()
		.map(|d| match d {
			InputData::Dense(t) => Some(t),
			_ => None,
		})
		.collect();
	Ok((StepAccess { proven, dense, reads: 0, missing: None }, in_types, out_types))
}

fn evaluate(
	node: &StepNode,
	inputs: &[InputData],
	witness: &[InputWitness],
	output: u32,
	chunk: u32,
	reads: &mut u64,
) -> Result<StepVerdict, StepError> {
	let (mut access, in_types, out_types) = prepare(node, inputs, witness, output, Some(chunk))?;
	let out_ty = out_types.get(output as usize).ok_or(StepError::NoSuchChunk)?.clone();
	let types = NodeTypes { inputs: &in_types, outputs: &out_types };
	let result = eval_chunk_with(&node.op, &types, &mut access, output as usize, chunk as usize);
	*reads = access.reads;
	match result {
		Ok(values) => leaf_of(&out_ty, chunk, values).map(StepVerdict::Computes),
		Err(e) => verdict_error(e, access.missing).map(|()| StepVerdict::Fails),
	}
}
