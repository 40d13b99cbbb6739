//! Commitments: tensor roots, node commitments and the trace root, and their Merkle proofs.
//!
//! - A tensor's canonical bytes are split into chunks of [`CHUNK_ELEMENTS`] elements; leaf `i`
//!   is `blake2_256(CHUNK_DOMAIN ‖ i as u32 LE ‖ chunk bytes)`; the chunks form a binary Merkle
//!   tree (`binary-merkle-tree`); the tensor root is
//!   `blake2_256(TENSOR_DOMAIN ‖ SCALE(header) ‖ merkle root)`.
//! - Node `k`'s commitment is `blake2_256(NODE_DOMAIN ‖ k as u32 LE ‖ root of each output)`.
//! - The trace root is the Merkle root over the node commitments in canonical order.
//!
//! Every proof verifies in `no_std`, inside the runtime.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
pub use primitive_types::H256;
use scale_info::TypeInfo;

use crate::{
	limits::CHUNK_ELEMENTS,
	tensor::{Tensor, TensorHeader},
};

/// Domain tag of a chunk leaf.
pub const CHUNK_DOMAIN: &[u8] = b"verity:chunk:v1";
/// Domain tag of a tensor root.
pub const TENSOR_DOMAIN: &[u8] = b"verity:tensor:v1";
/// Domain tag of a node commitment.
pub const NODE_DOMAIN: &[u8] = b"verity:node:v1";

#[cfg(all(feature = "parallel", target_arch = "x86_64"))]
mod blake2b_x8;
#[cfg(feature = "parallel")]
mod parallel;
#[cfg(feature = "parallel")]
use parallel::leaves_and_root;
#[cfg(all(feature = "parallel", test))]
use parallel::merkle_root as chunks_root;

/// The hasher of every tree: blake2-256.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake2Hasher;

impl hash_db::Hasher for Blake2Hasher {
	type Out = H256;
	type StdHasher = hash256_std_hasher::Hash256StdHasher;
	const LENGTH: usize = 32;

	fn hash(x: &[u8]) -> H256 {
		H256(sp_crypto_hashing::blake2_256(x))
	}
}

/// The blake2-256 hash of `data`.
pub fn hash(data: &[u8]) -> H256 {
	H256(sp_crypto_hashing::blake2_256(data))
}

type Hasher = Blake2Hasher;

fn blake2(parts: &[&[u8]]) -> H256 {
	let mut buf = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
	for p in parts {
		buf.extend_from_slice(p);
	}
	hash(&buf)
}

/// Number of chunks a tensor of `len` elements is split into (at least one).
pub fn chunk_count(len: usize) -> usize {
	len.div_ceil(CHUNK_ELEMENTS).max(1)
}

/// The element range of chunk `index` in a tensor of `len` elements.
pub fn chunk_range(len: usize, index: usize) -> core::ops::Range<usize> {
	// Saturating: a wrapped product would name another chunk on wasm32 only.
	let start = index.saturating_mul(CHUNK_ELEMENTS).min(len);
	start..start.saturating_add(CHUNK_ELEMENTS).min(len)
}

/// The leaf data of chunk `index` holding `bytes`: domain, index and bytes.
pub fn chunk_leaf(index: u32, bytes: &[u8]) -> Vec<u8> {
	let mut leaf =
		Vec::with_capacity(CHUNK_DOMAIN.len().saturating_add(4).saturating_add(bytes.len()));
	leaf.extend_from_slice(CHUNK_DOMAIN);
	leaf.extend_from_slice(&index.to_le_bytes());
	leaf.extend_from_slice(bytes);
	leaf
}

/// The canonical bytes of each chunk of `t`.
pub fn chunk_bytes(t: &Tensor) -> Vec<Vec<u8>> {
	(0..chunk_count(t.len()))
		.map(|i| {
			let mut out = Vec::new();
			t.data().write_le_bytes(chunk_range(t.len(), i), &mut out);
			out
		})
		.collect()
}

