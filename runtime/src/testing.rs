//! Stand-ins for the platform on the host, for a Worker's own `cargo test` (feature `testing`):
//! variables and secrets, KV, R2, the Cache API, queues and Durable Object storage in memory, D1
//! on SQLite itself; handlers called with requests built in Rust, faults answered as the glue
//! answers them.
//!
//! ```
//! use tinyworker::testing::{TestEnv, TestRequest};
//! use tinyworker::{kv::Namespace, Request, Response};
//!
//! fn handle<'a>(request: &Request<'a>) -> Response<'a> {
//!     let greeting = request.var("GREETING").unwrap_or("hello");
//!     let mut buffer = [0u8; 64];
//!     match Namespace::new("NOTES").get_text("motd", &mut buffer) {
//!         Ok(Some(_)) => Response::text(200, greeting),
//!         Ok(None) => Response::text(404, "no motd"),
//!         Err(_) => Response::text(502, "KV failed"),
//!     }
//! }
//!
//! let env = TestEnv::new().var("GREETING", "hi").kv("NOTES");
//! assert_eq!(env.fetch(handle, TestRequest::get("/")).status, 404);
//! env.kv_put("NOTES", "motd", "welcome");
//! let response = env.fetch(handle, TestRequest::get("/"));
//! assert_eq!((response.status, response.text()), (200, "hi"));
//! ```
//!
//! What is stood in: `Request::var` (variables and secrets), [`crate::kv::Namespace`]'s `get`,
//! `get_text`, `get_owned`, `put` and `delete`, a Durable Object's [`Storage`] (every
//! operation; a request that faults leaves it as it was, as `transactionSync` does), a
//! Worker's stubs of a Durable Object class ([`TestEnv::object`]: `by_name`, `forward`,
//! `fetch`, answered with `bridge::respond_with`), a queue's `send` and `send_batch`
//! ([`TestEnv::queue`], [`TestEnv::queue_sent`]: the messages kept in order, with their content
//! type and delay), subrequests ([`TestEnv::subrequests`]: `io::send`, `io::fetch`,
//! `fetch_owned`, answered by the test's function), R2 buckets ([`TestEnv::r2`]: every call of
//! [`crate::r2::Bucket`], MD5 etags, conditions, ranges, checksums but SHA-1, listings),
//! D1 databases ([`TestEnv::d1`]: every call of [`crate::d1::Database`], its SQL run by SQLite,
//! rows and meta in D1's shapes; a session's bookmark is the database's count of writes, null
//! before the session's first query), calls in flight (timers, races, abort controllers), the
//! Cache API ([`crate::cache::Cache`]: the default cache and named ones; `no-store` and
//! `private` responses not kept), a stub's id and name, the log (`platform::log` and a
//! handler's `Err`: printed to stderr),
//! `console.*` logging and `Date.now()`. Any other binding or platform call panics with
//! its name, so a test never passes on an answer nobody gave.

use crate::abi::{
    ABSENT, CALL_ENV, CALL_EVENT, CALL_GLOBAL, CALL_REQUEST, CALL_VALUE, STORAGE_DELETE, STORAGE_GET, STORAGE_LIST,
    STORAGE_PUT, VALUE_BYTES,
};
use crate::storage::Storage;
use crate::sys::{BridgeAnswer, HostArg};
use crate::{Request, Response};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::string::{String, ToString};
use std::vec::Vec;
use value::Js;

mod cache;
mod d1;
mod r2;
mod value;

/// A Worker's handler in its plain form (`entry!` takes it, or one that answers a `Result`).
pub type Handler = for<'a> fn(&Request<'a>) -> Response<'a>;
/// A Durable Object's request handler in its plain form (`durable_object!`'s `fetch` takes it,
/// or one that answers a `Result`).
pub type ObjectHandler = for<'a> fn(&Request<'a>, &Storage) -> Response<'a>;

/// A class's handler run on a request: its response, and whether it answered an `Err`.
type RunObject = dyn for<'a> Fn(&Request<'a>) -> (Response<'a>, bool);

/// A Durable Object class as the stand-in holds it: its handler (any form `durable_object!`
/// takes, with the object's storage as the module gives it), known by its type.
#[derive(Clone)]
struct Class {
    id: core::any::TypeId,
    run: std::rc::Rc<RunObject>,
}

impl Class {
    fn of<H: crate::ObjectHandler<M> + 'static, M>(handler: H) -> Self {
        fn higher_ranked<F: for<'a> Fn(&Request<'a>) -> (Response<'a>, bool)>(f: F) -> F {
            f
        }
        let served = crate::entry::WithStorage(handler);
        Self {
            id: core::any::TypeId::of::<H>(),
            run: std::rc::Rc::new(higher_ranked(move |request| {
                crate::entry::answer_noting_err(served, request)
            })),
        }
    }
}

/// One test's platform on this thread.
#[derive(Default)]
struct World {
    /// KV namespaces by binding: key to bytes.
    kv: HashMap<String, BTreeMap<String, Vec<u8>>>,
    /// Queues by binding: the messages sent to each, in order.
    queues: HashMap<String, Vec<SentMessage>>,
    /// Durable Objects' storage by class (its binding) and object name: key to (kind, form).
    /// Object "x" of one class is not object "x" of another (their ids differ).
    objects: HashMap<ObjectKey, BTreeMap<String, (u32, Vec<u8>)>>,
    /// The object whose request runs now.
    current_object: Option<ObjectKey>,
    /// The I/O buffer's size (what `entry!` was given): a request past it is the glue's 413.
    capacity: Option<usize>,
    /// Durable Object classes by binding: a Worker's stubs reach them.
    classes: HashMap<String, Class>,
    /// What the Worker holds of them (ids, stubs, the request, answers), by id.
    values: Vec<Held>,
    /// The request of each `fetch` running now, innermost last (what `forward` sends).
    requests: Vec<TestRequest>,
    /// The answer the running request handed the platform (`bridge::respond_with`).
    responded: Option<TestResponse>,
    /// What answers the Worker's subrequests (`io::send`, `io::fetch`), if the test gave one.
    subrequests: Option<std::rc::Rc<Subrequests>>,
    /// R2 buckets by binding.
    r2: HashMap<String, r2::Bucket>,
    /// D1 databases by binding.
    d1: HashMap<String, d1::Database>,
    /// The Cache API's caches.
    caches: cache::Caches,
    /// Hyperdrive configurations by binding: their connection strings.
    hyperdrive: HashMap<String, String>,
}

/// A test's stand-in for the network: a subrequest in, its answer out.
type Subrequests = dyn Fn(&TestRequest) -> TestResponse;

/// A Durable Object: its class (the binding a Worker reaches it by) and its name.
type ObjectKey = (String, String);

/// The class `handler` serves, for [`TestEnv::object_fetch`]: the one class [`TestEnv::object`]
/// added (or none), else the one whose handler it is. (A function's address is not a reliable identity, so
/// a test of several classes names the class: [`TestEnv::object_fetch_in`].)
fn class_of(world: &World, handler: core::any::TypeId) -> String {
    // (No class added: the objects a test fetches directly share one unnamed class.)
    if world.classes.len() <= 1 {
        return world.classes.keys().next().cloned().unwrap_or_default();
    }
    let mut bindings = world.classes.iter().filter(|(_, class)| class.id == handler);
    match (bindings.next(), bindings.next()) {
        (Some((binding, _)), None) => binding.clone(),
        _ => panic!("tinyworker::testing: which class does this handler serve? name it: object_fetch_in(binding, ..)"),
    }
}

/// An object of the stand-in platform the bridge holds for a Worker.
#[derive(Debug, Clone)]
enum Held {
    /// `NAMESPACE.idFromName(name)`.
    Id { binding: String, name: String },
    /// `NAMESPACE.get(id)`.
    Stub { binding: String, name: String },
    /// The incoming request.
    Request,
    /// A Durable Object's answer, or a subrequest's.
    Response(TestResponse),
    /// A response's headers.
    Headers(Vec<(String, String)>),
    /// `Array.from(headers)`: its `[name, value]` pairs.
    Pairs(Vec<(String, String)>),
    /// A value a binding answered (an R2 object, a D1 row, a date).
    Js(Js),
    /// A D1 statement.
    Statement(d1::Statement),
    /// A D1 session on the database bound as `binding`; `queried` once a query ran in it (its
    /// bookmark is null before, as the platform's).
    Session { binding: String, queried: bool },
    /// A cache: the default one (`None`) or one by name.
    Cache(Option<String>),
    /// A started timer (`scheduler.wait(ms)`): it settles after its milliseconds.
    Timer(u32),
    /// `Number.bind(null, index)`: a race's tag.
    Tag(f64),
    /// A call in flight tagged for a race: its index, and when it settles (ms from now).
    Tagged { index: f64, settles: u32 },
    /// `new Array()`, and what was pushed onto it (the world's objects: a handle may be
    /// released while the array holds what it named).
    List(Vec<usize>),
    /// `new AbortController()`.
    Controller,
    /// An `AbortController`'s signal.
    Signal,
}

std::thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread's world, if a [`TestEnv`] made one.
fn with_world<R>(f: impl FnOnce(&mut World) -> R) -> Option<R> {
    WORLD.with(|w| w.borrow_mut().as_mut().map(f))
}

/// The platform of one test: its variables, namespaces and objects. Made by [`TestEnv::new`],
/// it stands in for the glue on this thread until it is dropped (Rust runs each test on its own
/// thread, so tests do not share it).
#[derive(Debug)]
pub struct TestEnv {
    _not_send: core::marker::PhantomData<*const ()>,
}

/// A request built in Rust.
#[derive(Debug, Clone)]
pub struct TestRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A message a Worker sent to a stood-in queue.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    /// Its body: bytes as sent, text as UTF-8, JSON as its text.
    pub body: Vec<u8>,
    /// `text`, `bytes` or `json`.
    pub content_type: String,
    /// Its delay in seconds (0: at once).
    pub delay_seconds: u32,
}

/// A message of a `send` or of a `sendBatch` entry: its body and options, as the platform
/// reads them; `None` for a shape the platform would refuse.
fn sent_message(body: &HostArg, options: &[(String, HostArg)]) -> Option<SentMessage> {
    let field = |name: &str| options.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let content_type = match field("contentType") {
        Some(HostArg::Str(kind)) => kind.clone(),
        _ => "json".into(),
    };
    let delay_seconds = match field("delaySeconds") {
        Some(HostArg::Number(n)) if *n >= 0.0 && *n <= 43_200.0 => *n as u32,
        None => 0,
        _ => return None,
    };
    let body = match body {
        HostArg::Bytes(bytes) => bytes.clone(),
        HostArg::Str(text) | HostArg::Json(text) => text.clone().into_bytes(),
        _ => return None,
    };
    Some(SentMessage {
        body,
        content_type,
        delay_seconds,
    })
}

