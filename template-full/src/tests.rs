//! The handlers on the host (`cargo test`): requests built in Rust, the variable, the secret, the
//! KV namespace and the counters (the Durable Object class and each object's storage) stood in
//! for by tinyworker's `testing` feature (a dev-dependency: the wasm32 module never links it).

use super::*;
use tinyworker::testing::{TestEnv, TestRequest};

/// The platform as wrangler.toml and .dev.vars set it up, in memory.
fn env() -> TestEnv {
    TestEnv::new()
        .var("GREETING", "Hello")
        .secret("API_TOKEN", "test-token")
        .kv("NOTES")
        .object("COUNTERS", count)
}

#[test]
fn greets_by_name_in_json() {
    let response = env().fetch(handle, TestRequest::get("/hello/Ada%20%22L%22"));
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(response.text(), r#"{"greeting":"Hello, Ada \"L\"!"}"#);
}

#[test]
fn the_secret_guards_me() {
    let env = env();
    assert_eq!(env.fetch(handle, TestRequest::get("/me")).status, 401);
    let wrong = TestRequest::get("/me").header("authorization", "Bearer nope");
    assert_eq!(env.fetch(handle, wrong).status, 401);
    let right = TestRequest::get("/me").header("authorization", "Bearer test-token");
    assert_eq!(env.fetch(handle, right).text(), r#"{"authorized":true}"#);
}

#[test]
fn notes_round_trip_through_kv() {
    let env = env();
    assert_eq!(env.fetch(handle, TestRequest::get("/notes/a")).status, 404);
    let put = env.fetch(handle, TestRequest::new("PUT", "/notes/a").body(r#"{"text":"line\none é"}"#));
    assert_eq!((put.status, put.text()), (201, r#"{"key":"a","stored":true}"#));
    assert_eq!(env.kv_get("NOTES", "a").as_deref(), Some("line\none é".as_bytes()));
    let get = env.fetch(handle, TestRequest::get("/notes/a"));
    assert_eq!(get.text(), r#"{"key":"a","text":"line\none é"}"#);
    assert_eq!(env.fetch(handle, TestRequest::new("DELETE", "/notes/a")).status, 204);
    assert_eq!(env.kv_get("NOTES", "a"), None);
}

#[test]
fn the_longest_note_comes_back_whatever_its_escapes() {
    // 4,096 control characters: each one is 6 bytes of JSON (`\u0001`) in the answer.
    let env = env();
    let escaped = "\\u0001".repeat(NOTE_LIMIT);
    // (Built by concatenation: a double brace is this template's placeholder mark.)
    let put = env.fetch(handle, TestRequest::new("PUT", "/notes/c").body([r#"{"text":""#, &escaped, r#""}"#].concat()));
    assert_eq!(put.status, 201);
    let get = env.fetch(handle, TestRequest::get("/notes/c"));
    let expected = [r#"{"key":"c","text":""#, &escaped, r#""}"#].concat();
    assert_eq!((get.status, get.text().len()), (200, expected.len()));
    assert!(get.text() == expected, "the note as stored");
    let longer = [r#"{"text":""#, &escaped, r#"x"}"#].concat();
    assert_eq!(env.fetch(handle, TestRequest::new("PUT", "/notes/d").body(longer)).status, 413);
}

#[test]
fn bad_notes_are_client_errors() {
    let env = env();
    let not_json = env.fetch(handle, TestRequest::new("PUT", "/notes/a").body("{"));
    assert_eq!((not_json.status, not_json.text()), (400, r#"{"error":"the body is not JSON"}"#));
    assert_eq!(env.fetch(handle, TestRequest::new("PUT", "/notes/a").body(r#"{"text":1}"#)).status, 422);
    assert_eq!(env.kv_get("NOTES", "a"), None, "nothing stored");
}

#[test]
fn unknown_paths_and_methods() {
    let env = env();
    assert_eq!(env.fetch(handle, TestRequest::get("/nope")).status, 404);
    let wrong_method = env.fetch(handle, TestRequest::post("/notes/a", ""));
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow").as_deref(), Some("GET, HEAD, PUT, DELETE"));
}

#[test]
fn each_counter_is_its_own_durable_object() {
    let env = env();
    let post = |name: &str| TestRequest::post(&format!("/counters/{name}"), "");
    // Through the Worker, which forwards to the object by name...
    assert_eq!(env.fetch(handle, post("a")).text(), r#"{"count":1}"#);
    assert_eq!(env.fetch(handle, post("a")).text(), r#"{"count":2}"#);
    assert_eq!(env.fetch(handle, TestRequest::get("/counters/b")).text(), r#"{"count":0}"#);
    assert_eq!(env.storage_get("a", "count"), Some(2u64.to_le_bytes().to_vec()));
    // ... and the object's handler on its own.
    assert_eq!(env.object_fetch(count, "a", TestRequest::get("/")).text(), r#"{"count":2}"#);
}

#[test]
fn a_fault_is_a_500() {
    let env = env();

    let fault = env.fetch(handle, TestRequest::get("/fault"));
    assert_eq!((fault.status, fault.text()), (500, "internal error\n"), "no panic text for the client");
    assert_eq!(fault.fault.as_deref(), Some("a fault on purpose"));
    assert_eq!(env.fetch(handle, TestRequest::get("/")).status, 200, "the next request is served");
}
