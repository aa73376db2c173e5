//! Hyperdrive (`[[hyperdrive]]` in wrangler.toml): a database the platform pools connections to
//! near it; its connection string and parts, and a TCP connection to it to speak its protocol.

use crate::bridge::{self, Error, Target};
use crate::socket::Socket;

/// The Hyperdrive configuration bound to the Worker as `binding`.
#[derive(Debug, Clone, Copy)]
pub struct Hyperdrive<'n> {
    binding: &'n str,
}

impl<'n> Hyperdrive<'n> {
    /// The configuration bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// The connection string a database driver takes (`postgresql://user:password@host:port/db`)
    /// in the request's memory. It holds the password: for the handler only, never an answer.
    pub fn connection_string_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.text_in("connectionString", request)
    }

    /// The host to connect to (the platform's own name for the pool, not the database's).
    pub fn host_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.text_in("host", request)
    }

    /// The port to connect to (`InvalidArgument` for a number that is no port).
    pub fn port(&self) -> Result<u16, Error> {
        let port = bridge::get_number(Target::Env(self.binding), "port")?;
        // (A fraction, a negative number, one past 65,535 or NaN converts to another number.)
        let whole = port as u16;
        if f64::from(whole) != port {
            return Err(Error::InvalidArgument);
        }
        Ok(whole)
    }

    /// The database user.
    pub fn user_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.text_in("user", request)
    }

    /// The user's password: for the handler only, never an answer.
    pub fn password_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.text_in("password", request)
    }

    /// The database's name.
    pub fn database_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.text_in("database", request)
    }

    /// A TCP connection to the database through Hyperdrive (`binding.connect()`), open: speak
    /// the database's protocol over it ([`Socket::write`], [`Socket::read_in`]).
    pub fn connect(&self) -> Result<Socket, Error> {
        Socket::opened(bridge::call(Target::Env(self.binding), "connect", &[])?)
    }

    /// Text property `name` of the binding, in the request's memory. (Two crossings, the get
    /// and the read: one would need a new path through `bridge`, which measured 3-5 B more in
    /// modules that never read Hyperdrive, 2026-12-07.)
    fn text_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        bridge::get(Target::Env(self.binding), name)?.text_in(request)
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::Hyperdrive;
    use crate::testing::{TestEnv, TestRequest};
    use crate::{Request, Response};

    /// Answers the parts of binding `DB`.
    fn handle<'a>(request: &Request<'a>) -> Result<Response<'a>, crate::Error> {
        let db = Hyperdrive::new("DB");
        let (user, password) = (db.user_in(request)?, db.password_in(request)?);
        let (host, database) = (db.host_in(request)?, db.database_in(request)?);
        let port = db.port().map_err(|_| crate::Error::bad_request("no port"))?;
        let url = db.connection_string_in(request)?;
        let line = request.format(format_args!("{user}:{password}@{host}:{port}/{database} {url}"))?;
        Ok(Response::text(200, line))
    }

    #[test]
    fn the_configuration_is_read_in_its_parts() {
        let url = "postgresql://ann:pw@pool.local:6543/notes";
        let env = TestEnv::new().hyperdrive("DB", url);
        let text = std::format!("ann:pw@pool.local:6543/notes {url}");
        assert_eq!(env.fetch(handle, TestRequest::get("/")).text(), text);
    }

    #[test]
    fn a_port_that_is_no_port_is_refused() {
        let env = TestEnv::new().hyperdrive("DB", "postgresql://ann:pw@pool.local:70000/notes");
        assert_eq!(env.fetch(handle, TestRequest::get("/")).status, 400);
    }
}