/// What a handler answered, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResponse {
    /// The status.
    pub status: u16,
    /// Every header, fixed then computed, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The fault that ended the request (a panic's or an abort's message, or why the runtime
    /// refused the response), when it faulted: the response is then the glue's `500 internal
    /// error`, and nothing of the fault is in it.
    pub fault: Option<String>,
    /// Whether the handler answered an `Err` (the response is its status and body; the error
    /// was logged, and a Durable Object's writes of the request were rolled back).
    pub failed: bool,
}

impl TestRequest {
    /// Its method (what a subrequest's stand-in reads: [`TestEnv::subrequests`]).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Its absolute URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its headers, in order, repeated names kept.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Its body.
    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    /// A request `method url` (a path such as `/a?b=1` is made absolute on `http://localhost`).
    pub fn new(method: &str, url: &str) -> Self {
        let url = if url.starts_with('/') {
            std::format!("http://localhost{url}")
        } else {
            url.to_string()
        };
        Self {
            method: method.to_string(),
            url,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// `GET url`.
    pub fn get(url: &str) -> Self {
        Self::new("GET", url)
    }

    /// `POST url` with `body`.
    pub fn post(url: &str, body: impl AsRef<[u8]>) -> Self {
        Self::new("POST", url).body(body)
    }

    /// The same request with header `name: value` (names are lower-cased, as the platform
    /// gives them).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Makes this the request whose head the handler pulls (`__tw_request`'s stand-in): one
    /// `name:value` line per header as the glue writes them from the platform's `Headers`, which
    /// sorts them by name and combines a repeated name's values with `", "` (two
    /// `authorization` headers reach a handler as one; `set-cookie` stays one line each).
    fn pull_from_here(&self) {
        let mut combined: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in &self.headers {
            combined.entry(name).or_default().push(value);
        }
        let mut head = String::new();
        for (name, values) in combined {
            if name == "set-cookie" {
                values.iter().for_each(|v| head += &std::format!("{name}:{v}\n"));
            } else {
                head += &std::format!("{name}:{}\n", values.join(", "));
            }
        }
        crate::sys::set_request(&self.method, &self.url, head.trim_end_matches('\n').as_bytes());
    }

    /// The same request with `body`.
    pub fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }
}

impl TestResponse {
    /// The body as text (`""` when it is not UTF-8).
    pub fn text(&self) -> &str {
        core::str::from_utf8(&self.body).unwrap_or("")
    }

    /// Header `name` (compared without case) as a client's `headers.get(name)` reads it: every
    /// value of that name, joined by `", "`; `None` when there is none.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let first = values.next()?;
        Some(values.fold(first.to_string(), |all, v| all + ", " + v))
    }

    fn of(response: &Response<'_>) -> Self {
        Self {
            status: response.status(),
            headers: response
                .headers()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: response.body().to_vec(),
            fault: None,
            failed: false,
        }
    }

    /// The glue's answer to a request past the module's I/O buffer: a 413, not a fault.
    fn too_large() -> Self {
        Self {
            status: 413,
            headers: std::vec![("content-type".into(), "text/plain;charset=UTF-8".into())],
            body: b"request too large\n".to_vec(),
            fault: None,
            failed: false,
        }
    }

    /// The platform's refusal of a response the handler made (a status outside 200-599, a body
    /// on a 101, 204, 205 or 304): the glue's 500 (docs/ABI.md), the reason in `fault`.
    fn refused(self) -> Self {
        let null_body = matches!(self.status, 101 | 204 | 205 | 304);
        let reason = if !(200..=599).contains(&self.status) && self.status != 101 {
            "a status outside 200-599"
        } else if null_body && !self.body.is_empty() {
            "a body on a status that has none"
        } else {
            return self;
        };
        Self {
            status: 500,
            headers: std::vec![("content-type".into(), "text/plain;charset=UTF-8".into())],
            body: b"internal error\n".to_vec(),
            fault: Some(std::format!(
                "the handler's response (status {}) was refused: {reason}",
                self.status
            )),
            failed: false,
        }
    }

    /// The glue's answer to a fault: a 500 with nothing of the fault in it.
    fn fault(message: String) -> Self {
        Self {
            status: 500,
            headers: std::vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: b"internal error\n".to_vec(),
            fault: Some(message),
            failed: false,
        }
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// An empty platform for this thread (it replaces one an earlier `TestEnv` left).
    pub fn new() -> Self {
        WORLD.with(|w| *w.borrow_mut() = Some(World::default()));
        crate::sys::ENV.with(|env| env.borrow_mut().clear());
        Self {
            _not_send: core::marker::PhantomData,
        }
    }

    /// With the text variable `name` (`[vars]` in wrangler.toml; a secret of the same name wins).
    pub fn var(self, name: &str, value: &str) -> Self {
        crate::sys::ENV.with(|env| env.borrow_mut().push((name.into(), value.into())));
        self
    }

    /// With the secret `name` (`.dev.vars` locally, `wrangler secret put` deployed): to a
    /// handler a secret is a text variable, and it wins over a variable of the same name, as
    /// `.dev.vars` wins over `[vars]` (whichever this test added first).
    pub fn secret(self, name: &str, value: &str) -> Self {
        crate::sys::ENV.with(|env| env.borrow_mut().insert(0, (name.into(), value.into())));
        self
    }

    /// With an I/O buffer of `capacity` bytes, the module's (`entry!(handler, capacity)`; 64 KiB
    /// by default): a request whose body and pulled head do not fit is the glue's 413.
    pub fn io_capacity(self, capacity: usize) -> Self {
        with_world(|w| w.capacity = Some(capacity));
        self
    }

    /// With an empty KV namespace bound as `binding`.
    pub fn kv(self, binding: &str) -> Self {
        with_world(|w| {
            w.kv.entry(binding.into()).or_default();
        });
        self
    }

    /// With the Durable Object class bound as `binding` (`[[durable_objects.bindings]]`), served
    /// by `handler`: a Worker's `object::Namespace::new(binding).by_name(name)` reaches object
    /// `name` of it (its own storage, as [`object_fetch`](Self::object_fetch) uses), and
    /// `forward()` or `fetch(..)` with `bridge::respond_with` answer with what it answered.
    pub fn object<M>(self, binding: &str, handler: impl crate::ObjectHandler<M> + 'static) -> Self {
        let class = Class::of(handler);
        with_world(|w| w.classes.insert(binding.into(), class));
        self
    }

    /// With `answer` standing in for the network: every subrequest of the Worker (`io::send`,
    /// `io::fetch`, `io::fetch_owned`, by URL or through a service binding's `fetch` the test
    /// did not bind otherwise) is handed to it as a [`TestRequest`] (method, URL, headers,
    /// body), and what it returns is the answer the Worker reads or hands on. Without it, a
    /// subrequest fails the test, naming this.
    pub fn subrequests(self, answer: impl Fn(&TestRequest) -> TestResponse + 'static) -> Self {
        with_world(|w| w.subrequests = Some(std::rc::Rc::new(answer)));
        self
    }

    /// With an empty R2 bucket bound as `binding` (`[[r2_buckets]]`): objects kept in memory
    /// with their metadata and an MD5 etag, as R2 makes it; conditions, ranges, SHA-2 and MD5
    /// checksums and listings answered as the platform answers them.
    pub fn r2(self, binding: &str) -> Self {
        with_world(|w| {
            w.r2.entry(binding.into()).or_default();
        });
        self
    }

    /// With a Hyperdrive configuration bound as `binding` (`[[hyperdrive]]`) whose connection
    /// string is `connection_string` (`postgresql://user:password@host:port/database`): its
    /// parts read from it as the platform's binding answers them. (`connect()` is not simulated:
    /// the call fails, as an unknown member does.)
    pub fn hyperdrive(self, binding: &str, connection_string: &str) -> Self {
        with_world(|w| {
            w.hyperdrive.insert(binding.into(), connection_string.into());
        });
        self
    }

    /// With an empty D1 database bound as `binding` (`[[d1_databases]]`): SQLite itself, in
    /// memory, answering in D1's shapes (rows as objects, integers and reals as numbers, a blob
    /// as its bytes, `meta`, `exec`'s count, a batch in one transaction, sessions).
    pub fn d1(self, binding: &str) -> Self {
        with_world(|w| {
            w.d1.entry(binding.into()).or_default();
        });
        self
    }

    /// Runs `sql` on database `binding` (each line one statement, as D1's `exec`): a schema or
    /// rows a test starts from.
    pub fn d1_exec(&self, binding: &str, sql: &str) {
        let ran = with_world(|w| database(w, binding).exec(sql));
        if let Some(Err(e)) = ran {
            panic!("tinyworker::testing: d1_exec({binding:?}): {e}");
        }
    }

    /// Stores `body` under `key` in bucket `binding` (no metadata).
    pub fn r2_put(&self, binding: &str, key: &str, body: impl AsRef<[u8]>) {
        let body = Js::Bytes(body.as_ref().to_vec());
        with_world(|w| bucket(w, binding).call("put", &[Js::text(key), body], now_ms()));
    }

    /// The bytes stored under `key` in bucket `binding`.
    pub fn r2_get(&self, binding: &str, key: &str) -> Option<Vec<u8>> {
        match with_world(|w| bucket(w, binding).call("get", &[Js::text(key)], now_ms()))? {
            Ok(object) => match object.get("body") {
                Js::Bytes(body) => Some(body),
                _ => None,
            },
            Err(_) => None,
        }
    }

    /// With the queue bound as `binding` (`[[queues.producers]]`): what a Worker sends to it is
    /// kept, in order ([`TestEnv::queue_sent`]).
    pub fn queue(self, binding: &str) -> Self {
        with_world(|w| {
            w.queues.entry(binding.into()).or_default();
        });
        self
    }

    /// The messages sent to queue `binding` so far, in order (`send`, then each of a
    /// `sendBatch`).
    pub fn queue_sent(&self, binding: &str) -> Vec<SentMessage> {
        with_world(|w| w.queues.get(binding).cloned())
            .flatten()
            .unwrap_or_else(|| panic!("tinyworker::testing: no queue {binding:?} (add it with TestEnv::queue)"))
    }

    /// Stores `value` under `key` in namespace `binding` (which must have been added).
    pub fn kv_put(&self, binding: &str, key: &str, value: impl AsRef<[u8]>) {
        with_world(|w| namespace(w, binding).insert(key.into(), value.as_ref().to_vec()));
    }

    /// The value of `key` in namespace `binding`.
    pub fn kv_get(&self, binding: &str, key: &str) -> Option<Vec<u8>> {
        with_world(|w| namespace(w, binding).get(key).cloned()).flatten()
    }

    /// The bytes Durable Object `object` stores under `key` (what `Storage::put` wrote), when one
    /// class has an object of that name (else [`storage_get_in`](Self::storage_get_in) names the class).
    pub fn storage_get(&self, object: &str, key: &str) -> Option<Vec<u8>> {
        with_world(|w| {
            let mut of_name = w.objects.iter().filter(|((_, name), _)| name == object);
            let (_, map) = of_name.next()?;
            assert!(
                of_name.next().is_none(),
                "tinyworker::testing: objects of two classes are named {object:?}: use storage_get_in(binding, ..)"
            );
            map.get(key).map(|(_, form)| form.clone())
        })
        .flatten()
    }

    /// The bytes object `object` of the class bound as `binding` stores under `key`.
    pub fn storage_get_in(&self, binding: &str, object: &str, key: &str) -> Option<Vec<u8>> {
        with_world(|w| {
            let key_of = (binding.to_string(), object.to_string());
            w.objects.get(&key_of)?.get(key).map(|(_, form)| form.clone())
        })
        .flatten()
    }

    /// Runs the Worker's `handler` on `request`.
    pub fn fetch<M>(&self, handler: impl crate::Handler<M>, request: TestRequest) -> TestResponse {
        serve(&request, |r| crate::entry::answer_noting_err(handler, r))
    }

    /// Runs the Durable Object handler `handler` of the object named `object` on `request`,
    /// with that object's storage. A request that faults leaves the storage as it was.
    pub fn object_fetch<M>(
        &self,
        handler: impl crate::ObjectHandler<M> + 'static,
        object: &str,
        request: TestRequest,
    ) -> TestResponse {
        let handler = Class::of(handler);
        let class = with_world(|w| class_of(w, handler.id)).unwrap_or_default();
        run_object(class, handler, object, &request)
    }

    /// Runs object `object` of the class bound as `binding` ([`TestEnv::object`]) on `request`,
    /// with that object's storage (object "x" of one class is not object "x" of another).
    pub fn object_fetch_in(&self, binding: &str, object: &str, request: TestRequest) -> TestResponse {
        let handler = with_world(|w| w.classes.get(binding).cloned()).flatten();
        let Some(handler) = handler else {
            panic!("tinyworker::testing: no Durable Object class bound as {binding:?} (add it with TestEnv::object)")
        };
        run_object(binding.into(), handler, object, &request)
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        WORLD.with(|w| *w.borrow_mut() = None);
    }
}

/// Runs object `object` of `class` (its `handler`) on `request` in a storage transaction: a
/// fault, or an error the handler answered, rolls its writes back.
fn run_object(class: String, handler: Class, object: &str, request: &TestRequest) -> TestResponse {
    let key = (class, object.to_string());
    let (outer, before) = with_world(|w| {
        let outer = w.current_object.replace(key.clone());
        (outer, w.objects.entry(key.clone()).or_default().clone())
    })
    .unzip();
    let response = serve(request, |r| (handler.run)(r));
    with_world(|w| {
        w.current_object = outer.flatten();
        if let (true, Some(before)) = (response.fault.is_some() || response.failed, before) {
            w.objects.insert(key, before);
        }
    });
    response
}

/// Namespace `binding` of `world`; a test that never added it fails here, by name.
fn namespace<'w>(world: &'w mut World, binding: &str) -> &'w mut BTreeMap<String, Vec<u8>> {
    match world.kv.get_mut(binding) {
        Some(namespace) => namespace,
        None => panic!("tinyworker::testing: no KV namespace {binding:?} (add it with TestEnv::kv)"),
    }
}