/// The tensor root from a header and the Merkle root of its chunks.
pub fn tensor_root_from_parts(header: &TensorHeader, chunks_root: &H256) -> H256 {
	blake2(&[TENSOR_DOMAIN, &header.encode(), chunks_root.as_bytes()])
}

/// A tensor's commitment with what proofs about it need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorCommitment {
	/// The tensor root.
	pub root: H256,
	/// The Merkle root over the chunk leaves.
	pub chunks_root: H256,
	/// The hash of every chunk leaf, in order.
	pub leaf_hashes: Vec<H256>,
}

/// Commits to `t`: hashes its chunks and builds the tree.
pub fn commit_tensor(t: &Tensor) -> TensorCommitment {
	let (leaf_hashes, chunks_root) = leaves_and_root(t);
	TensorCommitment {
		root: tensor_root_from_parts(&t.header(), &chunks_root),
		chunks_root,
		leaf_hashes,
	}
}

/// Appends leaf `index` of `t` to `buf`: the same bytes as [`chunk_leaf`] of [`chunk_bytes`],
/// without an allocation per chunk.
fn write_leaf(t: &Tensor, index: usize, buf: &mut Vec<u8>) {
	buf.extend_from_slice(CHUNK_DOMAIN);
	buf.extend_from_slice(&(index as u32).to_le_bytes());
	t.data().write_le_bytes(chunk_range(t.len(), index), buf);
}

#[cfg(not(feature = "parallel"))]
/// The hash of leaf `index` of `t`, its leaf data built in `buf` (reused between chunks).
fn leaf_hash(t: &Tensor, index: usize, buf: &mut Vec<u8>) -> H256 {
	buf.clear();
	write_leaf(t, index, buf);
	hash(buf)
}

/// The hash of every chunk leaf of `t`, in order, and the Merkle root over them.
#[cfg(not(feature = "parallel"))]
fn leaves_and_root(t: &Tensor) -> (Vec<H256>, H256) {
	let mut buf = Vec::new();
	let leaves: Vec<H256> = (0..chunk_count(t.len())).map(|i| leaf_hash(t, i, &mut buf)).collect();
	let root = chunks_root(&leaves);
	(leaves, root)
}

/// The binary Merkle root over the chunk leaves' hashes.
#[cfg(not(feature = "parallel"))]
fn chunks_root(leaf_hashes: &[H256]) -> H256 {
	binary_merkle_tree::merkle_root_raw::<Hasher, _>(leaf_hashes.iter().copied())
}

/// The root of `t` (see the module docs).
pub fn tensor_root(t: &Tensor) -> H256 {
	commit_tensor(t).root
}

/// Node `k`'s commitment over the roots of its outputs.
pub fn node_commitment(k: u32, output_roots: &[H256]) -> H256 {
	let mut buf = Vec::with_capacity(
		NODE_DOMAIN.len().saturating_add(4).saturating_add(output_roots.len().saturating_mul(32)),
	);
	buf.extend_from_slice(NODE_DOMAIN);
	buf.extend_from_slice(&k.to_le_bytes());
	for r in output_roots {
		buf.extend_from_slice(r.as_bytes());
	}
	hash(&buf)
}

/// The trace root over node commitments in canonical order (zero for no node).
pub fn trace_root(node_commitments: &[H256]) -> H256 {
	binary_merkle_tree::merkle_root_raw::<Hasher, _>(node_commitments.iter().copied())
}

/// A Merkle path: the sibling hashes from a leaf up to a root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct MerklePath {
	/// Index of the leaf.
	pub leaf_index: u32,
	/// Number of leaves in the tree.
	pub leaf_count: u32,
	/// Sibling hashes, bottom up.
	pub siblings: Vec<H256>,
}

impl MerklePath {
	/// The path of leaf `index` among `leaves` (leaf hashes), or `None` when out of range.
	pub fn build(leaves: &[H256], index: usize) -> Option<MerklePath> {
		if index >= leaves.len() {
			return None;
		}
		let proof =
			binary_merkle_tree::merkle_proof_raw::<Hasher, _>(leaves.iter().copied(), index as u32);
		Some(MerklePath {
			leaf_index: index as u32,
			leaf_count: proof.number_of_leaves,
			siblings: proof.proof,
		})
	}

