//! A party's side of the game: the move an honest player makes at each turn, computed from
//! its own canonical run of the job. The node's off-chain worker plays with it (through the
//! `verity-io` host functions), and the pallet's tests play every game of the fault-injection
//! suite with it, so the player that defends executors and challenges results on a live
//! network is the one the tests prove sound.
//!
//! A party never needs more than one node's values at a time: [`PartyRun::node_values`] is
//! asked for the node of the move (the node side re-runs the model up to it; tests keep every
//! value).

use alloc::{format, string::String, vec, vec::Vec};

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use super::{
	index::StepNode,
	prove::{build_element_witness, build_witness},
	step::InputWitness,
	tree::TreeCursor,
};
use crate::{
	commitment::{chunk_count, chunk_range, commit_tensor, hash, H256},
	graph::{Graph, NodeValues},
	ops::{eval_chunk_with, Dense, KernelError, NodeTypes},
	tensor::Tensor,
};

/// What the challenger disputes at its pick (the pallet's `PickClaim`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum PickKind {
	/// The output's root is wrong: bisection follows.
	Wrong,
	/// This chunk of a node the executor computed fails on the job's values.
	Fails {
		/// The failing chunk.
		chunk: u32,
	},
	/// The executor's failing chunk computes.
	FailureComputes,
}

/// What is asked of the player: the game's phase, as far as the player needs it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Turn {
	/// The executor reveals its list of output roots (and its failing chunk).
	Reveal,
	/// The challenger names what it disputes, given the executor's list.
	Pick {
		/// The executor's revealed output roots.
		roots: Vec<H256>,
		/// The executor's failing node, for a failed result.
		failed_node: Option<u32>,
		/// The executor's failing (output, chunk), for a failed result.
		failing: Option<(u32, u32)>,
	},
	/// The executor opens the disputed output (its chunks root).
	OpenOutput {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
	},
	/// The executor posts the two children of tree node `at`.
	Bisect {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// Where in the output's chunk tree.
		at: TreeCursor,
	},
	/// The challenger chooses the child it disputes, given the executor's left child.
	Choose {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// Where in the output's chunk tree.
		at: TreeCursor,
		/// The executor's left child.
		left: H256,
		/// The executor's right child.
		right: H256,
	},
	/// The challenger posts the chunk's witness, or (with `bounds`) narrows the step to one
	/// element when the witness does not fit them.
	Step {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// The chunk.
		chunk: u32,
		/// What a call can carry, when the step may be narrowed instead.
		bounds: Option<WitnessBounds>,
	},
	/// The executor opens the bytes of the disputed chunk.
	OpenLeaf {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// The chunk.
		chunk: u32,
	},
	/// The challenger names the element it disputes, given the executor's chunk bytes.
	PickElement {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// The chunk.
		chunk: u32,
		/// The executor's bytes of it.
		theirs: Vec<u8>,
	},
	/// The challenger posts one element's witness.
	ElementStep {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// The element's flat index in the output.
		index: u32,
	},
}

/// What one call can carry of a witness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct WitnessBounds {
	/// Most chunks over all inputs.
	pub max_chunks: u32,
	/// Most hashes in one input's proof.
	pub max_hashes: u32,
	/// Most encoded bytes.
	pub max_bytes: u32,
}

impl WitnessBounds {
	/// Whether `witness` fits.
	pub fn fit(&self, witness: &[InputWitness]) -> bool {
		let chunks: usize = witness.iter().map(|w| w.chunks.len()).sum();
		chunks <= self.max_chunks as usize
			&& witness.iter().all(|w| w.path.siblings.len() <= self.max_hashes as usize)
			&& witness.encoded_size() <= self.max_bytes as usize
	}
}

/// A move, as the pallet's calls take it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Move {
	/// `reveal`.
	Reveal {
		/// Every output root of the nodes computed.
		roots: Vec<H256>,
		/// For a failed result, the failing (output, chunk).
		failing: Option<(u32, u32)>,
	},
	/// `pick`.
	Pick {
		/// The node.
		node: u32,
		/// Its output.
		output: u32,
		/// What is claimed.
		claim: PickKind,
	},
	/// `open_output`.
	OpenOutput {
		/// The output's chunks root.
		chunks_root: H256,
	},
	/// `bisect`.
	Bisect {
		/// The left child.
		left: H256,
		/// The right child.
		right: H256,
	},
	/// `choose`.
	Choose {
		/// The executor's hash of the disputed child.
		against: H256,
		/// Whether the right child is disputed.
		right: bool,
	},
	/// `split`.
	Split,
	/// `open_leaf`.
	OpenLeaf {
		/// The chunk's canonical bytes.
		bytes: Vec<u8>,
	},
	/// `pick_element`.
	PickElement {
		/// The element within the chunk.
		element: u32,
		/// The executor's chunk bytes (as opened).
		bytes: Vec<u8>,
	},
	/// `step`.
	Step {
		/// The witness.
		witness: Vec<InputWitness>,
	},
}

