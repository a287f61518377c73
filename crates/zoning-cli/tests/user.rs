//! `zoning user …` as an administrator runs it: the built binary on a
//! temporary database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn zoning(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zoning"))
        .args(args)
        .env("ZONING_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zoning runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("zoning ends")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn add_password_rotate_revoke_list_and_audit() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("r.db");
    let db = db.to_str().expect("path");

    // the token alone on standard output, the explanation on standard error
    let out = zoning(
        &[
            "user",
            "add",
            "--db",
            db,
            "--name",
            "lan",
            "--role",
            "planner",
            "--expires-days",
            "30",
        ],
        None,
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        stdout.starts_with("zt_") && stdout.trim_end().len() == 67,
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown only once"));

    let added = json(&zoning(
        &[
            "user", "add", "--db", db, "--name", "minh", "--role", "admin", "--format", "json",
        ],
        None,
    ));
    assert_eq!(added["role"], "admin");
    let first = added["token"].as_str().expect("token").to_owned();

    // a short password is refused, and nothing is set
    let short = zoning(
        &["user", "password", "--db", db, "--name", "lan"],
        Some("123456789\n"),
    );
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    let ok = zoning(
        &["user", "password", "--db", db, "--name", "lan"],
        Some("ten chars!\n"),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let rotated = json(&zoning(
        &[
            "user", "rotate", "--db", db, "--name", "minh", "--format", "json",
        ],
        None,
    ));
    assert_ne!(rotated["token"], first.as_str());

    let revoked = json(&zoning(
        &[
            "user", "revoke", "--db", db, "--name", "minh", "--format", "json",
        ],
        None,
    ));
    assert_eq!(revoked["revoked_tokens"], 1);

    let users = json(&zoning(
        &["user", "list", "--db", db, "--format", "json"],
        None,
    ));
    let users = users["users"].as_array().expect("users");
    let lan = users.iter().find(|u| u["name"] == "lan").expect("lan");
    assert_eq!(lan["has_password"], true);
    assert_eq!(lan["live_tokens"], 1);
    let minh = users.iter().find(|u| u["name"] == "minh").expect("minh");
    assert_eq!(minh["live_tokens"], 0);
    assert!(minh["disabled_at"].is_string());

    let events = json(&zoning(
        &["user", "audit", "--db", db, "--format", "json"],
        None,
    ));
    let actions: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "user.revoke",
            "user.rotate",
            "user.password",
            "user.add",
            "user.add"
        ]
    );
    // a database that is not there is not created by these commands
    let missing = dir.path().join("missing.db");
    let out = zoning(
        &["user", "list", "--db", missing.to_str().expect("path")],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}
