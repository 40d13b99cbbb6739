//! The pallet's storage invariants, checked by `try_state`, after every block of this pallet's
//! tests and by the pallets that use it in theirs.

use crate::{pallet::*, ModelStatus};
use alloc::{collections::BTreeMap, format};
use frame_support::traits::fungible::InspectHold;
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the models storage:
	///
	/// - every model has all its byte chunks and its graph;
	/// - every model has one dispute index entry per node, a trace layout of its nodes, and
	///   one constant root per constant, equal to the root of the constant's data;
	/// - every upload's `received` counts its stored chunks, none past its size;
	/// - the `ModelDeposit` hold of each account is the deposits of its models and uploads.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let fail = |what: alloc::string::String| -> TryRuntimeError {
			TryRuntimeError::Other(alloc::boxed::Box::leak(what.into_boxed_str()))
		};
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, m) in Models::<T>::iter() {
			let chunks = Self::chunks_of(m.size);
			if (0..chunks).any(|i| !ModelBytes::<T>::contains_key(id, i)) {
				return Err(fail(format!("model {id:?}: a chunk of its bytes is missing")));
			}
			if !Graphs::<T>::contains_key(id) {
				return Err(fail(format!("model {id:?}: no graph")));
			}
			let index = StepNodes::<T>::iter_key_prefix(id).count() as u32;
			if index != m.nodes || (0..m.nodes).any(|k| Self::step_node(&id, k).is_none()) {
				return Err(fail(format!(
					"model {id:?}: {index} index entries, {} nodes",
					m.nodes
				)));
			}
			if ConstantRoots::<T>::iter_key_prefix(id).count() as u32 != m.constants {
				return Err(fail(format!("model {id:?}: a constant root is missing")));
			}
			for (v, root) in ConstantRoots::<T>::iter_prefix(id) {
				let data = Constants::<T>::get(id, v).unwrap_or_default();
				let graph = Self::canonical_graph(&id);
				let header = graph
					.as_ref()
					.and_then(|g| g.constants.iter().find(|(c, _)| *c == v))
					.map(|(_, t)| t.header.clone());
				let computed = header.and_then(|header| {
					verity_primitives::tensor::TensorBytes { header, data: data.into_inner() }
						.to_tensor()
						.ok()
				});
				if computed.map(|t| verity_primitives::commitment::tensor_root(&t)) != Some(root) {
					return Err(fail(format!(
						"model {id:?}: constant {v}'s root is not its data's"
					)));
				}
			}
			let layout = Self::trace_layout(&id);
			if layout.map(|l| l.node_outputs.len() as u32) != Some(m.nodes) {
				return Err(fail(format!("model {id:?}: no trace layout of {} nodes", m.nodes)));
			}
			if m.status == ModelStatus::Active && m.nodes == 0 {
				return Err(fail(format!("model {id:?}: an active model of no nodes")));
			}
			let d = deposits.entry(m.owner).or_insert_with(Zero::zero);
			*d = d.saturating_add(m.deposit);
		}
		for (id, who, upload) in Uploads::<T>::iter() {
			let stored = UploadChunks::<T>::iter_key_prefix((id, who.clone())).count() as u32;
			if stored != upload.received || upload.received > Self::chunks_of(upload.size) {
				return Err(fail(format!("upload of {id:?}: {stored} chunks stored")));
			}
			if upload.owner != who {
				return Err(fail(format!("upload of {id:?}: keyed by another account")));
			}
			let d = deposits.entry(who).or_insert_with(Zero::zero);
			*d = d.saturating_add(upload.deposit);
		}
		let reason = HoldReason::ModelDeposit.into();
		for (who, deposit) in deposits {
			if T::Currency::balance_on_hold(&reason, &who) != deposit {
				return Err("an account's ModelDeposit hold differs from its deposits".into());
			}
		}
		Ok(())
	}
}
