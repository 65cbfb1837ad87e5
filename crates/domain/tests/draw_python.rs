//! The independent verifier tools/verify_draw.py (standard-library Python) agrees
//! with the Rust one: it accepts the golden and freshly generated records, and on
//! tampered records it names the same first field.

#[path = "draw_golden/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use jianguan_domain::draw::{run_draw, verify_json};
use serde_json::Value;
use support::*;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/verify_draw.py")
}

/// Runs the Python verifier; returns (exit code, first line of stdout).
fn python(file: &Path) -> (i32, String) {
    let out =
        Command::new("python3").arg(script()).arg(file).output().expect("python3 must be installed to run this test");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.stderr.is_empty(), "python stderr: {}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), stdout.lines().next().unwrap_or("").to_owned())
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("jianguan-draw-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn python_accepts_the_golden_records() {
    for (name, _) in golden_inputs() {
        let path = golden_dir().join(format!("{name}.json"));
        assert_eq!(python(&path), (0, "ok".to_owned()), "{name}");
    }
}

#[test]
fn python_accepts_fresh_records() {
    let dir = Scratch::new("fresh");
    for seed in 0..40u64 {
        let record = run_draw(&random_input(seed * 7919 + 1)).unwrap().record;
        let path = dir.write(&format!("{seed}.json"), &record.to_json_pretty());
        assert_eq!(python(&path), (0, "ok".to_owned()), "random record {seed}");
    }
}

#[test]
fn python_names_the_same_field_as_rust() {
    let dir = Scratch::new("tampered");
    for (n, (what, file, edit, field)) in tamper_cases().into_iter().enumerate() {
        let text = std::fs::read_to_string(golden_dir().join(format!("{file}.json"))).unwrap();
        let mut v: Value = serde_json::from_str(&text).unwrap();
        edit(&mut v);
        let json = serde_json::to_string_pretty(&v).unwrap();
        let rust = verify_json(json.as_bytes()).expect_err(what);
        assert_eq!(rust.field(), Some(field), "rust, {what}: {rust}");
        let (code, line) = python(&dir.write(&format!("{n}.json"), &json));
        assert_eq!(code, 1, "python, {what}: {line}");
        assert_eq!(line.split(": ").next(), Some(field), "python, {what}: {line}");
    }
}

#[test]
fn python_reports_malformed_json() {
    let dir = Scratch::new("malformed");
    let (code, line) = python(&dir.write("bad.json", "{\"record_version\": 1,"));
    assert_eq!(code, 1);
    assert!(line.starts_with("malformed:"), "{line}");
    let (code, line) = python(&dir.write("empty.json", "{}"));
    assert_eq!(code, 1);
    assert!(line.starts_with("malformed:"), "{line}");
}

/// A pool of three hash leaves (more than 2 × POOL_CHUNK entries).
#[test]
fn python_accepts_a_multi_leaf_pool() {
    use jianguan_domain::draw::{Pool, Quota, POOL_CHUNK};
    let n = 2 * POOL_CHUNK as u64 + 1000;
    let pool = Pool::from_candidates((0..n).map(|i| (uscc(i), 1 + (i % 3) as u32, ["A", "B"][(i % 2) as usize])));
    let parameters = params(quotas(&[("A", Quota::PerMille(1)), ("B", Quota::Count(3))]), None);
    let record = run_draw(&input(spec(std::sync::Arc::new(pool.unwrap()), parameters), "9")).unwrap().record;
    let dir = Scratch::new("leaves");
    let path = dir.write("big.json", &serde_json::to_string(&record).unwrap());
    assert_eq!(python(&path), (0, "ok".to_owned()));
}
