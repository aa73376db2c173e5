//! The handler on the host (`cargo test`): requests built in Rust, the platform stood in for
//! by tinyworker's `testing` feature (a dev-dependency: the wasm32 module never links it).

use super::*;
use tinyworker::testing::{TestEnv, TestRequest};

#[test]
fn routes_answer() {
    let env = TestEnv::new();
    assert_eq!(env.fetch(handle, TestRequest::get("/")).text(), "hello from {{name}}\n");
    assert_eq!(env.fetch(handle, TestRequest::get("/echo?a=1")).text(), "a=1");
    let go = env.fetch(handle, TestRequest::get("/go?to=/there"));
    assert_eq!((go.status, go.header("location").as_deref()), (302, Some("/there")));
    assert_eq!(env.fetch(handle, TestRequest::get("/nope")).status, 404);
}

#[test]
fn a_panic_is_a_500_without_its_text() {
    let env = TestEnv::new();
    let response = env.fetch(handle, TestRequest::get("/panic"));
    assert_eq!((response.status, response.text()), (500, "internal error\n"));
    assert_eq!(response.fault.as_deref(), Some("panicked on purpose"));
    assert_eq!(env.fetch(handle, TestRequest::get("/")).status, 200, "the next request is served");
}
