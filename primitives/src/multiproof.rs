//! Merkle multi-proofs: several leaves of one tree proven together, sharing their siblings.
//!
//! The tree is the one of [`crate::commitment`] (`binary-merkle-tree`): pairs are hashed
//! left ‖ right, and the last node of an odd row is promoted unchanged. A [`MultiPath`] holds
//! only the nodes that cannot be computed from the proven leaves, in the order a bottom-up,
//! left-to-right walk over the proven positions asks for them; that walk is the only one, so
//! the order is canonical and every sibling is used exactly once.
//!
//! Verification allocates and works in proportion to the proven leaves and the siblings, never
//! to `leaf_count`: at most 32 levels, each visiting every still-distinct proven position once.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::commitment::{hash, H256};

/// Proof that several leaves of one tree hold given hashes: the sibling hashes that cannot be
/// computed from the proven leaves, level by level bottom up, left to right within a level.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct MultiPath {
	/// Number of leaves in the tree. It is bound only through the tree shape it gives the proven
	/// positions: a verifier must check it against the count it expects.
	pub leaf_count: u32,
	/// The sibling hashes, bottom up, left to right within a level.
	pub siblings: Vec<H256>,
}

impl MultiPath {
	/// The proof for leaves `indices` (strictly increasing, each < leaves.len()) of the tree over
	/// `leaves`; None if indices are empty, unsorted, duplicated or out of range.
	pub fn build(leaves: &[H256], indices: &[u32]) -> Option<MultiPath> {
		let leaf_count = u32::try_from(leaves.len()).ok()?;
		let known = indices
			.iter()
			.map(|&i| Some((i, *leaves.get(usize::try_from(i).ok()?)?)))
			.collect::<Option<Vec<_>>>()?;
		// Every row of the tree, the leaves first, the root row last.
		let mut rows: Vec<Vec<H256>> = alloc::vec![leaves.to_vec()];
		loop {
			let row = rows.last()?;
			if row.len() <= 1 {
				break;
			}
			let up = row
				.chunks(2)
				.map(|pair| pair.iter().copied().reduce(|l, r| hash_pair(&l, &r)))
				.collect::<Option<Vec<_>>>()?;
			rows.push(up);
		}
		let mut siblings = Vec::new();
		walk(leaf_count, known, |level, position| {
			let node = *rows.get(level)?.get(usize::try_from(position).ok()?)?;
			siblings.push(node);
			Some(node)
		})?;
		Some(MultiPath { leaf_count, siblings })
	}

	/// The root the proof leads to from `leaves` (index, leaf hash), or None when the proof does
	/// not fit: indices not strictly increasing, empty, or >= leaf_count, a sibling missing, or a
	/// sibling left unused.
	pub fn root_from(&self, leaves: &[(u32, H256)]) -> Option<H256> {
		let mut siblings = self.siblings.iter();
		let root = walk(self.leaf_count, leaves.to_vec(), |_, _| siblings.next().copied())?;
		// Every sibling must have been used.
		siblings.next().is_none().then_some(root)
	}

	/// Whether the proof leads from `leaves` to `root`.
	pub fn verify(&self, root: &H256, leaves: &[(u32, H256)]) -> bool {
		self.root_from(leaves).as_ref() == Some(root)
	}
}

/// `blake2_256(left ‖ right)`.
fn hash_pair(left: &H256, right: &H256) -> H256 {
	let mut combined = [0u8; 64];
	for (out, byte) in combined.iter_mut().zip(left.as_bytes().iter().chain(right.as_bytes())) {
		*out = *byte;
	}
	hash(&combined)
}