/// KV's `list(options)` of `namespace`: names in order from the prefix and the cursor (the last
/// name a page held), at most `limit` (1,000) a page; no expiration or metadata (the stand-in
/// keeps none).
fn kv_list(namespace: &BTreeMap<String, Vec<u8>>, options: &Js) -> Js {
    let text = |name| match options.get(name) {
        Js::Text(t) => t,
        _ => String::new(),
    };
    let limit = match options.get("limit") {
        Js::Number(n) if n >= 1.0 => (n as usize).min(1000),
        _ => 1000,
    };
    let (prefix, cursor) = (text("prefix"), text("cursor"));
    let mut names = namespace
        .keys()
        .filter(|name| name.starts_with(&prefix) && (cursor.is_empty() || **name > cursor));
    let page: Vec<&String> = names.by_ref().take(limit).collect();
    let complete = names.next().is_none();
    let keys = page
        .iter()
        .map(|name| Js::object([("name", Js::text(name.as_str()))]))
        .collect();
    let cursor = match (complete, page.last()) {
        (false, Some(last)) => Js::text(last.as_str()),
        _ => Js::Undefined,
    };
    Js::object([
        ("keys", Js::Array(keys)),
        ("list_complete", Js::Bool(complete)),
        ("cursor", cursor),
    ])
}

/// Bucket `binding` of `world`; a test that never added it fails here, by name.
fn bucket<'w>(world: &'w mut World, binding: &str) -> &'w mut r2::Bucket {
    match world.r2.get_mut(binding) {
        Some(bucket) => bucket,
        None => panic!("tinyworker::testing: no R2 bucket {binding:?} (add it with TestEnv::r2)"),
    }
}

/// Database `binding` of `world`; a test that never added it fails here, by name.
fn database<'w>(world: &'w mut World, binding: &str) -> &'w mut d1::Database {
    match world.d1.get_mut(binding) {
        Some(database) => database,
        None => panic!("tinyworker::testing: no D1 database {binding:?} (add it with TestEnv::d1)"),
    }
}

/// The wall clock in ms since the epoch (`Date.now()`).
fn now_ms() -> f64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0.0, |d| d.as_millis() as f64)
}

/// An argument of a call as the stand-in platform's value (a held one as what it holds).
fn js_of(world: &World, arg: &HostArg) -> Js {
    match arg {
        HostArg::Undefined | HostArg::Unknown(_) => Js::Undefined,
        HostArg::Null => Js::Null,
        HostArg::Bool(b) => Js::Bool(*b),
        HostArg::Number(n) => Js::Number(*n),
        HostArg::Str(t) | HostArg::Json(t) => Js::Text(t.clone()),
        HostArg::Bytes(b) => Js::Bytes(b.clone()),
        HostArg::Array(items) => Js::Array(items.iter().map(|item| js_of(world, item)).collect()),
        HostArg::Object(fields) => Js::Object(fields.iter().map(|(k, v)| (k.clone(), js_of(world, v))).collect()),
        HostArg::Value(handle) => match crate::sys::held(i32::try_from(*handle).unwrap_or(-1)) {
            Some(BridgeAnswer::Object(id)) => match world.values.get(id) {
                Some(Held::Js(js)) => js.clone(),
                // (Another held object, e.g. a response: the call that takes it reads it.)
                _ => Js::Undefined,
            },
            Some(BridgeAnswer::Text(t)) => Js::Text(t),
            Some(BridgeAnswer::Bytes(b)) => Js::Bytes(b),
            Some(BridgeAnswer::Number(n)) => Js::Number(n),
            Some(BridgeAnswer::Boolean(b)) => Js::Bool(b),
            Some(BridgeAnswer::Null) => Js::Null,
            _ => Js::Undefined,
        },
    }
}

/// The bridge's answer for `value`: a primitive as itself, anything else held.
fn answer_js(world: &mut World, value: Js) -> BridgeAnswer {
    value.primitive().unwrap_or_else(|| hold(world, Held::Js(value)))
}

/// The bridge's answer for what a binding did: its value, or its error's message.
fn answer_result(world: &mut World, result: Result<Js, String>) -> BridgeAnswer {
    match result {
        Ok(value) => answer_js(world, value),
        Err(message) => BridgeAnswer::Failed(message),
    }
}

/// What `__tw_value` reads of an object the world holds.
#[derive(Debug)]
pub(crate) enum ObjectRead {
    /// Its kind (`JS_OBJECT`, `JS_ARRAY`).
    Kind(u32),
    /// Its bytes (an array of bytes) or JSON text.
    Bytes(Vec<u8>),
    /// An array's length.
    Length(usize),
}

/// `__tw_value`'s op `op` on object `id` of this thread's world; `None` when it is not one it
/// reads that way.
pub(crate) fn read_object(id: usize, op: u32) -> Option<ObjectRead> {
    use crate::abi::{JS_ARRAY, JS_OBJECT, READ_BYTES, READ_JSON, READ_KIND, READ_LENGTH};
    let value = with_world(|w| w.values.get(id).cloned()).flatten()?;
    let Held::Js(js) = value else {
        return (op == READ_KIND).then_some(ObjectRead::Kind(JS_OBJECT));
    };
    Some(match (op, &js) {
        (READ_KIND, Js::Array(_)) => ObjectRead::Kind(JS_ARRAY),
        (READ_KIND, _) => ObjectRead::Kind(JS_OBJECT),
        (READ_LENGTH, Js::Array(items)) => ObjectRead::Length(items.len()),
        (READ_BYTES, Js::Array(items)) => ObjectRead::Bytes(
            items
                .iter()
                .map(|item| match item {
                    Js::Number(n) => *n as u8,
                    _ => 0,
                })
                .collect(),
        ),
        (READ_JSON, js) => {
            let mut text = String::new();
            js.json(&mut text);
            ObjectRead::Bytes(text.into_bytes())
        }
        _ => return None,
    })
}

