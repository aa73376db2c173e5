//! cases.json on the stand-ins: every case answers as it does under wrangler dev
//! (test/e2e/standins.test.mjs runs the same list there).

extern crate std;

use super::*;
use std::string::String;
use std::vec::Vec;
use tinyworker::testing::{TestEnv, TestRequest};

/// The platform as wrangler.toml and dev.vars set it up, in memory (the secret added before the
/// variable: it wins whatever the order).
fn env() -> TestEnv {
    TestEnv::new()
        .secret("NAME", "from .dev.vars")
        .var("NAME", "from [vars]")
        .object("ALPHA", count)
        .object("BETA", count_beta)
        .r2("BUCKET")
        .d1("DB")
}

#[test]
fn every_case_answers_as_the_platform_does() {
    let cases: serde_json::Value = serde_json::from_str(include_str!("../cases.json")).unwrap();
    let env = env();
    for case in cases.as_array().unwrap() {
        let text = |key: &str| case[key].as_str().unwrap_or_default();
        let mut request = TestRequest::new(text("method"), text("path"));
        for header in case["headers"].as_array().map(Vec::as_slice).unwrap_or_default() {
            request = request.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
        }
        if let Some(n) = case["body_bytes"].as_u64() {
            request = request.body(std::vec![b'x'; n as usize]);
        }
        if let Some(send) = case["send"].as_str() {
            request = request.body(send);
        }
        let response = env.fetch(handle, request);
        let answer = (response.status, String::from(response.text()));
        let expected = (case["status"].as_u64().unwrap() as u16, String::from(text("body")));
        assert_eq!(answer, expected, "{}", text("why"));
        for header in case["expect_headers"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let (name, value) = (header[0].as_str().unwrap(), header[1].as_str().unwrap());
            assert_eq!(response.header(name).as_deref(), Some(value), "{}: {name}", text("why"));
        }
    }
}
