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

    /// Text property `name` of the binding, in the request's memory.
    fn text_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        bridge::get(Target::Env(self.binding), name)?.text_in(request)
    }
}