/// The root of the tree of `leaf_count` leaves from the `known` nodes (position, hash) of its
/// bottom row, or None when `known` is empty, not strictly increasing or out of range, or
/// `sibling` has no node for a position.
///
/// Walks the rows bottom up; within a row the known nodes left to right. A known node is
/// promoted when it is the last of an odd row, hashed with the next known node when that is
/// its right sibling, and otherwise with `sibling(level, sibling position)`: so `sibling` is
/// called exactly for the canonical siblings, in canonical order. At most 32 rows, each in
/// O(known.len()); the next row reuses a buffer of known.len() entries.
fn walk(
	leaf_count: u32,
	mut known: Vec<(u32, H256)>,
	mut sibling: impl FnMut(usize, u32) -> Option<H256>,
) -> Option<H256> {
	let mut previous: Option<u32> = None;
	for &(position, _) in &known {
		if position >= leaf_count || previous.is_some_and(|p| position <= p) {
			return None;
		}
		previous = Some(position);
	}
	let mut next: Vec<(u32, H256)> = Vec::with_capacity(known.len());
	let mut width = leaf_count;
	let mut level = 0usize;
	while width > 1 {
		let mut nodes = known.iter().peekable();
		while let Some(&(position, node)) = nodes.next() {
			// Positions are below `width`, so for an even position `position ^ 1` is
			// `position + 1`, at most `width`, and equal to it only for the last of an odd row.
			let partner = position ^ 1;
			let parent = if position % 2 == 1 {
				hash_pair(&sibling(level, partner)?, &node)
			} else if partner == width {
				node
			} else if let Some(&(_, right)) = nodes.next_if(|&&(p, _)| p == partner) {
				hash_pair(&node, &right)
			} else {
				hash_pair(&node, &sibling(level, partner)?)
			};
			next.push((position / 2, parent));
		}
		core::mem::swap(&mut known, &mut next);
		next.clear();
		width = width.div_ceil(2);
		level = level.saturating_add(1);
	}
	// One row of one node: strictly increasing positions below 1 leave exactly one, at 0.
	match known.as_slice() {
		[(0, root)] => Some(*root),
		_ => None,
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::commitment::{trace_root, MerklePath};
	use alloc::vec;

	fn leaves(n: u32) -> Vec<H256> {
		(0..n).map(|i| hash(&i.to_le_bytes())).collect()
	}

	fn claims(leaves: &[H256], indices: &[u32]) -> Vec<(u32, H256)> {
		indices.iter().map(|&i| (i, leaves[i as usize])).collect()
	}

	/// Xorshift32: deterministic subsets without a rand crate.
	struct XorShift(u32);

	impl XorShift {
		fn next(&mut self) -> u32 {
			self.0 ^= self.0 << 13;
			self.0 ^= self.0 >> 17;
			self.0 ^= self.0 << 5;
			self.0
		}

		/// A non-empty subset of 0..n, of a density that varies from call to call.
		fn subset(&mut self, n: u32) -> Vec<u32> {
			let density = self.next() % 8 + 1;
			let mut s: Vec<u32> = (0..n).filter(|_| self.next() % 8 < density).collect();
			if s.is_empty() {
				s.push(self.next() % n);
			}
			s
		}
	}

	/// Every subset for n ≤ 10, 200 pseudo-random ones above.
	fn subsets(n: u32, rng: &mut XorShift) -> Vec<Vec<u32>> {
		if n <= 10 {
			(1u32..1 << n).map(|mask| (0..n).filter(|i| mask >> i & 1 == 1).collect()).collect()
		} else {
			(0..200).map(|_| rng.subset(n)).collect()
		}
	}

	#[test]
	fn roots_match_the_trace_root_for_every_size_and_subset() {
		let mut rng = XorShift(0x9e37_79b9);
		for n in 1..=40u32 {
			let leaves = leaves(n);
			let root = trace_root(&leaves);
			for indices in subsets(n, &mut rng) {
				let p = MultiPath::build(&leaves, &indices).unwrap();
				assert_eq!(p.leaf_count, n);
				let claimed = claims(&leaves, &indices);
				assert_eq!(p.root_from(&claimed), Some(root), "n={n} indices={indices:?}");
				assert!(p.verify(&root, &claimed));
				assert!(p.siblings.len() <= 32 * indices.len());
			}
			// All leaves: nothing to prove with.
			let all: Vec<u32> = (0..n).collect();
			assert!(MultiPath::build(&leaves, &all).unwrap().siblings.is_empty());
		}
	}

	#[test]
	fn a_single_leaf_has_the_merkle_path_siblings() {
		for n in 1..=40u32 {
			let leaves = leaves(n);
			for i in 0..n {
				let multi = MultiPath::build(&leaves, &[i]).unwrap();
				let single = MerklePath::build(&leaves, i as usize).unwrap();
				assert_eq!(multi.siblings, single.siblings, "n={n} i={i}");
				assert_eq!(multi.leaf_count, single.leaf_count);
			}
		}
	}

	#[test]
	fn build_rejects_bad_indices() {
		let leaves = leaves(10);
		assert!(MultiPath::build(&leaves, &[]).is_none());
		assert!(MultiPath::build(&leaves, &[3, 2]).is_none());
		assert!(MultiPath::build(&leaves, &[2, 2]).is_none());
		assert!(MultiPath::build(&leaves, &[2, 10]).is_none());
		assert!(MultiPath::build(&leaves, &[u32::MAX]).is_none());
		assert!(MultiPath::build(&[], &[0]).is_none());
		assert!(MultiPath::build(&[], &[]).is_none());
	}

	#[test]
	fn tampering_fails() {
		let mut rng = XorShift(0x1234_5678);
		for n in 1..=40u32 {
			let leaves = leaves(n);
			let root = trace_root(&leaves);
			let cases: Vec<Vec<u32>> =
				if n <= 6 { subsets(n, &mut rng) } else { (0..8).map(|_| rng.subset(n)).collect() };
			for indices in cases {
				let p = MultiPath::build(&leaves, &indices).unwrap();
				let claimed = claims(&leaves, &indices);
				let ctx = format!("n={n} indices={indices:?}");

				// A changed sibling, anywhere.
				for k in 0..p.siblings.len() {
					let mut bad = p.clone();
					bad.siblings[k].0[0] ^= 1;
					assert!(!bad.verify(&root, &claimed), "{ctx} changed sibling {k}");
				}
				// Siblings out of order.
				if p.siblings.len() >= 2 {
					let mut bad = p.clone();
					bad.siblings.reverse();
					assert!(!bad.verify(&root, &claimed), "{ctx} reversed siblings");
				}
				// An extra sibling, at either end.
				let mut bad = p.clone();
				bad.siblings.push(H256::zero());
				assert_eq!(bad.root_from(&claimed), None, "{ctx} extra sibling");
				let mut bad = p.clone();
				bad.siblings.insert(0, H256::zero());
				assert!(!bad.verify(&root, &claimed), "{ctx} extra first sibling");
				// A missing sibling, anywhere.
				for k in 0..p.siblings.len() {
					let mut bad = p.clone();
					bad.siblings.remove(k);
					assert_eq!(bad.root_from(&claimed), None, "{ctx} missing sibling {k}");
				}
				// A changed leaf hash.
				for k in 0..claimed.len() {
					let mut bad = claimed.clone();
					bad[k].1 .0[31] ^= 0x80;
					assert!(!p.verify(&root, &bad), "{ctx} changed leaf {k}");
				}
				// A leaf claimed at another, unproven index.
				let unproven: Vec<u32> = (0..n).filter(|j| !indices.contains(j)).collect();
				for k in 0..claimed.len() {
					let targets: Vec<u32> = if unproven.len() <= 8 {
						unproven.clone()
					} else {
						(0..4).map(|_| unproven[(rng.next() as usize) % unproven.len()]).collect()
					};
					for j in targets {
						let mut moved = claimed.clone();
						moved[k].0 = j;
						moved.sort_by_key(|c| c.0);
						assert!(!p.verify(&root, &moved), "{ctx} leaf {k} moved to {j}");
					}
				}
				// Two claims swapped: unsorted.
				if claimed.len() >= 2 {
					let mut bad = claimed.clone();
					bad.swap(0, 1);
					assert_eq!(p.root_from(&bad), None, "{ctx} unsorted");
				}
				// A claim repeated.
				let mut bad = claimed.clone();
				bad.insert(0, claimed[0]);
				assert_eq!(p.root_from(&bad), None, "{ctx} duplicate");
				// An index at or past leaf_count.
				let mut bad = claimed.clone();
				bad.push((n, leaves[0]));
				assert_eq!(p.root_from(&bad), None, "{ctx} index = leaf_count");
				let mut bad = claimed.clone();
				bad.push((u32::MAX, leaves[0]));
				assert_eq!(p.root_from(&bad), None, "{ctx} index = u32::MAX");
				// No claim at all.
				assert_eq!(p.root_from(&[]), None, "{ctx} no leaf");
			}
		}
	}

	#[test]
	fn a_wrong_leaf_count_fails_when_it_changes_the_shape() {
		// The last leaf pins the shape: with it proven, no other count fits.
		let mut rng = XorShift(0xdead_beef);
		for n in 1..=40u32 {
			let leaves = leaves(n);
			let root = trace_root(&leaves);
			let mut cases: Vec<Vec<u32>> = (0..6).map(|_| rng.subset(n)).collect();
			cases.push(vec![n - 1]);
			for mut indices in cases {
				if indices.last() != Some(&(n - 1)) {
					indices.push(n - 1);
				}
				let p = MultiPath::build(&leaves, &indices).unwrap();
				let claimed = claims(&leaves, &indices);
				for m in (0..=2 * n + 2).chain([u32::MAX - 1, u32::MAX]).filter(|&m| m != n) {
					let bad = MultiPath { leaf_count: m, ..p.clone() };
					assert!(!bad.verify(&root, &claimed), "n={n} indices={indices:?} m={m}");
				}
			}
		}
		// Without the last leaf the count is bound only through the shape, as for
		// `MerklePath`: leaf 0 of 5 leaves and of 6 leaves has the same shape.
		let five = leaves(5);
		let p = MultiPath::build(&five, &[0]).unwrap();
		let six = MultiPath { leaf_count: 6, ..p.clone() };
		assert!(six.verify(&trace_root(&five), &claims(&five, &[0])));
	}

	#[test]
	fn a_huge_leaf_count_neither_panics_nor_allocates() {
		let leaf = hash(b"leaf");
		let short = MultiPath { leaf_count: u32::MAX, siblings: vec![H256::repeat_byte(7); 3] };
		assert_eq!(short.root_from(&[(0, leaf)]), None);
		assert_eq!(short.root_from(&[(u32::MAX - 1, leaf)]), None);
		assert_eq!(short.root_from(&[(u32::MAX, leaf)]), None);
		assert_eq!(short.root_from(&[(0, leaf), (1 << 31, leaf), (u32::MAX - 1, leaf)]), None);
		// Leaf 0 of u32::MAX leaves needs exactly one sibling per level: 32.
		let full = MultiPath { leaf_count: u32::MAX, siblings: vec![H256::repeat_byte(7); 32] };
		assert!(full.root_from(&[(0, leaf)]).is_some());
		let mut long = full.clone();
		long.siblings.push(H256::zero());
		assert_eq!(long.root_from(&[(0, leaf)]), None);
		// The last leaf is promoted wherever its row is odd.
		let mut last = MultiPath { leaf_count: u32::MAX, siblings: Vec::new() };
		while last.root_from(&[(u32::MAX - 1, leaf)]).is_none() && last.siblings.len() < 40 {
			last.siblings.push(H256::repeat_byte(9));
		}
		assert!(last.siblings.len() < 32);
		// One row of one leaf: the leaf is the root, and no sibling fits.
		let one = MultiPath { leaf_count: 1, siblings: Vec::new() };
		assert_eq!(one.root_from(&[(0, leaf)]), Some(leaf));
		let one_extra = MultiPath { leaf_count: 1, siblings: vec![leaf] };
		assert_eq!(one_extra.root_from(&[(0, leaf)]), None);
		let zero = MultiPath { leaf_count: 0, siblings: Vec::new() };
		assert_eq!(zero.root_from(&[(0, leaf)]), None);
	}

	#[test]
	fn encoding_round_trips() {
		use codec::{Decode, Encode};
		let leaves = leaves(13);
		let p = MultiPath::build(&leaves, &[1, 4, 5, 12]).unwrap();
		assert_eq!(MultiPath::decode(&mut &p.encode()[..]).unwrap(), p);
	}
}
