//! cases.json on the stand-ins: every case answers as it does under wrangler dev
//! (test/e2e/standins.test.mjs runs the same list there).

extern crate std;

use super::*;
use std::string::String;
use std::vec::Vec;
use tinyworker::testing::{TestEnv, TestRequest, TestResponse};

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
        .var("ORIGIN", "http://origin.test")
        .subrequests(origin)
}

/// origin.json's origin: a path answers its entry; `/echo` the request's method, `x-relay` and
/// body (test/e2e/standins.test.mjs serves the same file over HTTP).
fn origin(request: &TestRequest) -> TestResponse {
    let spec: serde_json::Value = serde_json::from_str(include_str!("../origin.json")).unwrap();
    let path = request.url().strip_prefix("http://origin.test").unwrap_or_default();
    let answer = |status: u16, headers: Vec<(String, String)>, body: Vec<u8>| TestResponse {
        status,
        headers,
        body,
        fault: None,
        failed: false,
    };
    if path == "/echo" {
        let relay = request
            .headers()
            .iter()
            .find(|(n, _)| n == "x-relay")
            .map_or("-", |(_, v)| v.as_str());
        let mut body = std::format!("{} {relay} ", request.method()).into_bytes();
        body.extend_from_slice(request.body_bytes());
        return answer(200, std::vec![("x-origin".into(), "echo".into())], body);
    }
    match spec["paths"].get(path) {
        Some(entry) => {
            let headers = entry["headers"].as_array().unwrap().iter();
            let headers = headers.map(|h| {
                (
                    String::from(h[0].as_str().unwrap()),
                    String::from(h[1].as_str().unwrap()),
                )
            });
            let status = entry["status"].as_u64().unwrap() as u16;
            answer(
                status,
                headers.collect(),
                entry["body"].as_str().unwrap().as_bytes().to_vec(),
            )
        }
        None => answer(404, Vec::new(), b"no such path".to_vec()),
    }
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