/// The response `new Response(body, init)` makes.
fn response_of(world: &World, body: &HostArg, init: &[(String, HostArg)]) -> TestResponse {
    let field = |key: &str| init.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let status = match field("status") {
        Some(HostArg::Number(n)) => *n as u16,
        _ => 200,
    };
    let headers = match field("headers") {
        Some(HostArg::Object(headers)) => headers
            .iter()
            .filter_map(|(name, value)| match value {
                HostArg::Str(value) => Some((name.to_ascii_lowercase(), value.clone())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let body = match js_of(world, body) {
        Js::Bytes(bytes) => bytes,
        Js::Text(text) => text.into_bytes(),
        _ => Vec::new(),
    };
    TestResponse {
        status,
        headers,
        body,
        fault: None,
        failed: false,
    }
}

/// A call on a binding this world stands in for (R2, D1, the Cache API) or on what one
/// answered; `None` when it is none of them.
fn binding_call(
    world: &mut World,
    target: u32,
    handle: u32,
    name: &str,
    member: &str,
    args: &[HostArg],
) -> Option<BridgeAnswer> {
    let js: Vec<Js> = args.iter().map(|arg| js_of(world, arg)).collect();
    Some(match (target, name, member, args) {
        (CALL_ENV, binding, member, []) if world.hyperdrive.contains_key(binding) => {
            hyperdrive_part(&world.hyperdrive[binding], member)?
        }
        (CALL_ENV, binding, member, _) if world.r2.contains_key(binding) => {
            let result = bucket(world, binding).call(member, &js, now_ms());
            answer_result(world, result)
        }
        (CALL_ENV, binding, "prepare", [HostArg::Str(sql)]) if world.d1.contains_key(binding) => {
            let statement = d1::Statement {
                binding: binding.into(),
                sql: sql.clone(),
                params: Vec::new(),
                session: None,
            };
            hold(world, Held::Statement(statement))
        }
        (CALL_ENV, binding, "exec", [HostArg::Str(sql)]) if world.d1.contains_key(binding) => {
            let result = database(world, binding).exec(sql);
            answer_result(world, result)
        }
        (CALL_ENV, binding, "batch", [list]) if world.d1.contains_key(binding) => {
            let result = statements(world, list).and_then(|list| database(world, binding).batch(&list));
            answer_result(world, result)
        }
        (CALL_ENV, binding, "withSession", [HostArg::Str(_)]) if world.d1.contains_key(binding) => hold(
            world,
            Held::Session {
                binding: binding.into(),
                queried: false,
            },
        ),
        (CALL_GLOBAL, "caches", "default", []) => hold(world, Held::Cache(None)),
        (CALL_GLOBAL, "caches", "open", [HostArg::Str(name)]) => hold(world, Held::Cache(Some(name.clone()))),
        (CALL_GLOBAL, "Response", "", [body, HostArg::Object(init)]) => {
            let response = response_of(world, body, init);
            hold(world, Held::Response(response))
        }
        (CALL_GLOBAL, "Date", "", [HostArg::Number(ms)]) => hold(world, Held::Js(Js::Date(*ms))),
        (CALL_GLOBAL, "Object", "keys", [_]) => match js.first() {
            Some(Js::Object(fields)) => answer_js(
                world,
                Js::Array(fields.iter().map(|(k, _)| Js::text(k.clone())).collect()),
            ),
            other => panic!("tinyworker::testing: Object.keys({other:?}) is not stood in"),
        },
        (CALL_VALUE, "", member, _) => return value_call(world, handle, member, args, &js),
        _ => return None,
    })
}

/// The D1 statements of a `batch` argument (an array of held statements).
fn statements(world: &World, list: &HostArg) -> Result<Vec<d1::Statement>, String> {
    let HostArg::Array(items) = list else {
        return Err("D1_TYPE_ERROR: batch takes an array of statements".into());
    };
    items
        .iter()
        .map(|item| match item {
            HostArg::Value(handle) => match held(world, *handle) {
                Some(Held::Statement(statement)) => Ok(statement),
                other => Err(std::format!("D1_TYPE_ERROR: {other:?} is not a statement")),
            },
            other => Err(std::format!("D1_TYPE_ERROR: {other:?} is not a statement")),
        })
        .collect()
}

/// A call on a value a stood-in binding answered (its property, its method).
fn value_call(world: &mut World, handle: u32, member: &str, args: &[HostArg], js: &[Js]) -> Option<BridgeAnswer> {
    Some(match (held(world, u64::from(handle))?, member) {
        (Held::Js(Js::Date(ms)), "getTime") => BridgeAnswer::Number(ms),
        (Held::Js(value), "arrayBuffer") if js.is_empty() => match value.get("body") {
            Js::Bytes(body) => BridgeAnswer::Bytes(body),
            other => panic!("tinyworker::testing: arrayBuffer() of {other:?} is not stood in"),
        },
        (Held::Js(value), property) if js.is_empty() => answer_js(world, value.get(property)),
        (Held::Statement(mut statement), "bind") => {
            statement.params = js.to_vec();
            hold(world, Held::Statement(statement))
        }
        (Held::Statement(statement), member) => {
            let binding = statement.binding.clone();
            let result = database(world, &binding).statement_call(&statement, member, js);
            if let Some(session) = statement.session {
                queried(world, session);
            }
            answer_result(world, result)
        }
        (Held::Session { binding, .. }, "prepare") => {
            let Some(Js::Text(sql)) = js.first() else {
                return None;
            };
            let statement = d1::Statement {
                binding,
                sql: sql.clone(),
                params: Vec::new(),
                session: world_id(handle),
            };
            hold(world, Held::Statement(statement))
        }
        (Held::Session { binding, .. }, "batch") => {
            let result = statements(world, args.first()?).and_then(|list| database(world, &binding).batch(&list));
            queried(world, world_id(handle)?);
            answer_result(world, result)
        }
        (Held::Session { binding, queried }, "getBookmark") => match queried {
            true => BridgeAnswer::Text(database(world, &binding).bookmark()),
            false => BridgeAnswer::Null,
        },
        (Held::Cache(cache), "match") => {
            let Some(Js::Text(url)) = js.first() else {
                return None;
            };
            match world.caches.get(&cache, url) {
                Some(response) => hold(world, Held::Response(response)),
                None => BridgeAnswer::Undefined,
            }
        }
        (Held::Cache(cache), "put") => {
            let response = match args.get(1) {
                Some(HostArg::Value(response)) => held(world, *response),
                _ => None,
            };
            let (Some(Js::Text(url)), Some(Held::Response(response))) = (js.first(), response) else {
                return None;
            };
            match world.caches.put(&cache, url, response) {
                Ok(()) => BridgeAnswer::Undefined,
                Err(message) => BridgeAnswer::Failed(message),
            }
        }
        (Held::Cache(cache), "delete") => {
            let Some(Js::Text(url)) = js.first() else {
                return None;
            };
            BridgeAnswer::Boolean(world.caches.delete(&cache, url))
        }
        (Held::Stub { binding, name }, "id") => hold(world, Held::Id { binding, name }),
        (Held::Id { name, .. }, "name") => BridgeAnswer::Text(name),
        (Held::Id { binding, name }, "toString") => {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(std::format!("{binding}\0{name}").as_bytes());
            BridgeAnswer::Text(digest.iter().map(|b| std::format!("{b:02x}")).collect())
        }
        _ => return None,
    })
}

/// Runs `handler` on `request` in an I/O buffer of the module's default size, as the glue
/// would: the body in the buffer, the head pulled when read; a fault becomes the glue's 500.
fn serve(request: &TestRequest, handler: impl for<'a> FnOnce(&Request<'a>) -> (Response<'a>, bool)) -> TestResponse {
    let capacity = with_world(|w| w.capacity)
        .flatten()
        .unwrap_or(crate::DEFAULT_IO_CAPACITY);
    // The glue refuses a body past the buffer before the module sees it.
    if request.body.len() > capacity {
        return TestResponse::too_large();
    }
    let mut buffer = std::vec![0u8; capacity];
    buffer[..request.body.len()].copy_from_slice(&request.body);
    request.pull_from_here();
    // What every call into the module starts with (a clean fault record, no header overflow).
    crate::entry::begin();
    let outer = with_world(|w| {
        w.requests.push(request.clone());
        w.responded.take()
    })
    .flatten();
    let Some(parsed) = Request::in_buffer(&mut buffer, request.body.len()) else {
        unreachable!("the buffer holds the body")
    };
    let answer = |(response, failed): (Response<'_>, bool)| match crate::response::take_header_overflow() {
        // Refused as the runtime refuses it in the module: a 500, the reason and the line.
        Some(at) => TestResponse::fault(std::format!("{} (at {at})", crate::response::TOO_MANY_HEADERS)),
        None => TestResponse {
            failed,
            ..TestResponse::of(&response).refused()
        },
    };
    let result = catch_unwind(AssertUnwindSafe(|| answer(handler(&parsed))));
    let responded = with_world(|w| {
        w.requests.pop();
        core::mem::replace(&mut w.responded, outer)
    })
    .flatten();
    // (An outer request's parts again, for what its handler reads after a nested one.)
    if let Some(Some(outer)) = with_world(|w| w.requests.last().cloned()) {
        outer.pull_from_here();
    }
    match result {
        Ok(response) => responded.unwrap_or(response),
        // A head that did not fit the buffer: the glue's 413, not a fault.
        Err(payload) if is_too_large(&payload) => TestResponse::too_large(),
        Err(payload) => TestResponse::fault(fault_message(payload)),
    }
}

/// Whether `payload` is the runtime's refusal of a request part that did not fit the buffer.
fn is_too_large(payload: &std::boxed::Box<dyn core::any::Any + Send>) -> bool {
    // SAFETY: the closure only reads the kind.
    payload.downcast_ref::<crate::sys::HostThrow>().is_some()
        && unsafe { crate::fault::RECORD.with(|r| r.kind) } == crate::abi::FaultKind::TooLarge as u32
}

/// The message of a panic, or of a fault the runtime raised (its record).
fn fault_message(payload: std::boxed::Box<dyn core::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        return (*text).into();
    }
    if let Some(text) = payload.downcast_ref::<String>() {
        return text.clone();
    }
    if payload.downcast_ref::<crate::sys::HostThrow>().is_some() {
        // SAFETY: the closure only copies the record out.
        let record = unsafe { crate::fault::RECORD.with(|r| *r) };
        // SAFETY: a raised record's message is a `&'static str` (fault::record_of).
        let message = unsafe { core::slice::from_raw_parts(record.message, record.message_len) };
        return String::from_utf8_lossy(message).into_owned();
    }
    "panicked".into()
}

/// The world's answer to bridge call `member` on `target` `name`, when a [`TestEnv`] is active:
/// `Some(answer)`; `None` when no test platform is active. A call the world does not stand in
/// panics with its name.
pub(crate) fn bridge_call(
    target: u32,
    handle: u32,
    name: &str,
    member: &str,
    args: &[HostArg],
) -> Option<BridgeAnswer> {
    // A stub's fetch runs the object's handler outside the world's borrow (it uses the world),
    // and so does the test's answer to a subrequest (it may too).
    let response = match with_world(|world| object_call(world, target, handle, name, member, args)) {
        None => return None,
        Some(Some(ObjectCall::Answer(answer))) => return Some(answer),
        Some(Some(ObjectCall::Run(class, handler, object, request))) => run_object(class, handler, &object, &request),
        Some(Some(ObjectCall::Subrequest(answer, request))) => answer(&request),
        Some(None) => {
            return with_world(|world| {
                if let Some(answer) = binding_call(world, target, handle, name, member, args) {
                    return answer;
                }
                if target == CALL_GLOBAL {
                    if let Some(answer) = pending_call(world, name, member, args) {
                        return answer;
                    }
                }
                platform_call(world, target, name, member, args)
            })
        }
    };
    with_world(|world| hold(world, Held::Response(response)))
}

/// What a call on a Durable Object namespace, stub or the request needs.
enum ObjectCall {
    /// This answer.
    Answer(BridgeAnswer),
    /// Object `.2` of class `.0` (its handler `.1`) run on this request.
    Run(String, Class, String, TestRequest),
    /// The test's stand-in for the network, asked this subrequest.
    Subrequest(std::rc::Rc<Subrequests>, TestRequest),
}

/// Property `member` of a Hyperdrive binding whose connection string is `url`
/// (`scheme://user:password@host:port/database`), as the platform answers it: the port a
/// number, the rest text; `None` for a member the binding does not have.
fn hyperdrive_part(url: &str, member: &str) -> Option<BridgeAnswer> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (credentials, place) = rest.rsplit_once('@').unwrap_or(("", rest));
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let (address, database) = place.split_once('/').unwrap_or((place, ""));
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "5432"));
    let text = |part: &str| BridgeAnswer::Text(part.into());
    Some(match member {
        "connectionString" => text(url),
        "user" => text(user),
        "password" => text(password),
        "host" => text(host),
        "database" => text(database),
        "port" => BridgeAnswer::Number(port.parse().ok()?),
        _ => return None,
    })
}