/// One party's canonical run of a job, as the player reads it.
pub trait PartyRun {
	/// The model's canonical graph.
	fn graph(&self) -> &Graph;
	/// The output roots of every node computed, node by node (what `reveal` posts).
	fn roots(&self) -> &[H256];
	/// The node this run fails at, if it does.
	fn failed_node(&self) -> Option<u32>;
	/// Node `node`'s inputs and outputs in this run.
	fn node_values(&mut self, node: u32) -> Result<NodeValues, String>;
}

/// The move `run`'s owner makes at `turn`; `None` when it has nothing to dispute (its run
/// agrees with the executor's list). An error when the run cannot answer (a node it never
/// computed, a witness beyond what a call can carry).
pub fn next_move(turn: &Turn, run: &mut impl PartyRun) -> Result<Option<Move>, String> {
	let step_nodes = run.graph().step_nodes().map_err(|e| format!("{e:?}"))?;
	let step_node =
		|node: u32| step_nodes.get(node as usize).cloned().ok_or_else(|| format!("no node {node}"));
	Ok(Some(match turn {
		Turn::Reveal => {
			let failing = match run.failed_node() {
				Some(node) => Some(
					failing_chunk(&step_node(node)?, &run.node_values(node)?)?
						.ok_or_else(|| format!("node {node} computes in this run"))?,
				),
				None => None,
			};
			Move::Reveal { roots: run.roots().to_vec(), failing }
		},
		Turn::Pick { roots, failed_node, failing } => {
			return pick(run, &step_nodes, roots, *failed_node, *failing);
		},
		Turn::OpenOutput { node, output } => {
			let t = output_of(run, *node, *output)?;
			Move::OpenOutput { chunks_root: commit_tensor(&t).chunks_root }
		},
		Turn::Bisect { node, output, at } => {
			let (left, right) = children(&output_of(run, *node, *output)?, at)?;
			Move::Bisect { left, right }
		},
		Turn::Choose { node, output, at, left, right } => {
			let (mine, _) = children(&output_of(run, *node, *output)?, at)?;
			let go_right = mine == *left;
			Move::Choose { against: if go_right { *right } else { *left }, right: go_right }
		},
		Turn::Step { node, output, chunk, bounds } => {
			let values = run.node_values(*node)?;
			let inputs: Vec<Option<&Tensor>> = values.inputs.iter().map(Option::as_ref).collect();
			let witness = build_witness(&step_node(*node)?, &inputs, *output, *chunk)
				.ok_or_else(|| format!("no witness for node {node} output {output}"))?;
			match bounds {
				Some(b) if !b.fit(&witness) => Move::Split,
				_ => Move::Step { witness },
			}
		},
		Turn::OpenLeaf { node, output, chunk } => {
			Move::OpenLeaf { bytes: chunk_of(&output_of(run, *node, *output)?, *chunk)? }
		},
		Turn::PickElement { node, output, chunk, theirs } => {
			let t = output_of(run, *node, *output)?;
			let mine = chunk_of(&t, *chunk)?;
			let width = t.dtype().size().max(1);
			if mine.len() != theirs.len() {
				return Err(format!(
					"chunk {chunk} of node {node}: opened bytes of another length"
				));
			}
			let element = mine
				.chunks(width)
				.zip(theirs.chunks(width))
				.position(|(a, b)| a != b)
				.ok_or_else(|| format!("chunk {chunk} of node {node}: no element differs"))?;
			Move::PickElement { element: element as u32, bytes: theirs.clone() }
		},
		Turn::ElementStep { node, output, index } => {
			let values = run.node_values(*node)?;
			let inputs: Vec<Option<&Tensor>> = values.inputs.iter().map(Option::as_ref).collect();
			let witness = build_element_witness(&step_node(*node)?, &inputs, *output, *index)
				.ok_or_else(|| format!("no witness for element {index} of node {node}"))?;
			Move::Step { witness }
		},
	}))
}

