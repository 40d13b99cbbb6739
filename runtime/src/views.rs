//! Models and jobs as the runtime API presents them.

use alloc::vec::Vec;
use frame_support::traits::Get;
use pallet_verity_inference::{JobId, JobTensor};
use pallet_verity_models::{IoSpec, ModelId};
use verity_primitives::{cost::ModelCost, graph::Graph};
use verity_runtime_api::{JobView, ModelView, MAX_JOB_PAGE, MAX_PAGE};

use super::{AccountId, Balance, BlockNumber, Runtime};

type Models = pallet_verity_models::Models<Runtime>;
type Inference = pallet_verity_inference::Pallet<Runtime>;

/// A model as the API shows it.
pub type Model = ModelView<AccountId, Balance, BlockNumber>;
/// A job as the API shows it.
pub type Job = JobView<AccountId, Balance, BlockNumber>;

/// A model, with what a job on it costs now.
pub fn model(id: ModelId) -> Option<Model> {
	Models::get(id).map(|m| view(id, m))
}

/// Up to `limit` models after `after`.
pub fn models(after: Option<ModelId>, limit: u32) -> Vec<Model> {
	let limit = limit.min(MAX_PAGE) as usize;
	let iter = match after {
		Some(id) => Models::iter_from(Models::hashed_key_for(id)),
		None => Models::iter(),
	};
	iter.take(limit).map(|(id, m)| view(id, m)).collect()
}

/// Up to `limit` (at most `MAX_PAGE`) open dispute games after game `after`, in storage order.
pub fn disputes(
	after: Option<pallet_verity_disputes::GameId>,
	limit: u32,
) -> Vec<(pallet_verity_disputes::GameId, pallet_verity_disputes::GameOf<Runtime>)> {
	use pallet_verity_disputes::Games;
	let limit = limit.min(MAX_PAGE) as usize;
	let iter = match after {
		Some(id) => Games::<Runtime>::iter_from(Games::<Runtime>::hashed_key_for(id)),
		None => Games::<Runtime>::iter(),
	};
	iter.take(limit).collect()
}

/// A model's ONNX bytes.
pub fn model_bytes(id: ModelId) -> Option<Vec<u8>> {
	pallet_verity_models::Pallet::<Runtime>::model_bytes(&id)
}

/// A job with its tensors and the names of its model's inputs and outputs.
pub fn job(id: JobId) -> Option<Job> {
	let (job, inputs, outputs) = Inference::job_with_data(id)?;
	let names = |specs: &[IoSpec]| specs.iter().map(|s| s.name.to_vec()).collect::<Vec<_>>();
	let (input_names, output_names) =
		Models::get(job.model).map(|m| (names(&m.inputs), names(&m.outputs))).unwrap_or_default();
	let wire = |ts: &[JobTensor<_>]| ts.iter().map(JobTensor::to_tensor_bytes).collect::<Vec<_>>();
	Some(JobView {
		id,
		inputs: wire(&inputs),
		outputs: outputs.map(|o| wire(&o)),
		job,
		input_names,
		output_names,
	})
}

/// The canonical graph of `onnx` and its cost within the chain's budget, or the import error.
pub fn import_model(onnx: &[u8]) -> Result<(Graph, ModelCost), Vec<u8>> {
	use alloc::string::ToString;
	let budget: verity_primitives::cost::Budget =
		<Runtime as pallet_verity_models::Config>::Budget::get();
	let max_bytes: u32 = <Runtime as pallet_verity_models::Config>::MaxModelBytes::get();
	let max_bytes = (max_bytes as usize).min(verity_primitives::limits::MAX_MODEL_BYTES);
	let graph =
		Graph::from_onnx_up_to(onnx, max_bytes, &budget).map_err(|e| e.to_string().into_bytes())?;
	let cost = graph.cost(&budget).map_err(|e| e.to_string().into_bytes())?;
	Ok((graph, cost))
}