/// The request of a `fetch(url, init)` call: its method (GET by default), headers and body.
fn request_of(url: &str, init: &[(String, HostArg)]) -> TestRequest {
    let field = |key: &str| init.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let method = match field("method") {
        Some(HostArg::Str(method)) => method.as_str(),
        _ => "GET",
    };
    let mut request = TestRequest::new(method, url);
    if let Some(HostArg::Bytes(body)) = field("body") {
        request = request.body(body.clone());
    }
    if let Some(HostArg::Object(headers)) = field("headers") {
        for (name, value) in headers {
            if let HostArg::Str(value) = value {
                request = request.header(name, value);
            }
        }
    }
    request
}

/// A call on a subrequest's answer (`status`, `headers`, `arrayBuffer`), its headers (`get`)
/// or their pairs (`join`, as `Array.prototype.join` writes each pair: `name,value`).
fn answer_call(world: &mut World, handle: u32, member: &str, args: &[HostArg]) -> Option<BridgeAnswer> {
    Some(match (held(world, u64::from(handle))?, member, args) {
        (Held::Response(r), "status", []) => BridgeAnswer::Number(f64::from(r.status)),
        (Held::Response(r), "arrayBuffer", []) => BridgeAnswer::Bytes(r.body),
        (Held::Response(r), "headers", []) => hold(world, Held::Headers(r.headers)),
        (Held::Headers(headers), "get", [HostArg::Str(name)]) => {
            let mut values = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str());
            match values.next() {
                None => BridgeAnswer::Null,
                Some(first) => BridgeAnswer::Text(values.fold(first.into(), |all: String, v| all + ", " + v)),
            }
        }
        (Held::Pairs(pairs), "join", [HostArg::Str(separator)]) => {
            let lines: Vec<String> = pairs
                .iter()
                .map(|(name, value)| std::format!("{name},{value}"))
                .collect();
            BridgeAnswer::Text(lines.join(separator))
        }
        (Held::Controller, "signal", []) => hold(world, Held::Signal),
        (Held::Controller, "abort", []) => BridgeAnswer::Undefined,
        (Held::List(mut items), "push", [HostArg::Value(item)]) => {
            items.push(world_id(u32::try_from(*item).ok()?)?);
            let len = items.len();
            *held_mut(world, handle)? = Held::List(items);
            BridgeAnswer::Number(len as f64)
        }
        // A race's `then(tag, tag)`: a timer settles after its milliseconds, anything else (a
        // subrequest's answer, which the stand-ins give at once) now.
        (promise, "then", [HostArg::Value(tag), _]) => match held(world, *tag) {
            Some(Held::Tag(index)) => {
                let settles = if let Held::Timer(ms) = promise { ms } else { 0 };
                hold(world, Held::Tagged { index, settles })
            }
            _ => return None,
        },
        _ => return None,
    })
}

/// The calls that start, race and abort calls in flight (`tinyworker::pending`): a timer is
/// never waited for (it settles at once when waited for alone), a race is won by the call that
/// settles first, the earlier in the list on a tie.
fn pending_call(world: &mut World, name: &str, member: &str, args: &[HostArg]) -> Option<BridgeAnswer> {
    Some(match (name, member, args) {
        ("scheduler", "wait", [HostArg::Number(ms)]) => hold(world, Held::Timer(*ms as u32)),
        ("Number", "bind", [HostArg::Null, HostArg::Number(index)]) => hold(world, Held::Tag(*index)),
        ("Array", "", []) => hold(world, Held::List(Vec::new())),
        ("AbortController", "", []) => hold(world, Held::Controller),
        ("Promise", "race", [HostArg::Value(list)]) => {
            let Some(Held::List(items)) = held(world, *list) else {
                return None;
            };
            let mut first: Option<(u32, f64)> = None;
            for id in items {
                if let Some(Held::Tagged { index, settles }) = world.values.get(id).cloned() {
                    if first.is_none_or(|(at, _)| settles < at) {
                        first = Some((settles, index));
                    }
                }
            }
            BridgeAnswer::Number(first?.1)
        }
        // `bridge::settle`: a timer resolves to nothing, anything else to itself.
        ("Promise", "resolve", [HostArg::Value(value)]) => match held(world, *value) {
            Some(Held::Timer(_)) => BridgeAnswer::Undefined,
            Some(_) => crate::sys::held(i32::try_from(*value).ok()?)?,
            None => return None,
        },
        _ => return None,
    })
}

/// The world's object behind bridge handle `handle` (what outlives the handle's release).
fn world_id(handle: u32) -> Option<usize> {
    match crate::sys::held(i32::try_from(handle).ok()?)? {
        BridgeAnswer::Object(id) => Some(id),
        _ => None,
    }
}

/// Notes that a query ran in session `session` (a world object id).
fn queried(world: &mut World, session: usize) {
    if let Some(Held::Session { queried, .. }) = world.values.get_mut(session) {
        *queried = true;
    }
}

/// The object of the stand-in platform behind the bridge handle `handle`, to change it.
fn held_mut(world: &mut World, handle: u32) -> Option<&mut Held> {
    world.values.get_mut(world_id(handle)?)
}

/// Holds `value` for the Worker; the bridge's answer for it.
fn hold(world: &mut World, value: Held) -> BridgeAnswer {
    world.values.push(value);
    BridgeAnswer::Object(world.values.len() - 1)
}

/// The object of the stand-in platform behind the bridge handle `handle`.
fn held(world: &World, handle: u64) -> Option<Held> {
    world.values.get(world_id(u32::try_from(handle).ok()?)?).cloned()
}

/// A call on a Durable Object namespace, a stub of one, the request or the event (`None`: not one).
fn object_call(
    world: &mut World,
    target: u32,
    handle: u32,
    name: &str,
    member: &str,
    args: &[HostArg],
) -> Option<ObjectCall> {
    let answer = match (target, name, member, args) {
        (CALL_ENV, binding, "idFromName", [HostArg::Str(object)]) if world.classes.contains_key(binding) => hold(
            world,
            Held::Id {
                binding: binding.into(),
                name: object.clone(),
            },
        ),
        // (With or without options: a location hint changes nothing here.)
        (CALL_ENV, binding, "get", [HostArg::Value(id), ..]) if world.classes.contains_key(binding) => {
            match held(world, *id) {
                Some(Held::Id { binding, name }) => hold(world, Held::Stub { binding, name }),
                other => panic!("tinyworker::testing: {binding}.get({other:?}) is not an id of it"),
            }
        }
        (CALL_REQUEST, "", "", []) => hold(world, Held::Request),
        (CALL_GLOBAL, "globalThis", "fetch", [HostArg::Str(url), HostArg::Object(init)]) => {
            let answer = world.subrequests.clone().unwrap_or_else(|| {
                panic!(
                    "tinyworker::testing: a subrequest to {url} with no stand-in (TestEnv::subrequests answers them)"
                )
            });
            return Some(ObjectCall::Subrequest(answer, request_of(url, init)));
        }
        // A service binding's `fetch` (static assets' too), by URL and init or with the request
        // being served: the network's stand-in answers it.
        (CALL_ENV, binding, "fetch", args) if !world.classes.contains_key(binding) => {
            let request = match args {
                [HostArg::Str(url), HostArg::Object(init)] => request_of(url, init),
                [HostArg::Value(request)] if matches!(held(world, *request), Some(Held::Request)) => {
                    world.requests.last().cloned().expect("a request runs")
                }
                other => panic!("tinyworker::testing: {binding}.fetch({other:?}) is not stood in"),
            };
            let answer = world.subrequests.clone().unwrap_or_else(|| {
                panic!("tinyworker::testing: {binding}.fetch with no stand-in (TestEnv::subrequests answers it)")
            });
            return Some(ObjectCall::Subrequest(answer, request));
        }
        (CALL_GLOBAL, "Array", "from", [HostArg::Value(headers)]) => match held(world, *headers) {
            Some(Held::Headers(headers)) => hold(world, Held::Pairs(headers)),
            _ => return None,
        },
        (CALL_VALUE, "", member, args) if !matches!(held(world, u64::from(handle)), Some(Held::Stub { .. })) => {
            answer_call(world, handle, member, args)?
        }
        (CALL_VALUE, "", "fetch", args) => {
            let Some(Held::Stub { binding, name }) = held(world, u64::from(handle)) else {
                return None;
            };
            let request = match args {
                [HostArg::Value(request)] if matches!(held(world, *request), Some(Held::Request)) => {
                    world.requests.last().cloned().expect("a request runs")
                }
                [HostArg::Str(url), HostArg::Object(init)] => request_of(url, init),
                other => panic!("tinyworker::testing: a stub's fetch({other:?}) is not stood in"),
            };
            let handler = world.classes[&binding].clone();
            return Some(ObjectCall::Run(binding, handler, name, request));
        }
        (CALL_EVENT, "", "response", [HostArg::Value(response)]) => match held(world, *response) {
            Some(Held::Response(response)) => {
                world.responded = Some(response);
                BridgeAnswer::Undefined
            }
            other => panic!("tinyworker::testing: answering with {other:?} is not stood in (an object's answer is)"),
        },
        _ => return None,
    };
    Some(ObjectCall::Answer(answer))
}

