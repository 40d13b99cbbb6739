//! `verity job submit | show` (`watch` is in [`crate::watch`]).

use std::path::PathBuf;

use serde_json::json;
use subxt_signer::sr25519::Keypair;

use crate::{
	args::SubmitJob,
	calls::{self, JobTensorArg},
	chain::Chain,
	error::CliError,
	events::{self, JobSubmitted},
	output::{job_text, json_line, u128_field},
	rpc,
};

/// Jobs of one `--count N` submission in the pool at once, not yet in a block.
const JOBS_IN_FLIGHT: usize = 64;

/// Submits `s.count` identical jobs on `s.model` with the tensors of `s.inputs` and prints
/// their ids.
///
/// The most a job may cost defaults to the model's `job_cost` (fee plus royalty). Several jobs
/// go out pipelined ([`Chain::submit_pipelined`]): increasing nonces, [`JOBS_IN_FLIGHT`] at a
/// time, all in a best block before anything is printed.
pub async fn submit(
	chain: &Chain,
	signer: &Keypair,
	s: &SubmitJob,
	json: bool,
) -> Result<(), CliError> {
	let inputs = job_tensors(&s.inputs)?;
	let max_fee = match s.max_fee {
		Some(fee) => fee,
		None => u128_field(&rpc::known_model(chain, &s.model).await?, "job_cost")?,
	};
	let jobs = (0..s.count).map(|_| calls::submit(s.model, inputs.clone(), max_fee));
	let submitted = chain
		.submit_pipelined(jobs, signer, JOBS_IN_FLIGHT, |events| {
			events::find::<JobSubmitted>(&events, "Inference.JobSubmitted")
		})
		.await?;
	println!("{}", submitted_text(&submitted, json));
	Ok(())
}

/// The job tensors of the files `paths` (`.pb`, `.npy` or `.json`), in order.
pub fn job_tensors(paths: &[PathBuf]) -> Result<Vec<JobTensorArg>, CliError> {
	let tensors =
		verity_tensor_files::read_tensors(paths).map_err(|e| CliError::Input(e.to_string()))?;
	tensors.iter().map(JobTensorArg::from_tensor).collect()
}

/// The result of a submission, as text (a line per job) or JSON: `{"job_id":N}` for one job,
/// `{"job_ids":[...]}` for several.
fn submitted_text(jobs: &[JobSubmitted], json: bool) -> String {
	match jobs {
		[ev] if json => json_line(&json!({ "job_id": ev.job })),
		_ if json => {
			json_line(&json!({ "job_ids": jobs.iter().map(|ev| ev.job).collect::<Vec<_>>() }))
		},
		_ => jobs
			.iter()
			.map(|ev| format!("job {} submitted (fee {}, royalty {})", ev.job, ev.fee, ev.royalty))
			.collect::<Vec<_>>()
			.join("\n"),
	}
}

/// Prints the job `id`; an unknown job is an error.
pub async fn show(chain: &Chain, id: u64, json: bool) -> Result<(), CliError> {
	let job = rpc::known_job(chain, id).await?;
	println!("{}", if json { json_line(&job) } else { job_text(&job) });
	Ok(())
}

#[cfg(test)]
mod tests {
	use subxt::utils::{AccountId32, H256};

	use super::*;
	use crate::calls::DTypeArg;

	fn submitted(job: u64, fee: u128) -> JobSubmitted {
		JobSubmitted {
			job,
			model: H256([2; 32]),
			submitter: AccountId32([3; 32]),
			fee,
			royalty: 5,
			deposit: 24,
		}
	}

	#[test]
	fn submission_prints_the_job_and_its_price() {
		let one = [submitted(12, 1_000_000)];
		assert_eq!(submitted_text(&one, false), "job 12 submitted (fee 1000000, royalty 5)");
		assert_eq!(submitted_text(&one, true), r#"{"job_id":12}"#);
	}

	#[test]
	fn several_submissions_print_a_line_per_job_or_one_json_array() {
		let three = [submitted(7, 10), submitted(8, 10), submitted(9, 11)];
		assert_eq!(
			submitted_text(&three, false),
			"job 7 submitted (fee 10, royalty 5)\n\
			 job 8 submitted (fee 10, royalty 5)\n\
			 job 9 submitted (fee 11, royalty 5)"
		);
		assert_eq!(submitted_text(&three, true), r#"{"job_ids":[7,8,9]}"#);
	}

	#[test]
	fn tensor_files_become_job_tensors() {
		let dir = std::env::temp_dir().join(format!("verity-cli-job-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let json_file = dir.join("x.json");
		std::fs::write(&json_file, r#"{"dtype":"i64","shape":[2,1],"data":[-1,258]}"#).unwrap();
		let npy_file = dir.join("y.npy");
		let t = verity_primitives::tensor::Tensor::new(
			vec![3],
			verity_primitives::tensor::TensorData::Bool(vec![true, false, true]),
		)
		.unwrap();
		verity_tensor_files::write_tensor(&npy_file, "y", &t).unwrap();

		let got = job_tensors(&[json_file, npy_file]).unwrap();
		let mut data = (-1i64).to_le_bytes().to_vec();
		data.extend_from_slice(&258i64.to_le_bytes());
		assert_eq!(got[0], JobTensorArg { dtype: DTypeArg::I64, shape: vec![2, 1], data });
		assert_eq!(
			got[1],
			JobTensorArg { dtype: DTypeArg::Bool, shape: vec![3], data: vec![1, 0, 1] }
		);

		// A bad file is one input error naming it.
		let bad = dir.join("bad.json");
		std::fs::write(&bad, r#"{"dtype":"f64","shape":[1],"data":[1]}"#).unwrap();
		let e = job_tensors(&[bad]).unwrap_err();
		assert!(matches!(e, CliError::Input(_)), "{e:?}");
		assert!(e.to_string().contains("bad.json") && e.to_string().contains("'f64'"), "{e}");
		std::fs::remove_dir_all(dir).unwrap();
	}
}
