//! Benchmarks of the models pallet: each dispatchable at the sizes its weight depends on.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::unwrap_used,
	reason = "benchmark setup, compiled only with `runtime-benchmarks`: a failed setup is a failed benchmark, never a dispatch"
)]

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;
use verity_primitives::onnx::zoo;

/// A funded account.
fn owner<T: Config>() -> T::AccountId {
	let who: T::AccountId = account("owner", 0, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// Most ONNX bytes one canonical constant costs in [`model`]'s framing (measured: about 45).
const BYTES_PER_CONSTANT: u32 = 128;

/// The least model size the benchmarks use: room for `MaxConstants` constants.
fn min_bytes<T: Config>() -> u32 {
	T::MaxConstants::get().saturating_mul(BYTES_PER_CONSTANT).max(4_096)
}

/// Inputs of [`model`]'s first layer: few enough that no output chunk of any of its layers
/// reads more than the chunk fan-in limit (`Budget::chunk_fan_in`), at any model size.
const FIRST_LAYER_INPUTS: u32 = 256;

/// A valid model of at most `b` bytes with `k` (rounded up to even, at least 2) constants:
/// an MLP of `k / 2` layers, `FIRST_LAYER_INPUTS` inputs to `width` units and then one unit per
/// layer, whose first two layers' weights take all but the ONNX framing. Its bytes are in the
/// first layer's width, not in one long dot product, so that every size stays within the
/// runtime's budget (a 2 MiB model of one 512 Ki-input unit would break the fan-in limit).
fn model(b: u32, k: u32) -> Vec<u8> {
	let layers = (k.div_ceil(2)).max(1) as usize;
	let build = |width: u32| {
		let mut sizes = vec![FIRST_LAYER_INPUTS as usize, width as usize];
		sizes.resize(layers + 1, 1);
		zoo::mlp(&sizes, 1).expect("the zoo builds MLPs")
	};
	// Bytes per unit of width: its weights and bias, and its weight in the next layer.
	let per_unit = 4 * (FIRST_LAYER_INPUTS + 1 + u32::from(layers > 1));
	let framing = build(1).len() as u32;
	let mut width = (b.saturating_sub(framing) / per_unit).max(1);
	let mut bytes = build(width);
	// Longer dims and lengths can add a few framing bytes: shrink until it fits.
	while bytes.len() as u32 > b && width > 1 {
		width = width.saturating_sub((bytes.len() as u32 - b).div_ceil(per_unit)).max(1);
		bytes = build(width);
	}
	bytes
}

/// A small valid model.
fn model_bytes(b: u32) -> Vec<u8> {
	model(b, 2)
}

/// Starts an upload of `bytes` by `who` and sends every chunk.
fn upload<T: Config>(who: &T::AccountId, bytes: &[u8]) -> ModelId {
	let id = Pallet::<T>::model_id(bytes);
	Pallet::<T>::begin_upload(RawOrigin::Signed(who.clone()).into(), id, bytes.len() as u32)
		.expect("a funded owner starts an upload");
	for (i, chunk) in bytes.chunks(T::ChunkBytes::get() as usize).enumerate() {
		Pallet::<T>::upload_chunk(
			RawOrigin::Signed(who.clone()).into(),
			id,
			i as u32,
			chunk.to_vec().try_into().expect("chunk-sized"),
		)
		.expect("every chunk fits");
	}
	id
}

fn name<T: Config>() -> BoundedVec<u8, T::MaxNameLen> {
	BoundedVec::truncate_from(b"benchmark".to_vec())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Registering a model of `b` bytes and `k` constants in one extrinsic.
	#[benchmark]
	fn register(
		b: Linear<{ min_bytes::<T>() }, { T::MaxInlineBytes::get() }>,
		k: Linear<2, { T::MaxConstants::get() }>,
	) {
		let who = owner::<T>();
		let bytes = model(b, k);
		let id = Pallet::<T>::model_id(&bytes);
		assert!(bytes.len() as u32 <= b);
		let bytes: BoundedVec<u8, T::MaxInlineBytes> =
			bytes.try_into().map_err(|_| "too large").expect("within MaxInlineBytes");

		#[extrinsic_call]
		_(RawOrigin::Signed(who), bytes, name::<T>(), 1, 1u32.into());

		assert!(Models::<T>::get(id).is_some_and(|m| m.constants >= k));
	}

	/// Registering the model whose import folds the most expensive work per unit the fold
	/// budget allows (see `examples/fold.rs` of the primitives).
	#[benchmark]
	fn fold_worst() {
		let who = owner::<T>();
		let bytes = verity_primitives::onnx::adversarial::worst_fold().expect("the corpus builds");
		let id = Pallet::<T>::model_id(&bytes);
		let bytes: BoundedVec<u8, T::MaxInlineBytes> =
			bytes.try_into().map_err(|_| "too large").expect("within MaxInlineBytes");

		#[extrinsic_call]
		register(RawOrigin::Signed(who), bytes, name::<T>(), 1, 1u32.into());

		assert!(Models::<T>::contains_key(id));
	}

	#[benchmark]
	fn begin_upload() {
		let who = owner::<T>();
		let id = ModelId::repeat_byte(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, T::MaxModelBytes::get());

		assert!(Uploads::<T>::contains_key(id, who));
	}

	/// One chunk of `b` bytes.
	#[benchmark]
	fn upload_chunk(b: Linear<1, { T::ChunkBytes::get() }>) {
		let who = owner::<T>();
		let id = ModelId::repeat_byte(1);
		Pallet::<T>::begin_upload(RawOrigin::Signed(who.clone()).into(), id, b)
			.expect("a funded owner starts an upload");
		let data: BoundedVec<u8, T::ChunkBytes> =
			vec![0u8; b as usize].try_into().expect("chunk-sized");

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, 0, data);

		assert!(UploadChunks::<T>::contains_key((id, who, 0)));
	}

	/// Checking and registering an uploaded model of `b` bytes and `k` constants.
	#[benchmark]
	fn finish_upload(
		b: Linear<{ min_bytes::<T>() }, { T::MaxModelBytes::get() }>,
		k: Linear<2, { T::MaxConstants::get() }>,
	) {
		let who = owner::<T>();
		let bytes = model(b, k);
		assert!(bytes.len() as u32 <= b);
		let id = upload::<T>(&who, &bytes);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, name::<T>(), 1, 1u32.into());

		assert!(Models::<T>::get(id).is_some_and(|m| m.constants >= k));
	}

	/// Cancelling an upload of `c` chunks.
	#[benchmark]
	fn cancel_upload(c: Linear<1, { T::MaxModelBytes::get().div_ceil(T::ChunkBytes::get()) }>) {
		let who = owner::<T>();
		let bytes = vec![0u8; (c * T::ChunkBytes::get()) as usize];
		let id = upload::<T>(&who, &bytes);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id);

		assert!(!Uploads::<T>::contains_key(id, who));
	}

	/// Reaping an expired upload of `c` chunks.
	#[benchmark]
	fn reap_upload(c: Linear<1, { T::MaxModelBytes::get().div_ceil(T::ChunkBytes::get()) }>) {
		let who = owner::<T>();
		let bytes = vec![0u8; (c * T::ChunkBytes::get()) as usize];
		let id = upload::<T>(&who, &bytes);
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + T::UploadLifetime::get(),
		);
		let reaper: T::AccountId = account("reaper", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(reaper), id, who.clone());

		assert!(!Uploads::<T>::contains_key(id, who));
	}

	#[benchmark]
	fn deprecate() {
		let who = owner::<T>();
		let bytes = model_bytes(4_096);
		let id = Pallet::<T>::model_id(&bytes);
		Pallet::<T>::register(
			RawOrigin::Signed(who.clone()).into(),
			bytes.try_into().map_err(|_| "too large").expect("small"),
			name::<T>(),
			1,
			1u32.into(),
		)
		.expect("valid");

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);

		assert_eq!(Models::<T>::get(id).map(|m| m.status), Some(ModelStatus::Deprecated));
	}

	/// Removing a model of `c` chunks and `k` constants.
	#[benchmark]
	fn remove(
		c: Linear<
			{ min_bytes::<T>().div_ceil(T::ChunkBytes::get()) },
			{ T::MaxModelBytes::get().div_ceil(T::ChunkBytes::get()) },
		>,
		k: Linear<2, { T::MaxConstants::get() }>,
	) {
		let who = owner::<T>();
		let bytes = model((c * T::ChunkBytes::get()).min(T::MaxModelBytes::get()), k);
		let id = upload::<T>(&who, &bytes);
		Pallet::<T>::finish_upload(
			RawOrigin::Signed(who.clone()).into(),
			id,
			name::<T>(),
			1,
			1u32.into(),
		)
		.expect("valid");

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);

		assert!(!Models::<T>::contains_key(id));
		assert_eq!(Constants::<T>::iter_prefix(id).count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

#[cfg(test)]
mod sizes {
	use super::*;
	use verity_primitives::{cost::Budget, graph::Graph, limits::MAX_MODEL_BYTES};

	/// The benchmarks' models are valid at the real runtime's sizes too (the mock's are far
	/// smaller): within the default budget, at most `b` bytes, `k` constants, from the least
	/// size to the largest model.
	#[test]
	fn the_benchmark_models_import_within_the_budget_at_every_size() {
		for b in [4_096, 1 << 17, 2 << 20, MAX_MODEL_BYTES as u32] {
			for k in [2, 64, 1024] {
				let bytes = model(b.max(k * BYTES_PER_CONSTANT), k);
				assert!(bytes.len() as u32 <= b.max(k * BYTES_PER_CONSTANT), "b = {b}, k = {k}");
				let graph = Graph::from_onnx_within(&bytes, &Budget::DEFAULT)
					.unwrap_or_else(|e| panic!("b = {b}, k = {k}: {e}"));
				assert_eq!(graph.constants.len() as u32, k, "b = {b}, k = {k}");
				if b == MAX_MODEL_BYTES as u32 {
					assert!(bytes.len() > b as usize * 9 / 10, "the bytes fill the size");
				}
			}
		}
	}
}
