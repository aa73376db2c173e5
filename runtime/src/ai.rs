//! Workers AI and Vectorize, typed over the bridge at the level of their JSON: a model run with
//! JSON inputs (`env.AI.run(model, inputs)`), and a Vectorize index's `query`, `insert`,
//! `upsert`, `getByIds` and `deleteByIds`, each answer read as JSON text into the request's
//! memory (read it with `tinyworker::json`).

use crate::bridge::{self, Arg, Error, Target};

/// The Workers AI binding, bound as `binding` (`[ai]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Ai<'n> {
    binding: &'n str,
}

impl<'n> Ai<'n> {
    /// The AI binding bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Runs `model` on `inputs` (JSON text: `{"prompt": "..."}`, `{"text": [...]}`): its answer
    /// as JSON text in the request's memory. `InvalidArgument` for inputs that are not JSON.
    pub fn run_in<'a>(&self, model: &str, inputs: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        bridge::call(Target::Env(self.binding), "run", &[Arg::str(model), Arg::json(inputs)])?.json_in(request)
    }
}

/// A Vectorize index, bound as `binding` (`[[vectorize]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Index<'n> {
    binding: &'n str,
}

impl<'n> Index<'n> {
    /// The index bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// The vectors nearest `vector` (JSON text: `[0.1, 0.2, ...]`), as `options` (JSON text:
    /// `{"topK": 3, "returnMetadata": "all"}`) ask: the platform's `{ count, matches }` as JSON
    /// text in the request's memory.
    pub fn query_in<'a>(&self, vector: &str, options: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        bridge::call(
            Target::Env(self.binding),
            "query",
            &[Arg::json(vector), Arg::json(options)],
        )?
        .json_in(request)
    }

    /// Inserts `vectors` (JSON text: `[{"id": "a", "values": [..], "metadata": {..}}]`): the
    /// platform's mutation answer as JSON text.
    pub fn insert_in<'a>(&self, vectors: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.json_call("insert", vectors, request)
    }

    /// Inserts or replaces `vectors` (JSON text, as for [`Index::insert_in`]).
    pub fn upsert_in<'a>(&self, vectors: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.json_call("upsert", vectors, request)
    }

    /// The vectors of `ids` (JSON text: `["a", "b"]`), as JSON text.
    pub fn get_by_ids_in<'a>(&self, ids: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.json_call("getByIds", ids, request)
    }

    /// Deletes the vectors of `ids` (JSON text): the platform's mutation answer as JSON text.
    pub fn delete_by_ids_in<'a>(&self, ids: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.json_call("deleteByIds", ids, request)
    }

    fn json_call<'a>(&self, method: &str, json: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        bridge::call(Target::Env(self.binding), method, &[Arg::json(json)])?.json_in(request)
    }
}