	/// Whether this path leads from `leaf_hash` to `root`.
	pub fn verify(&self, root: &H256, leaf_hash: H256) -> bool {
		self.root_from(leaf_hash).as_ref() == Some(root)
	}

	/// The root this path leads to from `leaf_hash`, or `None` when the path does not fit the
	/// tree of `leaf_count` leaves exactly.
	///
	/// The tree is `binary-merkle-tree`'s: pairs are hashed left ‖ right, and the last node of
	/// an odd row is promoted unchanged (no sibling at that level). The walk here follows the
	/// exact position of the leaf level by level, so a path binds its leaf index.
	pub fn root_from(&self, leaf_hash: H256) -> Option<H256> {
		if self.leaf_index >= self.leaf_count {
			return None;
		}
		let mut position = self.leaf_index;
		let mut width = self.leaf_count;
		let mut siblings = self.siblings.iter();
		let mut acc = leaf_hash;
		while width > 1 {
			let promoted = width % 2 == 1 && position.saturating_add(1) == width;
			if !promoted {
				let sibling = siblings.next()?;
				let mut combined = [0u8; 64];
				let (left, right) =
					if position % 2 == 1 { (sibling, &acc) } else { (&acc, sibling) };
				combined[..32].copy_from_slice(left.as_bytes());
				combined[32..].copy_from_slice(right.as_bytes());
				acc = hash(&combined);
			}
			position /= 2;
			width = width.div_ceil(2);
		}
		// Every sibling must have been used.
		siblings.next().is_none().then_some(acc)
	}
}

/// Proof that chunk `path.leaf_index` of a tensor with `header` holds `bytes`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ChunkProof {
	/// The tensor's dtype and shape.
	pub header: TensorHeader,
	/// The chunk's canonical bytes.
	pub bytes: Vec<u8>,
	/// The path from the chunk leaf to the chunks root.
	pub path: MerklePath,
}

impl ChunkProof {
	/// Proof for chunk `index` of `t`, or `None` when out of range.
	pub fn build(t: &Tensor, commitment: &TensorCommitment, index: usize) -> Option<ChunkProof> {
		let path = MerklePath::build(&commitment.leaf_hashes, index)?;
		let mut bytes = Vec::new();
		t.data().write_le_bytes(chunk_range(t.len(), index), &mut bytes);
		Some(ChunkProof { header: t.header(), bytes, path })
	}

	/// Whether the proof holds against `tensor_root`: right chunk count for the header, right
	/// chunk length, and a valid path.
	pub fn verify(&self, tensor_root: &H256) -> bool {
		let Ok(shape) = crate::tensor::shape_from_u64(&self.header.shape) else {
			return false;
		};
		let len = shape.iter().product::<usize>();
		if self.path.leaf_count as usize != chunk_count(len) {
			return false;
		}
		let range = chunk_range(len, self.path.leaf_index as usize);
		if Some(self.bytes.len()) != range.len().checked_mul(self.header.dtype.size()) {
			return false;
		}
		let leaf = hash(&chunk_leaf(self.path.leaf_index, &self.bytes));
		// Recompute the chunks root from the path, then the tensor root from it.
		let Some(chunks_root) = self.path.root_from(leaf) else {
			return false;
		};
		&tensor_root_from_parts(&self.header, &chunks_root) == tensor_root
	}
}

/// Proof that node `k`, whose outputs have `output_roots`, is leaf `k` under a trace root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct NodeProof {
	/// The roots of the node's outputs.
	pub output_roots: Vec<H256>,
	/// The path from the node commitment to the trace root.
	pub path: MerklePath,
}

impl NodeProof {
	/// The node commitment this proof is about.
	pub fn commitment(&self) -> H256 {
		node_commitment(self.path.leaf_index, &self.output_roots)
	}