/// Up to `limit` jobs of `who` after job `after`.
pub fn account_jobs(who: AccountId, after: Option<JobId>, limit: u32) -> Vec<Job> {
	Inference::jobs_of(&who, after, limit.min(MAX_JOB_PAGE)).into_iter().filter_map(job).collect()
}

fn view(id: ModelId, m: pallet_verity_models::ModelInfoOf<Runtime>) -> Model {
	let job_cost = Inference::execution_fee(m.nodes, m.cost.work).saturating_add(m.price);
	ModelView {
		id,
		owner: m.owner,
		name: m.name.to_vec(),
		version: m.version,
		price: m.price,
		deposit: m.deposit,
		size: m.size,
		graph_size: m.graph_size,
		nodes: m.nodes,
		cost: m.cost,
		inputs: m.inputs.to_vec(),
		outputs: m.outputs.to_vec(),
		status: m.status,
		open_jobs: m.open_jobs,
		registered_at: m.registered_at,
		job_cost,
	}
}

/// The one-step as the runtime computes it (the `VerityApi_dispute_step` runtime API). Any RPC
/// caller reaches it through `state_call`, so the node it is given is bounded first.
pub fn dispute_step(
	node: verity_primitives::dispute::StepNode,
	inputs: Vec<verity_runtime_api::StepInputData>,
	witness: Vec<verity_primitives::dispute::InputWitness>,
	output: u32,
	chunk: u32,
) -> Result<verity_primitives::dispute::StepVerdict, Vec<u8>> {
	use verity_primitives::{
		dispute::InputData,
		limits::{MAX_CHUNK_FAN_IN, MAX_NODE_IO},
		ops::NodeTypes,
		tensor::{checked_numel, shape_from_u64},
	};
	use verity_runtime_api::StepInputData;
	let refuse = |why: &str| why.as_bytes().to_vec();
	// The node comes from the caller, not from an imported model: bound it as the importer
	// does before running anything (valid static shapes, the cost model's fan-in).
	if node.inputs.len() > MAX_NODE_IO || node.outputs.len() > MAX_NODE_IO {
		return Err(refuse("too many inputs or outputs"));
	}
	let headers = node.inputs.iter().flatten().map(|i| &i.header).chain(node.outputs.iter());
	for h in headers {
		shape_from_u64(&h.shape)
			.and_then(|s| checked_numel(&s))
			.map_err(|_| refuse("bad shape"))?;
	}
	let (ins, outs) = node.types();
	let cost =
		verity_primitives::cost::node_cost(&node.op, &NodeTypes { inputs: &ins, outputs: &outs })
			.ok_or_else(|| refuse("cost overflows"))?;
	if cost.fan_in > MAX_CHUNK_FAN_IN || cost.fan_in != node.fan_in {
		return Err(refuse("fan-in over the limit or not the node's"));
	}
	let chunks: usize = witness.iter().map(|w| w.chunks.len()).sum();
	let max_chunks: u32 = <Runtime as pallet_verity_disputes::Config>::MaxWitnessChunks::get();
	if chunks > max_chunks as usize {
		return Err(refuse("witness too large"));
	}
	let mut data = Vec::with_capacity(inputs.len());
	for (input, spec) in inputs.into_iter().zip(node.inputs.iter().chain(core::iter::repeat(&None)))
	{
		data.push(match input {
			StepInputData::Absent => InputData::Absent,
			StepInputData::Root(r) => InputData::Root(r),
			StepInputData::Dense(t) => {
				if spec.as_ref().map(|s| &s.header) != Some(&t.header) {
					return Err(refuse("a dense input does not fit its type"));
				}
				InputData::Dense(t.to_tensor().map_err(|e| alloc::format!("{e:?}").into_bytes())?)
			},
		});
	}
	verity_primitives::dispute::one_step(&node, &data, &witness, output, chunk)
		.map_err(|e| alloc::format!("{e:?}").into_bytes())
}
