//! Static assets (`[assets]` in wrangler.toml, with a `binding`): the files the platform serves
//! for the Worker, fetched through that binding (`env.ASSETS.fetch(..)`) and answered untouched.

use crate::bridge::{self, Arg, Target};
use crate::io::{self, Fetched, Subrequest};

/// The static assets bound to the Worker as `binding` (`[assets] binding = "ASSETS"`).
#[derive(Debug, Clone, Copy)]
pub struct Assets<'n> {
    binding: &'n str,
}

impl<'n> Assets<'n> {
    /// The assets bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// The asset the request being served names, as the platform answers it
    /// (`env.ASSETS.fetch(request)`): found by the request's path, its conditional and range
    /// headers honoured (a 304, a 206), a 404 (or what `not_found_handling` says) when no file
    /// matches. Hand it on with [`Fetched::respond`]: its body never enters wasm.
    pub fn serve(&self) -> Result<Fetched, io::Error> {
        let request = bridge::get(Target::Request, "")?;
        let response = bridge::call(Target::Env(self.binding), "fetch", &[Arg::value(&request)])?;
        Ok(Fetched::held(response))
    }

    /// The asset `request` names: only its URL's path and its headers matter to the platform
    /// (`Subrequest::get("https://assets.local/logo.svg")`; build one with
    /// [`text_in!`](crate::text_in!) rather than `format!`, which links `core::fmt`).
    pub fn fetch(&self, request: &Subrequest<'_>) -> Result<Fetched, io::Error> {
        io::send(&request.via(self.binding))
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::Assets;
    use crate::io::Subrequest;
    use crate::testing::{TestEnv, TestRequest, TestResponse};
    use crate::{Request, Response};

    /// Answers `/fetch/<name>` through `Assets::fetch`, anything else through `Assets::serve`,
    /// as `<status> <body>`.
    fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
        let assets = Assets::new("ASSETS");
        let answer = match request.path().strip_prefix("/fetch/") {
            Some(name) => {
                let url = request.format(format_args!("https://assets.local/{name}"))?;
                assets.fetch(&Subrequest::get(url))?
            }
            None => assets.serve()?,
        };
        let (status, body) = (answer.status()?, answer.body_in(request)?);
        let line = request.format(format_args!("{status} {}", core::str::from_utf8(body).unwrap_or("?")))?;
        Ok(Response::text(200, line))
    }

    #[test]
    fn an_asset_is_fetched_through_its_binding() {
        let env = TestEnv::new().subrequests(|request| {
            let (status, body): (u16, &[u8]) = match request.url().rsplit('/').next() {
                Some("a.txt") => (200, b"A"),
                _ => (404, b"none"),
            };
            TestResponse {
                status,
                headers: std::vec::Vec::new(),
                body: body.to_vec(),
                fault: None,
                failed: false,
            }
        });
        assert_eq!(env.fetch(handle, TestRequest::get("/a.txt")).text(), "200 A");
        assert_eq!(env.fetch(handle, TestRequest::get("/b.txt")).text(), "404 none");
        assert_eq!(env.fetch(handle, TestRequest::get("/fetch/a.txt")).text(), "200 A");
    }
}
