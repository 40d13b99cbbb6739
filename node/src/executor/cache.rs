//! Loaded models, the least recently used evicted first.

use std::{collections::VecDeque, sync::Arc};

use verity_engine::LoadedModel;
use verity_primitives::commitment::H256;

/// A bounded cache of loaded models.
pub struct ModelCache {
	capacity: usize,
	/// Most recently used last.
	entries: VecDeque<(H256, Arc<LoadedModel>)>,
}

impl ModelCache {
	/// An empty cache of at most `capacity` models.
	pub fn new(capacity: usize) -> ModelCache {
		ModelCache { capacity: capacity.max(1), entries: VecDeque::new() }
	}

	/// Whether `id` is cached.
	pub fn contains(&self, id: &H256) -> bool {
		self.entries.iter().any(|(k, _)| k == id)
	}

	/// The model `id`, marked as just used.
	pub fn get(&mut self, id: &H256) -> Option<Arc<LoadedModel>> {
		let pos = self.entries.iter().position(|(k, _)| k == id)?;
		let entry = self.entries.remove(pos)?;
		let model = entry.1.clone();
		self.entries.push_back(entry);
		Some(model)
	}

	/// Caches `model` as `id`, evicting the least recently used beyond capacity; returns the
	/// number of models cached.
	pub fn insert(&mut self, id: H256, model: Arc<LoadedModel>) -> usize {
		self.entries.retain(|(k, _)| *k != id);
		self.entries.push_back((id, model));
		while self.entries.len() > self.capacity {
			self.entries.pop_front();
		}
		self.entries.len()
	}

	/// Drops every cached model.
	pub fn clear(&mut self) {
		self.entries.clear();
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use verity_primitives::onnx::zoo;

	fn model() -> Arc<LoadedModel> {
		Arc::new(LoadedModel::load(&zoo::mlp(&[4, 3, 2], 1).unwrap()).unwrap())
	}

	#[test]
	fn evicts_the_least_recently_used() {
		let m = model();
		let mut cache = ModelCache::new(2);
		let (a, b, c) = (H256::repeat_byte(1), H256::repeat_byte(2), H256::repeat_byte(3));
		cache.insert(a, m.clone());
		cache.insert(b, m.clone());
		assert!(cache.get(&a).is_some());
		assert_eq!(cache.insert(c, m), 2);
		assert!(cache.contains(&a) && cache.contains(&c));
		assert!(!cache.contains(&b));
	}
}