/// The challenger's pick: the first node where its run and the executor's list part.
fn pick(
	run: &mut impl PartyRun,
	step_nodes: &[StepNode],
	theirs: &[H256],
	their_failure: Option<u32>,
	their_failing: Option<(u32, u32)>,
) -> Result<Option<Move>, String> {
	let mine_failed = run.failed_node();
	let mut position = 0usize;
	for (k, node) in step_nodes.iter().enumerate() {
		let k = k as u32;
		if mine_failed == Some(k) {
			if their_failure == Some(k) {
				// Both fail here: only the chunk the executor named can still be wrong.
				let values = run.node_values(k)?;
				return Ok(match their_failing {
					Some((output, chunk)) if !chunk_fails(node, &values, output, chunk) => {
						Some(Move::Pick { node: k, output, claim: PickKind::FailureComputes })
					},
					_ => None,
				});
			}
			let values = run.node_values(k)?;
			let (output, chunk) = failing_chunk(node, &values)?
				.ok_or_else(|| format!("node {k} computes in this run"))?;
			return Ok(Some(Move::Pick { node: k, output, claim: PickKind::Fails { chunk } }));
		}
		if their_failure == Some(k) {
			return Ok(Some(Move::Pick { node: k, output: 0, claim: PickKind::FailureComputes }));
		}
		for output in 0..node.outputs.len() as u32 {
			let mine = run.roots().get(position).copied();
			if mine.is_none() || mine != theirs.get(position).copied() {
				return Ok(Some(Move::Pick { node: k, output, claim: PickKind::Wrong }));
			}
			position = position.saturating_add(1);
		}
	}
	Ok(None)
}

/// Whether chunk `chunk` of output `output` of `node` fails on `values`.
fn chunk_fails(node: &StepNode, values: &NodeValues, output: u32, chunk: u32) -> bool {
	let (ins, outs) = node.types();
	let types = NodeTypes { inputs: &ins, outputs: &outs };
	let inputs: Vec<Option<&Tensor>> = values.inputs.iter().map(Option::as_ref).collect();
	matches!(
		eval_chunk_with(&node.op, &types, &mut Dense(&inputs), output as usize, chunk as usize),
		Err(KernelError::IndexOutOfRange(_))
	)
}

/// The first (output, chunk) of `node` that fails on `values`, if one does.
fn failing_chunk(node: &StepNode, values: &NodeValues) -> Result<Option<(u32, u32)>, String> {
	for (output, header) in node.outputs.iter().enumerate() {
		let numel = header
			.shape
			.iter()
			.try_fold(1u64, |n, d| n.checked_mul(*d))
			.and_then(|n| usize::try_from(n).ok())
			.ok_or("an output too large")?;
		for chunk in 0..chunk_count(numel) as u32 {
			if chunk_fails(node, values, output as u32, chunk) {
				return Ok(Some((output as u32, chunk)));
			}
		}
	}
	Ok(None)
}

/// Output `output` of `node` in `run`.
fn output_of(run: &mut impl PartyRun, node: u32, output: u32) -> Result<Tensor, String> {
	run.node_values(node)?
		.outputs
		.and_then(|outs| outs.into_iter().nth(output as usize))
		.ok_or_else(|| format!("node {node} has no output {output} in this run"))
}

/// The canonical bytes of chunk `chunk` of `t`.
pub fn chunk_of(t: &Tensor, chunk: u32) -> Result<Vec<u8>, String> {
	if chunk as usize >= chunk_count(t.len()) {
		return Err(format!("no chunk {chunk}"));
	}
	let mut bytes = Vec::new();
	t.data().write_le_bytes(chunk_range(t.len(), chunk as usize), &mut bytes);
	Ok(bytes)
}

/// Every row of a chunk tree over `leaves`, bottom up (pairs hashed left ‖ right, the last
/// node of an odd row promoted), as `binary-merkle-tree` builds it.
pub fn tree_rows(leaves: &[H256]) -> Vec<Vec<H256>> {
	let mut rows = vec![leaves.to_vec()];
	while rows.last().is_some_and(|r| r.len() > 1) {
		let below = rows.last().map(Vec::as_slice).unwrap_or_default();
		let next = below
			.chunks(2)
			.map(|pair| match pair {
				[l, r] => {
					let mut b = [0u8; 64];
					b[..32].copy_from_slice(l.as_bytes());
					b[32..].copy_from_slice(r.as_bytes());
					hash(&b)
				},
				[l] => *l,
				_ => H256::zero(),
			})
			.collect();
		rows.push(next);
	}
	rows
}

/// The two children of tree node `at` of `t`'s chunk tree.
fn children(t: &Tensor, at: &TreeCursor) -> Result<(H256, H256), String> {
	let rows = tree_rows(&commit_tensor(t).leaf_hashes);
	let below = at
		.level
		.checked_sub(1)
		.and_then(|l| rows.get(l as usize))
		.ok_or("a leaf has no children")?;
	let left = (at.position as usize).checked_mul(2).ok_or("position overflows")?;
	match (below.get(left), below.get(left.saturating_add(1))) {
		(Some(l), Some(r)) => Ok((*l, *r)),
		_ => Err(format!("tree node {at:?} has no two children")),
	}
}
