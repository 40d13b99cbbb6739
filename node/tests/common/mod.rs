//! Helpers for tests that run the real `verity-node` binary: free ports, a child process
//! stopped on drop, and a minimal JSON-RPC client over HTTP.
#![allow(dead_code)]

use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{TcpListener, TcpStream},
	path::PathBuf,
	process::{Child, Command, ExitStatus, Output, Stdio},
	sync::{Arc, Mutex},
	thread,
	time::{Duration, Instant},
};

/// How long a node may take to its first block (or, for a second node, to sync): starting
/// compiles the runtime (about 10 s of CPU alone), and `scripts/test.sh` runs the test streams
/// at once on two cores, so a dozen nodes may be starting together. A liveness bound, not a
/// speed check.
pub const START_TIMEOUT: Duration = Duration::from_secs(240);

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("the OS hands out a free port")
}

/// A running `verity-node`, killed on drop; its output is kept for failure messages.
pub struct Node {
	child: Option<Child>,
	log: Arc<Mutex<Vec<String>>>,
	/// The JSON-RPC port.
	pub rpc_port: u16,
	/// The Prometheus port.
	pub prometheus_port: u16,
	/// The p2p port.
	pub p2p_port: u16,
}

impl Node {
	/// Starts `verity-node` with `args` plus free RPC, p2p and Prometheus ports.
	pub fn start(args: &[&str]) -> Node {
		let bin = PathBuf::from(env!("CARGO_BIN_EXE_verity-node"));
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let mut child = Command::new(bin)
			.args(args)
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--port", &p2p_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.stdout(Stdio::piped())
			.stderr(Stdio::piped())
			.spawn()
			.expect("verity-node starts");
		let log = Arc::new(Mutex::new(Vec::new()));
		for out in [
			child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
			child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
		]
		.into_iter()
		.flatten()
		{
			let log = log.clone();
			thread::spawn(move || {
				for line in BufReader::new(out).lines().map_while(Result::ok) {
					if let Ok(mut l) = log.lock() {
						l.push(line);
					}
				}
			});
		}
		Node { child: Some(child), log, rpc_port, prometheus_port, p2p_port }
	}

	/// The last `n` lines the node printed.
	pub fn log_tail(&self, n: usize) -> String {
		let log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
		log[log.len().saturating_sub(n)..].join("\n")
	}

	/// Calls a JSON-RPC method and returns its `result`, or an error text.
	pub fn rpc(
		&self,
		method: &str,
		params: serde_json::Value,
	) -> Result<serde_json::Value, String> {
		let body =
			serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
				.to_string();
		let text = http_post(self.rpc_port, "/", &body)?;
		let v: serde_json::Value =
			serde_json::from_str(&text).map_err(|e| format!("bad JSON {text:?}: {e}"))?;
		match v.get("result") {
			Some(r) => Ok(r.clone()),
			None => Err(format!("RPC error: {v}")),
		}
	}

	/// Polls `f` every 500 ms until it returns `Some` or `timeout` passes.
	pub fn wait_for<T>(
		&self,
		timeout: Duration,
		mut f: impl FnMut(&Node) -> Option<T>,
	) -> Option<T> {
		let start = Instant::now();
		while start.elapsed() < timeout {
			if let Some(t) = f(self) {
				return Some(t);
			}
			thread::sleep(Duration::from_millis(500));
		}
		None
	}

	/// Sends SIGTERM and waits up to `timeout` for the node to exit; returns its status.
	pub fn stop(&mut self, timeout: Duration) -> Option<ExitStatus> {
		let mut child = self.child.take()?;
		let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
		let start = Instant::now();
		while start.elapsed() < timeout {
			if let Ok(Some(status)) = child.try_wait() {
				return Some(status);
			}
			thread::sleep(Duration::from_millis(100));
		}
		let _ = child.kill();
		let _ = child.wait();
		None
	}

	/// Kills the node's process (SIGKILL, as a crash would: no clean shutdown).
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

/// The number of a block header returned by `chain_getHeader`.
pub fn header_number(header: &serde_json::Value) -> Option<u64> {
	let hex = header.get("number")?.as_str()?.trim_start_matches("0x");
	u64::from_str_radix(hex, 16).ok()
}

/// A plain HTTP/1.1 POST of a JSON body to 127.0.0.1:`port`; returns the response body.
pub fn http_post(port: u16, path: &str, body: &str) -> Result<String, String> {
	let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
	s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
	let req = format!(
		"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	);
	s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
	read_body(s)
}

/// A plain HTTP/1.1 GET from 127.0.0.1:`port`; returns the response body.
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
	let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
	s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
	let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
	read_body(s)
}

fn read_body(mut s: TcpStream) -> Result<String, String> {
	let mut raw = Vec::new();
	s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
	let text = String::from_utf8_lossy(&raw);
	let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
	if !head.starts_with("HTTP/1.1 200") {
		return Err(format!("HTTP status: {}", head.lines().next().unwrap_or("")));
	}
	if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
		return Ok(dechunk(body));
	}
	Ok(body.to_string())
}

fn dechunk(mut body: &str) -> String {
	let mut out = String::new();
	while let Some((size, rest)) = body.split_once("\r\n") {
		let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
		if n == 0 || rest.len() < n {
			break;
		}
		out.push_str(&rest[..n]);
		body = rest[n..].trim_start_matches("\r\n");
	}
	out
}

/// The `verity` CLI, built next to `verity-node`.
pub fn cli_path() -> PathBuf {
	let node = PathBuf::from(env!("CARGO_BIN_EXE_verity-node"));
	let cli = node.with_file_name("verity");
	assert!(cli.exists(), "{} is missing: build the workspace first", cli.display());
	cli
}

/// Runs `verity --url … --suri SURI --json ARGS`.
pub fn verity(node: &Node, suri: &str, args: &[&str]) -> Output {
	Command::new(cli_path())
		.args(["--url", &format!("ws://127.0.0.1:{}", node.rpc_port), "--suri", suri, "--json"])
		.args(args)
		.output()
		.expect("the CLI runs")
}

/// The JSON on the last line of a successful CLI run.
pub fn ok_json(out: &Output, what: &str) -> serde_json::Value {
	assert!(
		out.status.success(),
		"{what} failed: {}{}",
		String::from_utf8_lossy(&out.stderr),
		String::from_utf8_lossy(&out.stdout)
	);
	let text = String::from_utf8_lossy(&out.stdout);
	let last = text.lines().last().unwrap_or_default();
	serde_json::from_str(last).unwrap_or_else(|e| panic!("{what}: bad JSON {last:?}: {e}"))
}

/// Asserts the CLI failed with one error line naming `error`.
pub fn refused(out: &Output, error: &str) {
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(
		!out.status.success(),
		"expected {error}, got success: {}",
		String::from_utf8_lossy(&out.stdout)
	);
	assert!(stderr.contains(error), "expected {error}, got: {stderr}");
	assert_eq!(stderr.trim().lines().count(), 1, "one error line: {stderr}");
}

/// `bytes` as lower-case hex digits.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string (with or without `0x`).
pub fn unhex(s: &str) -> Vec<u8> {
	let s = s.trim_start_matches("0x");
	(0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex")).collect()
}

/// Writes `bytes` to `dir/name`; its path.
pub fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
	let p = dir.join(name);
	std::fs::write(&p, bytes).expect("write temp file");
	p.to_string_lossy().into_owned()
}

/// An amount the node sends as a decimal string.
pub fn amount(v: &serde_json::Value) -> u128 {
	v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("an amount: {v}"))
}
