//! [`CliError`]: every way a command can fail, each printed as one line `error: ...`.

use std::fmt;

use subxt::error::{DispatchError, TransactionEventsError};

/// Why a command failed. `Display` is one line without the `error: ` prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliError {
	/// The node could not be reached.
	Connect {
		/// The URL given with `--url`.
		url: String,
		/// Why the connection failed.
		reason: String,
	},
	/// The extrinsic was included but failed, e.g. `Models.AlreadyRegistered`.
	Dispatch(String),
	/// The transaction pool refused or dropped the transaction.
	Transaction(String),
	/// A JSON-RPC call failed.
	Rpc {
		/// The method called.
		method: String,
		/// The node's or the client's message.
		reason: String,
	},
	/// A bad argument or input file.
	Input(String),
	/// The chain answered something the tool cannot use (missing constant, event, field).
	Chain(String),
	/// A job ended badly or could not be followed (refunded, timed out, vanished).
	Job(String),
}

impl CliError {
	/// A [`CliError::Rpc`] for `method`.
	pub fn rpc(method: &str, reason: impl fmt::Display) -> CliError {
		CliError::Rpc { method: method.to_string(), reason: rpc_reason(&reason.to_string()) }
	}

	/// A [`CliError::Chain`] from any error of the chain client.
	pub fn chain(e: impl fmt::Display) -> CliError {
		CliError::Chain(e.to_string())
	}
}

impl fmt::Display for CliError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let text = match self {
			CliError::Connect { url, reason } => format!("cannot connect to {url}: {reason}"),
			CliError::Dispatch(line) => line.clone(),
			CliError::Transaction(msg) => format!("transaction {msg}"),
			CliError::Rpc { method, reason } => format!("{method}: {reason}"),
			CliError::Input(msg) | CliError::Chain(msg) | CliError::Job(msg) => msg.clone(),
		};
		f.write_str(&one_line(&text))
	}
}

impl std::error::Error for CliError {}

/// `text` on one line: every run of whitespace (newlines included) becomes one space.
pub fn one_line(text: &str) -> String {
	text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message of an RPC error without subxt's `RPC error: client error: ` style prefixes
/// (which may nest).
pub fn rpc_reason(text: &str) -> String {
	let mut rest = text;
	while let Some(inner) = ["RPC error: ", "client error: ", "User error: "]
		.iter()
		.find_map(|prefix| rest.strip_prefix(prefix))
	{
		rest = inner;
	}
	rest.to_string()
}

/// A dispatch error as `Pallet.Variant`: `Models.AlreadyRegistered`, `Token.FundsUnavailable`,
/// `Arithmetic.Overflow` or the bare variant (`BadOrigin`) for errors without a payload.
pub fn dispatch_error_line(e: &DispatchError) -> String {
	match e {
		DispatchError::Module(m) => match m.details() {
			Ok(d) => format!("{}.{}", d.pallet.name(), d.variant.name),
			Err(_) => {
				format!("Module.Unknown(pallet {}, error {})", m.pallet_index(), m.error_index())
			},
		},
		DispatchError::Token(t) => format!("Token.{t:?}"),
		DispatchError::Arithmetic(a) => format!("Arithmetic.{a:?}"),
		DispatchError::Transactional(t) => format!("Transactional.{t:?}"),
		other => format!("{other:?}"),
	}
}

/// The error of waiting for an included extrinsic's events: a failed dispatch becomes
/// [`CliError::Dispatch`], anything else a [`CliError::Chain`].
pub fn events_error(e: TransactionEventsError) -> CliError {
	match e {
		TransactionEventsError::ExtrinsicFailed(d) => CliError::Dispatch(dispatch_error_line(&d)),
		other => CliError::chain(other),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn errors_print_on_one_line() {
		let e = CliError::Connect {
			url: "ws://127.0.0.1:9944".into(),
			reason: "Connection refused\n (os error 111)".into(),
		};
		assert_eq!(
			e.to_string(),
			"cannot connect to ws://127.0.0.1:9944: Connection refused (os error 111)"
		);
		assert_eq!(
			CliError::Dispatch("Models.AlreadyRegistered".into()).to_string(),
			"Models.AlreadyRegistered"
		);
		assert_eq!(
			CliError::Transaction("invalid: Inability to pay some fees".into()).to_string(),
			"transaction invalid: Inability to pay some fees"
		);
		assert_eq!(CliError::Job("job 4 was refunded".into()).to_string(), "job 4 was refunded");
	}

	#[test]
	fn rpc_errors_drop_client_prefixes() {
		let e = CliError::rpc("verity_model", "RPC error: client error: Method not found");
		assert_eq!(e.to_string(), "verity_model: Method not found");
		let e = CliError::rpc("verity_job", "User error: Invalid params (-32602)");
		assert_eq!(e.to_string(), "verity_job: Invalid params (-32602)");
		let e = CliError::rpc("x", "RPC error: client error: RPC error: client error: refused");
		assert_eq!(e.to_string(), "x: refused");
		let e = CliError::rpc("verity_job", "timeout");
		assert_eq!(e, CliError::Rpc { method: "verity_job".into(), reason: "timeout".into() });
	}

	#[test]
	fn payload_free_dispatch_errors_print_their_variant() {
		assert_eq!(dispatch_error_line(&DispatchError::BadOrigin), "BadOrigin");
		assert_eq!(dispatch_error_line(&DispatchError::Exhausted), "Exhausted");
	}
}