/// The world's answer to a call on a KV namespace, `Date` or `console`; any other panics.
fn platform_call(world: &mut World, target: u32, name: &str, member: &str, args: &[HostArg]) -> BridgeAnswer {
    match (target, name, member, args) {
        (CALL_ENV, binding, "get", [HostArg::Str(key), HostArg::Str(kind)]) if world.kv.contains_key(binding) => {
            match namespace(world, binding).get(key) {
                None => BridgeAnswer::Null,
                Some(value) if kind == "text" => BridgeAnswer::Text(String::from_utf8_lossy(value).into_owned()),
                Some(value) => BridgeAnswer::Bytes(value.clone()),
            }
        }
        (CALL_ENV, binding, "put", [HostArg::Str(key), value, ..]) if world.kv.contains_key(binding) => {
            let value = match value {
                HostArg::Bytes(bytes) => bytes.clone(),
                HostArg::Str(text) => text.clone().into_bytes(),
                other => panic!("tinyworker::testing: KV put of {other:?} is not stood in"),
            };
            namespace(world, binding).insert(key.clone(), value);
            BridgeAnswer::Undefined
        }
        (CALL_ENV, binding, "list", [HostArg::Object(options)]) if world.kv.contains_key(binding) => {
            let options = js_of(world, &HostArg::Object(options.clone()));
            let listing = kv_list(namespace(world, binding), &options);
            answer_js(world, listing)
        }
        (CALL_ENV, binding, "delete", [HostArg::Str(key)]) if world.kv.contains_key(binding) => {
            namespace(world, binding).remove(key);
            BridgeAnswer::Undefined
        }
        (CALL_ENV, binding, "send", [body, HostArg::Object(options)]) if world.queues.contains_key(binding) => {
            let message = sent_message(body, options);
            let message =
                message.unwrap_or_else(|| panic!("tinyworker::testing: a queue message {body:?} the platform refuses"));
            world.queues.entry(binding.into()).or_default().push(message);
            BridgeAnswer::Undefined
        }
        (CALL_ENV, binding, "sendBatch", [HostArg::Array(messages)]) if world.queues.contains_key(binding) => {
            assert!(
                messages.len() <= 100,
                "tinyworker::testing: a batch of more than 100 messages"
            );
            for message in messages {
                let sent = match message {
                    HostArg::Object(fields) => fields
                        .iter()
                        .find(|(k, _)| k == "body")
                        .and_then(|(_, body)| sent_message(body, fields)),
                    _ => None,
                };
                let sent = sent
                    .unwrap_or_else(|| panic!("tinyworker::testing: a batch message {message:?} the platform refuses"));
                world.queues.entry(binding.into()).or_default().push(sent);
            }
            BridgeAnswer::Undefined
        }
        (CALL_GLOBAL, "Date", "now", []) => BridgeAnswer::Number(now_ms()),
        (CALL_GLOBAL, "console", level, [HostArg::Str(message)]) => {
            std::eprintln!("console.{level}: {message}");
            BridgeAnswer::Undefined
        }
        (CALL_ENV, binding, _, _)
            if !world.kv.contains_key(binding)
                && !world.classes.contains_key(binding)
                && !world.queues.contains_key(binding) =>
        {
            panic!(
                "tinyworker::testing: no binding {binding:?} stood in for env {binding}.{member}({args:?}) \
                 (TestEnv::kv adds a KV namespace, TestEnv::r2 a bucket, TestEnv::d1 a database, TestEnv::queue a queue, \
                 TestEnv::object a Durable Object class)"
            )
        }
        _ => panic!(
            "tinyworker::testing: {} {name}.{member}({args:?}) is not stood in (variables, KV get/put/delete, \
             R2, D1, the Cache API, queue send/sendBatch, Durable Objects and their storage, subrequests with \
             TestEnv::subrequests, timers, races and abort controllers, Date.now and console are)",
            crate::sys::target_name(target)
        ),
    }
}

/// Appends one entry of a storage list's answer to `out`, in the form docs/ABI.md gives it (and
/// `storage::Entries` reads): key length and key, kind, form length and form.
pub(crate) fn list_entry(out: &mut Vec<u8>, key: &str, kind: u32, form: &[u8]) {
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(form.len() as u32).to_le_bytes());
    out.extend_from_slice(form);
}

