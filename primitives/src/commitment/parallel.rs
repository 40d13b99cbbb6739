//! The node's commitments (the `parallel` feature): the roots the module defines, computed
//! with blake2b on eight messages at a time (AVX-512, `blake2b_x8`) or four (`hash_many`),
//! and a large tensor's leaves in whole subtrees on the node's threads, each subtree's root
//! computed by the thread that hashed its leaves (one split per tensor, not one per level).

use alloc::{vec, vec::Vec};
use core::ops::Range;

use super::{chunk_count, write_leaf, H256};
use crate::tensor::Tensor;

/// Below this many chunks a tensor is committed on one thread.
const PARALLEL_MIN_CHUNKS: usize = 256;
/// Messages written and hashed together (eight at a time where the CPU can).
const HASH_BATCH: usize = 64;
/// Leaves in one piece of work: a power of two, so that each piece is a whole subtree of the
/// tensor's tree and its root a node of that tree.
const SUBTREE_LEAVES: usize = 128;

std::thread_local! {
	/// Each thread's buffers for [`hash_batch`]: the messages and where each is. Kept between
	/// batches, so that hashing allocates nothing per batch on AVX-512 (threads growing and
	/// freeing buffers at once contend for the allocator's lock).
	static MESSAGES: core::cell::RefCell<(Vec<u8>, Vec<Range<usize>>)> =
		const { core::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The hash of every chunk leaf of `t`, in order, and the Merkle root over them: the same
/// values as the module's definitions (`chunk_leaf`, `binary_merkle_tree::merkle_root_raw`),
/// computed in subtrees (tests compare the two at every subtree boundary).
pub(super) fn leaves_and_root(t: &Tensor) -> (Vec<H256>, H256) {
	use rayon::prelude::*;
	let count = chunk_count(t.len());
	let mut leaves = vec![H256::zero(); count];
	// Subtree `s`: its leaves' hashes into `hashes`, then its root.
	let subtree = |(s, hashes): (usize, &mut [H256])| -> H256 {
		let first = s.saturating_mul(SUBTREE_LEAVES);
		hash_each(hashes, &|i, buf| write_leaf(t, first.saturating_add(i), buf));
		let mut level = [H256::zero(); SUBTREE_LEAVES];
		let level = level.get_mut(..hashes.len()).unwrap_or_default();
		level.copy_from_slice(hashes);
		merkle_in_place(level)
	};
	let mut roots: Vec<H256> = if count >= PARALLEL_MIN_CHUNKS && crate::on_pool() {
		leaves.par_chunks_mut(SUBTREE_LEAVES).enumerate().map(subtree).collect()
	} else {
		leaves.chunks_mut(SUBTREE_LEAVES).enumerate().map(subtree).collect()
	};
	let root = merkle_in_place(&mut roots);
	(leaves, root)
}

/// The binary Merkle root over `leaves` (`binary_merkle_tree::merkle_root_raw`'s tree).
#[cfg(test)]
pub(super) fn merkle_root(leaves: &[H256]) -> H256 {
	merkle_in_place(&mut leaves.to_vec())
}

/// The binary Merkle root over `level`: pairs hashed left to right, an odd last node
/// promoted, the zero hash for none. Each level is written over the one below it (a batch's
/// pairs are read before its hashes are written, and a batch writes only below where the
/// next one reads).
fn merkle_in_place(level: &mut [H256]) -> H256 {
	let mut len = level.len();
	while len > 1 {
		let pairs = len.div_euclid(2);
		let mut first = 0;
		while first < pairs {
			let n = pairs.saturating_sub(first).min(HASH_BATCH);
			let mut hashes = [H256::zero(); HASH_BATCH];
			let hashes = hashes.get_mut(..n).unwrap_or_default();
			let below: &[H256] = level;
			hash_each(hashes, &|i, buf| {
				let pair = first.saturating_add(i).saturating_mul(2);
				for h in below.get(pair..pair.saturating_add(2)).unwrap_or_default() {
					buf.extend_from_slice(h.as_bytes());
				}
			});
			if let Some(dst) = level.get_mut(first..first.saturating_add(n)) {
				dst.copy_from_slice(hashes);
			}
			first = first.saturating_add(n);
		}
		if len % 2 == 1 {
			if let Some(odd) = level.get(len.saturating_sub(1)).copied() {
				if let Some(slot) = level.get_mut(pairs) {
					*slot = odd;
				}
			}
		}
		len = len.div_ceil(2);
	}
	level.first().copied().unwrap_or_default()
}

/// `hashes[i]` = blake2-256 of the message `write(i, buf)` appends to `buf`, a batch of
/// [`HASH_BATCH`] at a time, on this thread.
fn hash_each(hashes: &mut [H256], write: &(dyn Fn(usize, &mut Vec<u8>) + Sync)) {
	for (b, batch) in hashes.chunks_mut(HASH_BATCH).enumerate() {
		let first = b.saturating_mul(HASH_BATCH);
		let write = |i: usize, buf: &mut Vec<u8>| write(first.saturating_add(i), buf);
		// The buffers are borrowed only while `hash_batch` runs, which never hands work to
		// the pool (so no other batch can start on this thread meanwhile); were it ever
		// borrowed already, fresh buffers do the same work.
		MESSAGES.with(|cell| match cell.try_borrow_mut() {
			Ok(mut buffers) => {
				let (buf, ranges) = &mut *buffers;
				hash_batch(batch, &write, buf, ranges)
			},
			Err(_) => hash_batch(batch, &write, &mut Vec::new(), &mut Vec::new()),
		});
	}
}

/// `hashes[i]` = blake2-256 of message `i`, the messages written into `buf` by `write`:
/// eight at a time where the CPU can, the rest by `hash_many`.
fn hash_batch(
	hashes: &mut [H256],
	write: &dyn Fn(usize, &mut Vec<u8>),
	buf: &mut Vec<u8>,
	ranges: &mut Vec<Range<usize>>,
) {
	buf.clear();
	ranges.clear();
	for i in 0..hashes.len() {
		let start = buf.len();
		write(i, buf);
		ranges.push(start..buf.len());
	}
	let message = |r: &Range<usize>| buf.get(r.clone()).unwrap_or(&[]);
	// The messages left to `hash_many` (on AVX-512, only a batch's last few, fewer than 8).
	let mut rest = Vec::new();
	let groups = ranges.chunks(8).zip(hashes.chunks_mut(8)).enumerate();
	for (group, (group_ranges, group_hashes)) in groups {
		let mut messages: [&[u8]; 8] = [&[]; 8];
		messages.iter_mut().zip(group_ranges).for_each(|(m, r)| *m = message(r));
		match (group_ranges.len() == 8).then_some(messages).and_then(eight) {
			Some(digests) => group_hashes.iter_mut().zip(digests).for_each(|(h, d)| *h = H256(d)),
			None => {
				let first = group.saturating_mul(8);
				rest.extend((0..group_ranges.len()).map(|i| first.saturating_add(i)))
			},
		}
	}
	if rest.is_empty() {
		return;
	}
	let mut params = blake2b_simd::Params::new();
	params.hash_length(32);
	let mut jobs: Vec<_> = rest
		.iter()
		.map(|i| {
			let r = ranges.get(*i).cloned().unwrap_or_default();
			blake2b_simd::many::HashManyJob::new(&params, message(&r))
		})
		.collect();
	blake2b_simd::many::hash_many(jobs.iter_mut());
	for (i, job) in rest.iter().zip(&jobs) {
		// `hash_length(32)`: every hash is 32 bytes.
		let digest = <[u8; 32]>::try_from(job.to_hash().as_bytes()).map(H256);
		if let (Some(h), Ok(digest)) = (hashes.get_mut(*i), digest) {
			*h = digest;
		}
	}
}

/// The blake2-256 hashes of eight messages of one length computed together, where the
/// CPU can (AVX-512F and BW); `None` for different lengths or another CPU.
fn eight(messages: [&[u8]; 8]) -> Option<[[u8; 32]; 8]> {
	#[cfg(target_arch = "x86_64")]
	return super::blake2b_x8::hash8(messages);
	#[cfg(not(target_arch = "x86_64"))]
	return None;
}