	/// Whether the proof holds against `trace_root`.
	pub fn verify(&self, trace_root: &H256) -> bool {
		self.path.verify(trace_root, self.commitment())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tensor::{DType, TensorData};
	use alloc::vec;

	fn ramp(n: usize) -> Tensor {
		Tensor::f32(vec![n], (0..n).map(|i| i as f32 * 0.5).collect()).unwrap()
	}

	/// Every leaf hash is `hash(chunk_leaf(i, chunk_bytes[i]))`, whichever way it is computed
	/// (one at a time, or batched eight or four at a time on threads with `parallel`).
	#[test]
	fn leaf_hashes_match_their_definition_at_every_size() {
		for n in [1usize, 63, 64, 65, 64 * 4 + 1, 64 * 257 + 5, 64 * 1024, 64 * 1500 + 17] {
			let values: Vec<f32> = (0..n).map(|i| (i as f32).sin() * 1e3).collect();
			let mut values = values;
			values[n / 2] = f32::NAN;
			let t = Tensor::f32(vec![n], values).unwrap();
			let want: Vec<H256> = chunk_bytes(&t)
				.iter()
				.enumerate()
				.map(|(i, bytes)| hash(&chunk_leaf(i as u32, bytes)))
				.collect();
			assert_eq!(crate::in_pool(|| commit_tensor(&t)).leaf_hashes, want, "{n} elements");
		}
		let ints = Tensor::new(vec![3000], TensorData::I64((0..3000).collect())).unwrap();
		let want: Vec<H256> = chunk_bytes(&ints)
			.iter()
			.enumerate()
			.map(|(i, bytes)| hash(&chunk_leaf(i as u32, bytes)))
			.collect();
		assert_eq!(commit_tensor(&ints).leaf_hashes, want);
	}

	/// The chunks root is `binary_merkle_tree`'s root over the leaf hashes at every size
	/// (odd levels, one leaf, none; each level written over the one below with `parallel`).
	#[test]
	fn chunks_root_is_the_binary_merkle_trees_root() {
		let sizes = (0..70).chain([255, 256, 257, 511, 512, 513, 1000, 3001]);
		for n in sizes {
			let leaves: Vec<H256> = (0..n as u32).map(|i| hash(&i.to_le_bytes())).collect();
			let want = binary_merkle_tree::merkle_root_raw::<Hasher, _>(leaves.iter().copied());
			assert_eq!(crate::in_pool(|| chunks_root(&leaves)), want, "{n} leaves");
		}
	}

	/// A tensor's chunks root, its leaves hashed and rooted in subtrees of 128 on threads
	/// with `parallel` and the subtrees' roots then joined, is `binary_merkle_tree`'s root over
	/// its leaf hashes: around every subtree boundary, odd counts, one chunk, an empty tensor.
	#[test]
	fn chunks_root_from_subtrees_is_the_trees_root() {
		for chunks in [1usize, 2, 127, 128, 129, 255, 256, 257, 383, 16385] {
			let t = ramp(chunks * 64 - 7);
			let c = crate::in_pool(|| commit_tensor(&t));
			assert_eq!(c.leaf_hashes.len(), chunks);
			let want =
				binary_merkle_tree::merkle_root_raw::<Hasher, _>(c.leaf_hashes.iter().copied());
			assert_eq!(c.chunks_root, want, "{chunks} chunks");
			assert_eq!(c.root, tensor_root_from_parts(&t.header(), &want));
		}
		let empty = Tensor::f32(vec![0], vec![]).unwrap();
		let c = crate::in_pool(|| commit_tensor(&empty));
		let want = binary_merkle_tree::merkle_root_raw::<Hasher, _>(c.leaf_hashes.iter().copied());
		assert_eq!(c.chunks_root, want);
	}

	#[test]
	fn chunking_covers_every_element_once() {
		assert_eq!(chunk_count(0), 1);
		assert_eq!(chunk_count(CHUNK_ELEMENTS), 1);
		assert_eq!(chunk_count(CHUNK_ELEMENTS + 1), 2);
		let n = 3 * CHUNK_ELEMENTS + 5;
		let total: usize = (0..chunk_count(n)).map(|i| chunk_range(n, i).len()).sum();
		assert_eq!(total, n);
		assert_eq!(chunk_range(n, 3), 3 * CHUNK_ELEMENTS..n);
	}

	#[test]
	fn root_binds_data_shape_and_dtype() {
		let a = ramp(200);
		let mut changed = a.as_f32().unwrap().to_vec();
		changed[199] = 1.0;
		let b = Tensor::f32(vec![200], changed).unwrap();
		let reshaped = a.clone().reshaped(vec![2, 100]).unwrap();
		let as_i32 = Tensor::new(
			vec![200],
			TensorData::I32(a.as_f32().unwrap().iter().map(|x| x.to_bits() as i32).collect()),
		)
		.unwrap();
		let ra = tensor_root(&a);
		assert_eq!(ra, tensor_root(&a.clone()));
		assert_ne!(ra, tensor_root(&b));
		assert_ne!(ra, tensor_root(&reshaped));
		assert_ne!(ra, tensor_root(&as_i32));
		assert_eq!(as_i32.dtype(), DType::I32);
	}

	#[test]
	fn chunk_proofs_verify_and_reject_tampering() {
		for n in [1, 63, 64, 65, 200, 1000] {
			let t = ramp(n);
			let c = commit_tensor(&t);
			for i in 0..chunk_count(n) {
				let p = ChunkProof::build(&t, &c, i).unwrap();
				assert!(p.verify(&c.root), "n={n} i={i}");
				let mut bad = p.clone();
				if let Some(b) = bad.bytes.first_mut() {
					*b ^= 1;
				}
				assert!(!bad.verify(&c.root) || bad.bytes.is_empty());
				let mut bad_shape = p.clone();
				bad_shape.header.shape = vec![n as u64 + 1];
				assert!(!bad_shape.verify(&c.root));
				let mut bad_index = p.clone();
				bad_index.path.leaf_index = (i as u32 + 1) % bad_index.path.leaf_count.max(1);
				assert!(n <= 64 || !bad_index.verify(&c.root));
			}
			assert!(ChunkProof::build(&t, &c, chunk_count(n)).is_none());
		}
	}

	#[test]
	fn node_and_trace_proofs_verify() {
		let roots: Vec<H256> = (0..7).map(|i| tensor_root(&ramp(i + 1))).collect();
		let commitments: Vec<H256> =
			roots.iter().enumerate().map(|(k, r)| node_commitment(k as u32, &[*r])).collect();
		let root = trace_root(&commitments);
		for k in 0..commitments.len() {
			let p = NodeProof {
				output_roots: vec![roots[k]],
				path: MerklePath::build(&commitments, k).unwrap(),
			};
			assert!(p.verify(&root));
			let mut wrong = p.clone();
			wrong.output_roots = vec![roots[(k + 1) % roots.len()]];
			assert!(!wrong.verify(&root));
			let mut long = p.clone();
			long.path.siblings.push(H256::zero());
			assert!(!long.verify(&root));
		}
		assert_ne!(node_commitment(0, &[roots[0]]), node_commitment(1, &[roots[0]]));
	}

	#[test]
	fn paths_match_the_crate_root_for_every_tree_size() {
		for n in 1..=40u8 {
			let leaves: Vec<H256> = (0..n).map(|i| hash(&[i])).collect();
			let root = trace_root(&leaves);
			for i in 0..leaves.len() {
				let p = MerklePath::build(&leaves, i).unwrap();
				assert_eq!(p.root_from(leaves[i]), Some(root), "n={n} i={i}");
				// The path binds the index: the same leaf claimed elsewhere fails.
				for j in 0..leaves.len() {
					if j != i {
						let mut moved = p.clone();
						moved.leaf_index = j as u32;
						assert!(!moved.verify(&root, leaves[i]), "n={n} i={i} j={j}");
					}
				}
			}
		}
	}
}
