//! A walk down a tensor's chunk tree, as `binary-merkle-tree` builds it: row `l` has
//! `⌈leaves / 2^l⌉` nodes, pairs are hashed left ‖ right and the last node of an odd row is
//! promoted unchanged. A promoted node has one child with the same hash, so the bisection
//! steps over it without a move.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A position in a chunk tree of `leaf_count` leaves: row `level` (0 = leaves), `position`
/// within the row.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct TreeCursor {
	/// Leaves of the tree (chunks of the tensor), at least one.
	pub leaf_count: u32,
	/// Row, counted from the leaves.
	pub level: u32,
	/// Index within the row.
	pub position: u32,
}

/// Nodes in row `level` of a tree of `leaves` leaves.
fn width(leaves: u32, level: u32) -> u32 {
	if level >= 32 {
		return u32::from(leaves > 0);
	}
	// ⌈leaves / 2^level⌉ without overflow.
	let full = leaves >> level;
	let below = 1u32.checked_shl(level).map_or(u32::MAX, |b| b.saturating_sub(1));
	full.saturating_add(u32::from(leaves & below != 0))
}

impl TreeCursor {
	/// The root of a tree of `leaf_count` leaves (a zero count is taken as one), already moved
	/// past promoted nodes.
	pub fn root(leaf_count: u32) -> TreeCursor {
		let leaf_count = leaf_count.max(1);
		let mut level = 0;
		while width(leaf_count, level) > 1 {
			level = level.saturating_add(1);
		}
		TreeCursor { leaf_count, level, position: 0 }.skip_promoted()
	}

	/// Whether the node has two children (it is neither a leaf nor promoted).
	pub fn has_two_children(&self) -> bool {
		match self.level.checked_sub(1) {
			Some(below) => {
				let left = u64::from(self.position).saturating_mul(2);
				left.saturating_add(1) < u64::from(width(self.leaf_count, below))
			},
			None => false,
		}
	}

	/// Moves down past promoted nodes (one child with the same hash) to a node with two
	/// children or a leaf.
	fn skip_promoted(mut self) -> TreeCursor {
		while self.level > 0 && !self.has_two_children() {
			self.level = self.level.saturating_sub(1);
			self.position = self.position.saturating_mul(2);
		}
		self
	}

	/// The left (`right = false`) or right child, moved past promoted nodes; `None` at a leaf.
	pub fn child(&self, right: bool) -> Option<TreeCursor> {
		if !self.has_two_children() {
			return None;
		}
		let position = self.position.checked_mul(2)?.checked_add(u32::from(right))?;
		Some(
			TreeCursor { leaf_count: self.leaf_count, level: self.level.checked_sub(1)?, position }
				.skip_promoted(),
		)
	}

	/// The leaf index, once the walk has reached a leaf.
	pub fn leaf(&self) -> Option<u32> {
		(self.level == 0).then_some(self.position)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::commitment::{hash, trace_root, H256};
	use alloc::vec::Vec;

	/// Every row of the tree, bottom up (the player's rows, checked here against the crate's
	/// trace root).
	use crate::dispute::play::tree_rows as rows;

	/// Walking from the root to every leaf, each two-child node's children hash to it and a
	/// node's hash equals the tree's at its position; the walk reaches every leaf once.
	#[test]
	fn walks_reach_every_leaf_through_real_nodes() {
		for n in 1..=70u32 {
			let leaves: Vec<H256> = (0..n).map(|i| hash(&i.to_le_bytes())).collect();
			let rows = rows(&leaves);
			assert_eq!(rows.last().and_then(|r| r.first()), Some(&trace_root(&leaves)));
			let at = |c: &TreeCursor| rows[c.level as usize][c.position as usize];
			let root = TreeCursor::root(n);
			assert_eq!(at(&root), trace_root(&leaves), "n={n}");
			for target in 0..n {
				let mut c = root;
				let mut steps = 0;
				while c.leaf().is_none() {
					let (l, r) = (c.child(false).unwrap(), c.child(true).unwrap());
					let (lh, rh) = (
						rows[c.level as usize - 1][c.position as usize * 2],
						rows[c.level as usize - 1][c.position as usize * 2 + 1],
					);
					let mut b = [0u8; 64];
					b[..32].copy_from_slice(lh.as_bytes());
					b[32..].copy_from_slice(rh.as_bytes());
					assert_eq!(hash(&b), at(&c));
					assert_eq!((at(&l), at(&r)), (lh, rh));
					// Go towards `target`: its position in row `level - 1` decides the side.
					let below = target >> (c.level - 1);
					c = if below > c.position * 2 { r } else { l };
					steps += 1;
				}
				assert_eq!(c.leaf(), Some(target), "n={n}");
				assert_eq!(at(&c), leaves[target as usize]);
				assert!(steps <= 7);
			}
		}
	}

	#[test]
	fn extreme_counts_do_not_panic() {
		for n in [0, 1, 2, u32::MAX - 1, u32::MAX] {
			let mut c = TreeCursor::root(n);
			while let Some(next) = c.child(true) {
				c = next;
			}
			assert!(c.leaf().is_some());
		}
	}
}
