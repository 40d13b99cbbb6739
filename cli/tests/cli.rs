//! The `verity` binary itself: help, and a malformed command line refused with one line.
//! (Its use against a real node is `node/tests/e2e.rs`, which runs this binary.)

use std::process::Command;

fn verity(args: &[&str]) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_verity")).args(args).output().expect("verity runs")
}

#[test]
fn help_lists_the_commands() {
	let out = verity(&["--help"]);
	assert!(out.status.success());
	let text = String::from_utf8_lossy(&out.stdout);
	for command in ["model", "job", "executor"] {
		assert!(text.contains(command), "help lacks {command}: {text}");
	}
}

#[test]
fn a_malformed_command_line_is_one_error_line_and_status_2() {
	let out = verity(&["job", "submit", "--count", "0"]);
	assert_eq!(out.status.code(), Some(2));
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
	assert!(stderr.starts_with("error:"), "{stderr}");
}