/// The world's answer to storage operation `op` on `key` (`value` for a put), when a
/// [`TestEnv`] runs an object's request: `Some((code, kind, body))`.
pub(crate) fn storage(op: u32, key: &str, value: &[u8]) -> Option<(i32, u32, Vec<u8>)> {
    with_world(|world| {
        let Some(object) = world.current_object.clone() else {
            panic!("tinyworker::testing: storage outside a Durable Object's request (use TestEnv::object_fetch)")
        };
        let map = world.objects.entry(object).or_default();
        match op {
            STORAGE_GET => match map.get(key) {
                Some((kind, form)) => (1, *kind, form.clone()),
                None => (ABSENT, 0, Vec::new()),
            },
            STORAGE_PUT => {
                map.insert(key.into(), (VALUE_BYTES, value.to_vec()));
                (0, 0, Vec::new())
            }
            STORAGE_DELETE => (i32::from(map.remove(key).is_some()), 0, Vec::new()),
            STORAGE_LIST => {
                let mut body = Vec::new();
                for (name, (kind, form)) in map
                    .range(key.to_string()..)
                    .take_while(|(name, _)| name.starts_with(key))
                {
                    list_entry(&mut body, name, *kind, form);
                }
                (1, 0, body)
            }
            _ => panic!("tinyworker::testing: storage operation {op} is not stood in"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::{Namespace, PutOptions};

    fn worker<'a>(request: &Request<'a>) -> Response<'a> {
        let notes = Namespace::new("NOTES");
        let key = request.path().trim_start_matches('/');
        let mut buffer = [0u8; 64];
        match request.method() {
            "PUT" => match notes.put(key, request.body(), &PutOptions::default()) {
                Ok(()) => Response::text(201, "stored"),
                Err(_) => Response::text(502, "put failed"),
            },
            "DELETE" => match notes.delete(key) {
                Ok(()) => Response::text(204, ""),
                Err(_) => Response::text(502, "delete failed"),
            },
            _ if key == "secret" => Response::text(200, request.var("TOKEN").unwrap_or("none")),
            _ if key == "panic" => panic!("on purpose"),
            _ if key == "abort" => crate::abort("asked to abort"),
            #[cfg(not(feature = "alloc"))]
            _ if key == "many" => {
                (0..=crate::EXTRA_HEADERS).fold(Response::text(200, "many"), |r, _| r.header("x", "1"))
            }
            _ => match notes.get(key, &mut buffer) {
                Ok(Some(_)) => Response::text(200, "found").header("x-key", request.path()),
                Ok(None) => Response::text(404, "absent"),
                Err(_) => Response::text(502, "get failed"),
            },
        }
    }

    fn counter<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
        let count = storage.get_u64("count").ok().flatten().unwrap_or(0) + 1;
        if storage.put_u64("count", count).is_err() {
            return Response::text(503, "storage failed");
        }
        if request.path() == "/then-panic" || request.header("x-then") == Some("panic") {
            panic!("after the write");
        }
        let mut buffer = [0u8; 256];
        match storage.list("c", &mut buffer) {
            Ok(entries) => Response::number(200, count + 100 * entries.count() as u64),
            Err(_) => Response::text(503, "list failed"),
        }
    }

    #[test]
    fn kv_variables_and_faults_are_stood_in() {
        let env = TestEnv::new().kv("NOTES").secret("TOKEN", "t0k");
        assert_eq!(env.fetch(worker, TestRequest::get("/a")).status, 404);
        let put = env.fetch(worker, TestRequest::new("PUT", "/a").body("1"));
        assert_eq!((put.status, put.text()), (201, "stored"));
        assert_eq!(env.kv_get("NOTES", "a").as_deref(), Some(&b"1"[..]));
        let got = env.fetch(worker, TestRequest::get("/a"));
        assert_eq!(got.header("X-Key").as_deref(), Some("/a"));
        assert_eq!(got.header("content-type").as_deref(), Some("text/plain; charset=utf-8"));
        assert_eq!(env.fetch(worker, TestRequest::new("DELETE", "/a")).status, 204);
        assert_eq!(env.kv_get("NOTES", "a"), None);
        assert_eq!(env.fetch(worker, TestRequest::get("/secret")).text(), "t0k");

        let panicked = env.fetch(worker, TestRequest::get("/panic"));
        assert_eq!((panicked.status, panicked.text()), (500, "internal error\n"));
        assert_eq!(panicked.fault.as_deref(), Some("on purpose"));
        let aborted = env.fetch(worker, TestRequest::get("/abort"));
        assert_eq!(
            (aborted.status, aborted.fault.as_deref()),
            (500, Some("asked to abort"))
        );
        assert_eq!(
            env.fetch(worker, TestRequest::get("/b")).status,
            404,
            "the next request is served"
        );
    }

    /// A Worker that asks its origin: `/read` reads the answer's parts, `/buffer` reads it
    /// whole into a buffer, `/as-is` hands it on.
    fn origin_user<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
        use crate::io::{self, Subrequest};
        let headers = [crate::Header::new("x-token", "t 1")];
        let sub = Subrequest::new("POST", "https://origin.test/data")
            .headers(&headers)
            .body(b"ask");
        match request.path() {
            "/read" => {
                let answer = io::send(&sub)?;
                let kind = answer.header_in("content-type", request)?.unwrap_or("none");
                let body = answer.body_in(request)?;
                let text = request.format(format_args!("{} {kind} {}", answer.status()?, body.len()))?;
                Ok(Response::text(200, text))
            }
            "/buffer" => {
                let buffer = request.scratch(256).ok_or(crate::Error::too_large("no room", 256))?;
                let answer = io::fetch(&sub, buffer)?;
                let same = answer.header("X-Echo") == Some("POST t 1 ask");
                Ok(Response::text(if same { 200 } else { 500 }, "read"))
            }
            _ => Ok(io::send(&sub)?.respond()?),
        }
    }

    #[test]
    fn subrequests_are_answered_by_the_test() {
        let env = TestEnv::new().subrequests(|request| {
            let echo = std::format!(
                "{} {} {}",
                request.method,
                request
                    .headers
                    .iter()
                    .find(|(n, _)| n == "x-token")
                    .map_or("", |(_, v)| v),
                String::from_utf8_lossy(&request.body)
            );
            TestResponse {
                status: 203,
                headers: std::vec![
                    ("content-type".into(), "text/plain; a=b".into()),
                    ("x-echo".into(), echo)
                ],
                body: b"from the origin".to_vec(),
                fault: None,
                failed: false,
            }
        });
        assert_eq!(
            env.fetch(origin_user, TestRequest::get("/read")).text(),
            "203 text/plain; a=b 15"
        );
        assert_eq!(env.fetch(origin_user, TestRequest::get("/buffer")).status, 200);
        let passed = env.fetch(origin_user, TestRequest::get("/as-is"));
        assert_eq!((passed.status, passed.text()), (203, "from the origin"));
        assert_eq!(passed.header("x-echo").as_deref(), Some("POST t 1 ask"));
    }

    /// Races two timers, sleeps, then races a subrequest against a timer and aborts it.
    fn racer<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
        use crate::pending::{self, AbortController};
        let (long, short) = (pending::timer(500)?, pending::timer(5)?);
        let timers = pending::race(&[&long, &short])?;
        crate::platform::sleep(1)?;
        let controller = AbortController::new()?;
        let fetch = crate::io::start(&crate::io::Subrequest::get("https://origin.test/").signal(&controller))?;
        let slow = pending::timer(100)?;
        let first = pending::race(&[&slow, fetch.pending()])?;
        controller.abort()?;
        let status = fetch.wait()?.status()?;
        long.wait()?;
        Ok(Response::text(
            200,
            request.format(format_args!("{timers} {first} {status}"))?,
        ))
    }

    #[test]
    fn timers_races_and_aborts_are_stood_in() {
        let env = TestEnv::new().subrequests(|_| TestResponse {
            status: 203,
            headers: Vec::new(),
            body: Vec::new(),
            fault: None,
            failed: false,
        });
        // The shorter timer wins; the subrequest (answered at once here) beats a timer.
        assert_eq!(env.fetch(racer, TestRequest::get("/")).text(), "1 1 203");
    }

    /// A Worker that forwards `/counters/<name>` to that object, or sends it a `POST /`.
    fn front<'a>(request: &Request<'a>) -> Response<'a> {
        let name = request.path().trim_start_matches("/counters/");
        let stub = crate::object::Namespace::new("COUNTERS").by_name(name);
        let answer = match request.query() {
            Some("post") => stub.and_then(|s| s.fetch("POST", "http://object/then-panic", b"")),
            Some("send") => {
                // With headers: what `Stub::fetch` cannot say (an upgrade, a condition).
                let headers = [crate::Header::new("x-then", "panic")];
                let sub = crate::io::Subrequest::new("POST", "http://object/").headers(&headers);
                let sent = stub.map_err(crate::io::Error::from).and_then(|s| s.send(&sub));
                return sent
                    .and_then(|answer| answer.respond())
                    .unwrap_or(Response::text(502, "object failed"));
            }
            _ => stub.and_then(|s| s.forward()),
        };
        answer
            .and_then(|r| crate::bridge::respond_with(&r))
            .unwrap_or(Response::text(502, "object failed"))
    }

    #[test]
    fn a_worker_reaches_its_durable_objects() {
        let env = TestEnv::new().object("COUNTERS", counter);
        assert_eq!(env.fetch(front, TestRequest::get("/counters/a")).text(), "101");
        assert_eq!(env.fetch(front, TestRequest::get("/counters/a")).text(), "102");
        assert_eq!(env.fetch(front, TestRequest::get("/counters/b")).text(), "101");
        assert_eq!(env.storage_get("a", "count"), Some(2u64.to_le_bytes().to_vec()));
        // The object's fault is its 500; its writes rolled back; the Worker answers with it.
        let faulted = env.fetch(front, TestRequest::get("/counters/a?post"));
        assert_eq!(
            (faulted.status, faulted.fault.as_deref()),
            (500, Some("after the write"))
        );
        assert_eq!(env.object_fetch(counter, "a", TestRequest::get("/")).text(), "103");
        // `Stub::send` carries the request's headers to the object.
        let sent = env.fetch(front, TestRequest::get("/counters/a?send"));
        assert_eq!((sent.status, sent.fault.as_deref()), (500, Some("after the write")));
        assert_eq!(env.object_fetch(counter, "a", TestRequest::get("/")).text(), "104");
    }

    #[test]
    fn a_binding_not_stood_in_fails_the_test_by_name() {
        let env = TestEnv::new();
        let r = env.fetch(worker, TestRequest::get("/a"));
        assert_eq!(r.status, 500);
        let fault = r.fault.unwrap();
        assert!(
            fault.contains("no binding \"NOTES\"") && fault.contains("TestEnv::kv"),
            "{fault}"
        );
    }

    #[test]
    fn parallel_tests_never_see_each_other_s_faults() {
        // Threads as `cargo test` runs tests: each its own TestEnv, aborts with its own message
        // and plain answers interleaved; every fault is its own, and no 500 escapes as a 200.
        const REASONS: [&str; 4] = ["zero", "one", "two", "three"];
        fn abort_with<'a>(request: &Request<'a>) -> Response<'a> {
            match request.path() {
                "/0" => crate::abort(REASONS[0]),
                "/1" => crate::abort(REASONS[1]),
                "/2" => crate::abort(REASONS[2]),
                "/3" => crate::abort(REASONS[3]),
                _ => Response::text(200, "fine"),
            }
        }
        let threads: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let env = TestEnv::new();
                    for i in 0..if cfg!(miri) { 5 } else { 300 } {
                        let fault = env.fetch(abort_with, TestRequest::get(&std::format!("/{t}")));
                        assert_eq!(
                            (fault.status, fault.fault.as_deref()),
                            (500, Some(REASONS[t])),
                            "try {i}"
                        );
                        let fine = env.fetch(abort_with, TestRequest::get("/fine"));
                        assert_eq!((fine.status, fine.fault), (200, None), "try {i}");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }

    #[test]
    fn repeated_headers_arrive_combined_and_a_refused_response_is_a_500() {
        fn echo<'a>(request: &Request<'a>) -> Response<'a> {
            match request.path() {
                "/no-content" => Response::text(204, "a body"),
                "/status" => Response::bytes(700, b""),
                _ => Response::text(200, request.header("authorization").unwrap_or("")),
            }
        }
        let env = TestEnv::new();
        let two = TestRequest::get("/")
            .header("Authorization", "a")
            .header("authorization", "b");
        assert_eq!(env.fetch(echo, two).text(), "a, b");
        for path in ["/no-content", "/status"] {
            let refused = env.fetch(echo, TestRequest::get(path));
            assert_eq!((refused.status, refused.text()), (500, "internal error\n"), "{path}");
            assert!(refused.fault.unwrap().contains("was refused"));
        }
        let large = env.fetch(
            echo,
            TestRequest::post("/", std::vec![0u8; crate::DEFAULT_IO_CAPACITY + 1]),
        );
        assert_eq!(
            (large.status, large.text(), large.fault.as_deref()),
            (413, "request too large\n", None)
        );
    }

    #[test]
    fn a_secret_wins_over_a_variable_of_its_name() {
        fn name<'a>(request: &Request<'a>) -> Response<'a> {
            Response::text(200, request.var("TOKEN").unwrap_or("none"))
        }
        let env = TestEnv::new().var("TOKEN", "from vars").secret("TOKEN", "from secrets");
        assert_eq!(env.fetch(name, TestRequest::get("/")).text(), "from secrets");
    }

    #[test]
    fn an_objects_storage_is_its_own_and_a_fault_rolls_it_back() {
        let env = TestEnv::new();
        assert_eq!(env.object_fetch(counter, "a", TestRequest::get("/")).text(), "101");
        assert_eq!(env.object_fetch(counter, "a", TestRequest::get("/")).text(), "102");
        assert_eq!(env.object_fetch(counter, "b", TestRequest::get("/")).text(), "101");
        let faulted = env.object_fetch(counter, "a", TestRequest::get("/then-panic"));
        assert_eq!(
            (faulted.status, faulted.fault.as_deref()),
            (500, Some("after the write"))
        );
        assert_eq!(
            env.storage_get("a", "count"),
            Some(2u64.to_le_bytes().to_vec()),
            "rolled back"
        );
        assert_eq!(env.object_fetch(counter, "a", TestRequest::get("/")).text(), "103");
    }

    #[test]
    fn an_objects_routes_take_its_storage_and_a_routes_err_rolls_back() {
        use crate::router::{self, Params, Route};
        fn put<'a>(_: &Request<'a>, params: &Params<'a>, storage: &Storage) -> Result<Response<'a>, crate::Error> {
            storage.put_u64("count", 9)?;
            match params.get("then") {
                Some("fail") => Err(crate::Error::new(409, "refused after writing")),
                _ => Ok(Response::text(200, "kept\n")),
            }
        }
        static ROUTES: &[Route<Storage>] = &[Route::post("/put/:then", put)];
        fn object<'a>(request: &Request<'a>, storage: &Storage) -> Response<'a> {
            router::dispatch_with(request, storage, ROUTES)
        }
        let env = TestEnv::new();
        let failed = env.object_fetch(object, "a", TestRequest::post("/put/fail", std::vec::Vec::new()));
        assert_eq!((failed.status, failed.failed), (409, true));
        assert_eq!(env.storage_get("a", "count"), None, "rolled back");
        let kept = env.object_fetch(object, "a", TestRequest::post("/put/keep", std::vec::Vec::new()));
        assert_eq!((kept.status, kept.failed), (200, false));
        assert_eq!(env.storage_get("a", "count"), Some(9u64.to_le_bytes().to_vec()));
    }

    #[test]
    fn a_queue_keeps_what_is_sent_in_order() {
        use crate::queue::{Body, Outgoing, Queue};
        fn send<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
            let jobs = Queue::new("JOBS");
            jobs.send(Body::Text("one"), 0)?;
            jobs.send_batch(&[Body::Bytes(&[0, 255]), Body::Json(r#"{"n":2}"#)], 30)?;
            // Each with its own content type and delay.
            let each = [
                Outgoing {
                    body: Body::Text("soon"),
                    delay_seconds: 5,
                },
                Outgoing {
                    body: Body::Json("[3]"),
                    delay_seconds: 0,
                },
            ];
            jobs.send_each(&each)?;
            if request.path() == "/unbound" {
                Queue::new("ELSEWHERE").send(Body::Text("lost"), 0)?;
            }
            Ok(Response::text(202, "sent\n"))
        }
        let env = TestEnv::new().queue("JOBS");
        assert_eq!(env.fetch(send, TestRequest::post("/", "")).status, 202);
        let sent = env.queue_sent("JOBS");
        let shapes: Vec<_> = sent
            .iter()
            .map(|m| (&m.body[..], m.content_type.as_str(), m.delay_seconds))
            .collect();
        assert_eq!(
            shapes,
            [
                (&b"one"[..], "text", 0),
                (&[0, 255][..], "bytes", 30),
                (&br#"{"n":2}"#[..], "json", 30),
                (&b"soon"[..], "text", 5),
                (&b"[3]"[..], "json", 0)
            ]
        );
        // A queue the test did not add is a fault that names it, never a silent success.
        let unbound = env.fetch(send, TestRequest::post("/unbound", ""));
        assert!(
            unbound
                .fault
                .as_deref()
                .unwrap_or("")
                .contains("no binding \"ELSEWHERE\""),
            "{unbound:?}"
        );
    }

    #[test]
    fn an_objects_err_is_answered_and_rolls_its_writes_back() {
        fn writes_then_fails<'a>(request: &Request<'a>, storage: &Storage) -> Result<Response<'a>, crate::Error> {
            storage.put_u64("count", 7)?;
            match request.path() {
                "/keep" => Ok(Response::text(200, "kept\n")),
                _ => Err(crate::Error::new(409, "refused after writing")),
            }
        }
        let env = TestEnv::new();
        let failed = env.object_fetch(writes_then_fails, "a", TestRequest::get("/fail"));
        assert_eq!((failed.status, failed.text(), failed.failed), (409, "conflict\n", true));
        assert_eq!(failed.fault, None, "an Err is not a fault");
        assert_eq!(env.storage_get("a", "count"), None, "rolled back");
        let kept = env.object_fetch(writes_then_fails, "a", TestRequest::get("/keep"));
        assert_eq!((kept.status, kept.failed), (200, false));
        assert_eq!(env.storage_get("a", "count"), Some(7u64.to_le_bytes().to_vec()));
    }

    // (D1's stand-in is SQLite, C, which Miri cannot run: this runs under `cargo test` only.)
    #[test]
    #[cfg_attr(miri, ignore)]
    fn r2_d1_kv_listings_and_sessions_are_stood_in() {
        fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
            use crate::r2::{Bucket, ListOptions};
            match request.path() {
                "/r2" => {
                    let listing = Bucket::new("B").list(&ListOptions {
                        include_custom_metadata: true,
                        ..ListOptions::default()
                    })?;
                    let first = listing.object(0)?;
                    let size = request.format(format_args!("{} {}", first.key_in(request)?, first.size()?))?;
                    Ok(Response::text(200, size))
                }
                "/kv" => {
                    let listing = crate::kv::Namespace::new("K").list(&crate::kv::ListOptions {
                        limit: Some(1),
                        ..Default::default()
                    })?;
                    let cursor = listing.cursor_in(request)?.unwrap_or("-");
                    let line = request.format(format_args!("{} {cursor}", listing.name_in(0, request)?))?;
                    Ok(Response::text(200, line))
                }
                _ => {
                    let db = crate::d1::Database::new("DB");
                    let session = db.with_session(crate::d1::SessionStart::Primary)?;
                    // (No bookmark before the session's first query, as the platform's.)
                    if session.bookmark_in(request)?.is_some() {
                        return Err(crate::Error::internal("a bookmark before any query"));
                    }
                    let row = session.prepare("SELECT n FROM t")?.first()?;
                    let n = row.map(|row| row.integer("n")).transpose()?.unwrap_or(-1);
                    let bookmark = session.bookmark_in(request)?.unwrap_or("");
                    Ok(Response::text(200, request.format(format_args!("{n} {bookmark}"))?))
                }
            }
        }
        let env = TestEnv::new().r2("B").d1("DB").kv("K");
        env.r2_put("B", "k", "four");
        assert_eq!(env.r2_get("B", "k").as_deref(), Some(&b"four"[..]));
        assert_eq!(env.fetch(handle, TestRequest::get("/r2")).text(), "k 4");
        env.kv_put("K", "a", "1");
        env.kv_put("K", "b", "2");
        assert_eq!(env.fetch(handle, TestRequest::get("/kv")).text(), "a a");
        env.d1_exec("DB", "CREATE TABLE t (n INTEGER)\nINSERT INTO t VALUES (42)");
        let answer = env.fetch(handle, TestRequest::get("/d1"));
        assert_eq!(
            answer.text(),
            "42 00000000-00000001-00000000-00000000000000000000000000000000"
        );
        // A statement D1 refuses is the binding's error: a 502, its message only in the log.
        env.d1_exec("DB", "DROP TABLE t");
        let failed = env.fetch(handle, TestRequest::get("/d1"));
        assert_eq!((failed.status, failed.failed), (502, true), "{failed:?}");
    }

    /// An R2 object's metadata read in one crossing answers what each accessor of the object
    /// answers: texts (one with escapes, decoded), the size, the storage class, and `None` for
    /// what is not set.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn r2_metadata_in_one_crossing_agrees_with_each_accessor() {
        fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
            let bucket = crate::r2::Bucket::new("B");
            let options = crate::r2::PutOptions {
                content_type: Some("text/plain; charset=\"utf-8\""),
                cache_control: Some("no-store"),
                custom: &[("owner", "ann\nbo"), ("plain", "é")],
                storage_class: Some(crate::r2::StorageClass::InfrequentAccess),
                ..Default::default()
            };
            bucket.put("dir/k", b"four", &options)?;
            let object = bucket.get("dir/k")?.ok_or(crate::Error::internal("absent"))?;
            let before = crate::sys::crossings();
            let m = object.metadata_in(request)?;
            let crossings = crate::sys::crossings() - before;
            let same = [
                (m.key_in(request)?, object.key_in(request)?),
                (m.etag_in(request)?, object.etag_in(request)?),
                (m.http_etag_in(request)?, object.http_etag_in(request)?),
                (m.version_in(request)?, object.version_in(request)?),
            ];
            let optional = [
                (m.content_type_in(request)?, object.content_type_in(request)?),
                (
                    m.http_metadata_in("cacheControl", request)?,
                    object.http_metadata_in("cacheControl", request)?,
                ),
                (
                    m.http_metadata_in("contentLanguage", request)?,
                    object.http_metadata_in("contentLanguage", request)?,
                ),
                (m.custom_in("owner", request)?, object.custom_in("owner", request)?),
                (m.custom_in("plain", request)?, object.custom_in("plain", request)?),
                (m.custom_in("absent", request)?, object.custom_in("absent", request)?),
            ];
            let agree = same.iter().all(|(a, b)| a == b)
                && optional.iter().all(|(a, b)| a == b)
                && m.size()? == object.size()?
                && m.storage_class() == object.storage_class()?;
            let line = request.format(format_args!(
                "{agree} {crossings} {} {} {:?} {:?}",
                m.size()?,
                m.content_type_in(request)?.unwrap_or("-"),
                m.custom_in("owner", request)?,
                m.storage_class()
            ))?;
            Ok(Response::text(200, line))
        }
        let env = TestEnv::new().r2("B");
        let answer = env.fetch(handle, TestRequest::get("/"));
        assert_eq!(
            answer.text(),
            "true 1 4 text/plain; charset=\"utf-8\" Some(\"ann\\nbo\") Some(InfrequentAccess)",
            "{answer:?}"
        );
    }

    /// An R2 read as a handler writes it (the object, then its body, and its etag and content
    /// type from its metadata, all read into the request's memory): how many times it crosses
    /// into the host. Printed for `make bench` (`r2_get_crossings`), and held to at most today's
    /// count, so that it only goes down (issue 33's goal: 3; 5 with `etag_in` and
    /// `content_type_in`, one and two crossings). (R2's stand-in reads the clock for an
    /// object's upload time, which Miri's isolation refuses: this runs under `cargo test` only.)
    #[test]
    #[cfg_attr(miri, ignore)]
    fn an_r2_read_crosses_into_the_host_a_counted_number_of_times() {
        const TODAY: u64 = 3;
        fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
            let bucket = crate::r2::Bucket::new("B");
            let options = crate::r2::PutOptions {
                content_type: Some("text/plain"),
                ..Default::default()
            };
            bucket.put("k", b"four", &options)?;
            let before = crate::sys::crossings();
            let object = bucket.get("k")?.ok_or(crate::Error::internal("absent"))?;
            let body = object.body_in(request)?;
            let metadata = object.metadata_in(request)?;
            let etag = metadata.etag_in(request)?;
            let content_type = metadata.content_type_in(request)?.unwrap_or("");
            let crossings = crate::sys::crossings() - before;
            let line = request.format(format_args!("{} {etag} {content_type} {crossings}", body.len()))?;
            Ok(Response::text(200, line))
        }
        let env = TestEnv::new().r2("B");
        let answer = env.fetch(handle, TestRequest::get("/"));
        let text = answer.text();
        let fields: std::vec::Vec<&str> = text.split(' ').collect();
        assert_eq!(
            fields[..3],
            ["4", "8cbad96aced40b3838dd9f07f6ef5772", "text/plain"],
            "{answer:?}"
        );
        let crossings: u64 = fields[3].parse().unwrap();
        std::println!("r2_get_crossings {crossings}");
        assert!(
            crossings <= TODAY,
            "an R2 read crossed {crossings} times, more than {TODAY}"
        );
    }
}
