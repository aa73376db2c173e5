//! D1 (SQLite) through the bridge: prepare, bind (null, integer, real, text, blob), first, all,
//! raw, run, batch, exec, sessions (read replicas, bookmarks); rows read column by column
//! without serde, each value with its kind; the meta a statement reports (changes, last row id).

use crate::bridge::{self, Arg, Error, Kind, Target, Value};

/// A D1 database bound to the Worker as `binding` (`[[d1_databases]]` in wrangler.toml).
#[derive(Debug, Clone, Copy)]
pub struct Database<'n> {
    binding: &'n str,
}

/// A parameter of a statement.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// `NULL`.
    Null,
    /// An integer within ±(2^53 − 1), JavaScript's safe integers: D1 and a Durable Object's
    /// SQL take numbers, not BigInts, so one past that range would be stored rounded; binding it
    /// is refused instead ([`Error::InvalidArgument`]).
    Integer(i64),
    /// A real.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// A blob.
    Blob(&'a [u8]),
    /// A value the bridge holds, bound as it is (a string as text, bytes as a blob): data that
    /// arrived from the platform stored without entering wasm.
    Value(&'a Value),
}

/// The largest integer a JavaScript number holds exactly, and every one below it
/// (`Number.MAX_SAFE_INTEGER`, 2^53 − 1).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// `n` as an integer when a JavaScript number holds it exactly (integral, within
/// ±[`MAX_SAFE_INTEGER`]); else `Err(InvalidArgument)`: never a rounded value.
pub(crate) fn exact_integer(n: f64) -> Result<i64, Error> {
    // (`as` saturates, and NaN becomes 0: neither compares equal to what it came from.)
    let integer = n as i64;
    if integer as f64 == n && integer.unsigned_abs() <= MAX_SAFE_INTEGER as u64 {
        Ok(integer)
    } else {
        Err(Error::InvalidArgument)
    }
}

impl<'a> Param<'a> {
    /// The argument it binds as; an integer no JavaScript number holds exactly is refused.
    pub(crate) fn arg(self) -> Result<Arg<'a>, Error> {
        Ok(match self {
            Param::Null => Arg::NULL,
            Param::Integer(n) if n.unsigned_abs() > MAX_SAFE_INTEGER as u64 => return Err(Error::InvalidArgument),
            Param::Integer(n) => Arg::number(n as f64),
            Param::Real(n) => Arg::number(n),
            Param::Text(s) => Arg::str(s),
            Param::Blob(b) => Arg::bytes(b),
            Param::Value(v) => Arg::value(v),
        })
    }
}

/// The most parameters a statement binds without an allocator.
pub const MAX_PARAMS: usize = 32;

impl<'n> Database<'n> {
    /// The database bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// A prepared statement for `sql` (`?` or `?1` placeholders).
    pub fn prepare(&self, sql: &str) -> Result<Statement, Error> {
        prepare(Target::Env(self.binding), sql)
    }

    /// Runs `sql` (one or more statements, one per line, no parameters; e.g. a schema); what
    /// D1 reports of it (how many statements ran).
    pub fn exec(&self, sql: &str) -> Result<Executed, Error> {
        let value = bridge::call(Target::Env(self.binding), "exec", &[Arg::str(sql)])?;
        Ok(Executed { value })
    }

    /// Runs `statements` in one transaction; the result of each (as from [`Statement::all`]).
    pub fn batch(&self, statements: &[&Statement]) -> Result<Batch, Error> {
        batch(Target::Env(self.binding), statements)
    }

    /// A session (`withSession`): its queries see the database at least as new as where it
    /// starts, and each later one at least as new as the one before (read replicas keep the
    /// order). Hand [`Session::bookmark_in`] to the next request to go on from there.
    pub fn with_session(&self, start: SessionStart<'_>) -> Result<Session, Error> {
        let start = match start {
            SessionStart::Unconstrained => "first-unconstrained",
            SessionStart::Primary => "first-primary",
            SessionStart::Bookmark(bookmark) => bookmark,
        };
        let value = bridge::call(Target::Env(self.binding), "withSession", &[Arg::str(start)])?;
        Ok(Session { value })
    }
}

/// Where a session's first query reads.
#[derive(Debug, Clone, Copy)]
pub enum SessionStart<'a> {
    /// Any replica (the fastest answer; D1's default, `first-unconstrained`).
    Unconstrained,
    /// The primary: the newest data (`first-primary`).
    Primary,
    /// A copy at least as new as this bookmark, from an earlier session
    /// ([`Session::bookmark_in`]).
    Bookmark(&'a str),
}

/// A D1 session ([`Database::with_session`]): statements prepared on it read in order.
#[derive(Debug)]
pub struct Session {
    value: Value,
}

impl Session {
    /// A prepared statement for `sql`, run within the session.
    pub fn prepare(&self, sql: &str) -> Result<Statement, Error> {
        prepare(Target::Value(&self.value), sql)
    }

    /// Runs `statements` in one transaction within the session.
    pub fn batch(&self, statements: &[&Statement]) -> Result<Batch, Error> {
        batch(Target::Value(&self.value), statements)
    }

    /// The bookmark of the newest data the session has seen (`getBookmark()`), in the
    /// request's memory; `None` before its first query.
    pub fn bookmark_in<'a>(&self, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        self.value.call("getBookmark", &[])?.if_text(|b| b.text_in(request))
    }
}

/// `target.prepare(sql)`: on the database or a session.
fn prepare(target: Target<'_>, sql: &str) -> Result<Statement, Error> {
    let value = bridge::call(target, "prepare", &[Arg::str(sql)])?;
    Ok(Statement { value })
}

/// `target.batch(statements)`: on the database or a session.
fn batch(target: Target<'_>, statements: &[&Statement]) -> Result<Batch, Error> {
    if statements.len() > MAX_PARAMS {
        return Err(Error::InvalidArgument);
    }
    let mut args = [Arg::UNDEFINED; MAX_PARAMS];
    for (slot, statement) in args.iter_mut().zip(statements) {
        *slot = Arg::value(&statement.value);
    }
    let list = [Arg::array(args.get(..statements.len()).unwrap_or_default())];
    let value = bridge::call(target, "batch", &list)?;
    Ok(Batch { value })
}

/// A prepared statement.
#[derive(Debug)]
pub struct Statement {
    value: Value,
}

impl Statement {
    /// The statement with `params` bound (at most [`MAX_PARAMS`]; an integer past
    /// ±[`MAX_SAFE_INTEGER`] is refused, [`Error::InvalidArgument`]).
    pub fn bind(&self, params: &[Param<'_>]) -> Result<Statement, Error> {
        if params.len() > MAX_PARAMS {
            return Err(Error::InvalidArgument);
        }
        let mut args = [Arg::UNDEFINED; MAX_PARAMS];
        for (slot, param) in args.iter_mut().zip(params) {
            *slot = param.arg()?;
        }
        let value = self.value.call("bind", args.get(..params.len()).unwrap_or_default())?;
        Ok(Statement { value })
    }

    /// The first row, `None` when there is none.
    pub fn first(&self) -> Result<Option<Row>, Error> {
        let value = self.value.call("first", &[])?;
        Ok(value.present().map(|value| Row { value }))
    }

    /// Column `column` of the first row (D1's `first(column)`), `None` when there is no row;
    /// an unknown column is D1's error.
    pub fn first_column(&self, column: &str) -> Result<Option<Value>, Error> {
        Ok(self.value.call("first", &[Arg::str(column)])?.present())
    }

    /// Every row as an array of its values, in column order (D1's `raw()`); with
    /// `column_names`, the first array is the column names (`raw({ columnNames: true })`).
    /// Read it as JSON ([`Value::json_in`]) or item by item ([`Value::index`]).
    pub fn raw(&self, column_names: bool) -> Result<Value, Error> {
        let options = [bridge::Field::new("columnNames", Arg::bool(column_names))];
        self.value.call("raw", &[Arg::object(&options)])
    }

    /// Every row, and the meta.
    pub fn all(&self) -> Result<Rows, Error> {
        Ok(Rows {
            value: self.value.call("all", &[])?,
        })
    }

    /// Runs it for its effect; the meta (changes, last row id).
    pub fn run(&self) -> Result<Meta, Error> {
        Ok(Meta {
            value: self.value.call("run", &[])?.get("meta")?,
        })
    }
}

/// The rows of [`Statement::all`], and its meta.
#[derive(Debug)]
pub struct Rows {
    value: Value,
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> Result<usize, Error> {
        self.value.get("results")?.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.len().map(|n| n == 0)
    }

    /// Row `index`.
    pub fn row(&self, index: usize) -> Result<Row, Error> {
        Ok(Row {
            value: self.value.get("results")?.index(index)?,
        })
    }

    /// The meta.
    pub fn meta(&self) -> Result<Meta, Error> {
        Ok(Meta {
            value: self.value.get("meta")?,
        })
    }
}

/// The results of [`Database::batch`], one [`Rows`] per statement.
#[derive(Debug)]
pub struct Batch {
    value: Value,
}

impl Batch {
    /// The result of statement `index`.
    pub fn result(&self, index: usize) -> Result<Rows, Error> {
        Ok(Rows {
            value: self.value.index(index)?,
        })
    }
}

/// One row: its columns by name.
#[derive(Debug)]
pub struct Row {
    value: Value,
}

/// The kind of a column's value, as SQLite stored it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `NULL`.
    Null,
    /// An integer or a real (a JavaScript number).
    Number,
    /// Text.
    Text,
    /// A blob.
    Blob,
}

impl Row {
    /// A row object (a Durable Object's SQL rows have the same shape as D1's).
    pub(crate) fn of(value: Value) -> Self {
        Self { value }
    }

    /// The value of column `name` (`undefined` for a column the row does not have).
    pub fn get(&self, name: &str) -> Result<Value, Error> {
        self.value.get(name)
    }

    /// The kind of column `name`.
    pub fn kind(&self, name: &str) -> Result<Column, Error> {
        match self.get(name)?.kind() {
            Kind::Null | Kind::Undefined => Ok(Column::Null),
            Kind::Number => Ok(Column::Number),
            Kind::String => Ok(Column::Text),
            Kind::Bytes | Kind::Array => Ok(Column::Blob),
            found => Err(Error::WrongType { found }),
        }
    }

    /// Column `name` as an integer: `Err(InvalidArgument)` for a number that is not one, or
    /// is past ±[`MAX_SAFE_INTEGER`] (the platform hands it over as a JavaScript number, which
    /// may have rounded it: refused, never a misread value).
    pub fn integer(&self, name: &str) -> Result<i64, Error> {
        exact_integer(self.value.get_number(name)?)
    }

    /// Column `name` as text in the request's memory, sized by the host.
    pub fn text_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<&'a str, Error> {
        self.value.get_required_text_in(name, request)
    }

    /// Column `name` as text, in `buffer`.
    pub fn text<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        self.get(name)?.text(buffer)
    }

    /// The row as a bridge value (e.g. `json_owned` for all its columns at once).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Releases the row now instead of when the call ends (a loop over many rows holds none).
    pub fn release(self) {
        self.value.release()
    }

    /// The column names, in the order the row has them.
    pub fn columns(&self) -> Result<Value, Error> {
        bridge::call(Target::Global("Object"), "keys", &[Arg::value(&self.value)])
    }
}

/// What [`Database::exec`] reported.
#[derive(Debug)]
pub struct Executed {
    value: Value,
}

impl Executed {
    /// How many statements ran.
    pub fn count(&self) -> Result<u32, Error> {
        Ok(exact_integer(self.value.get_number("count")?)? as u32)
    }

    /// How long they took, in milliseconds.
    pub fn duration(&self) -> Result<f64, Error> {
        self.value.get_number("duration")
    }
}

/// What a statement reported.
#[derive(Debug)]
pub struct Meta {
    value: Value,
}

impl Meta {
    /// Rows it changed.
    pub fn changes(&self) -> Result<u64, Error> {
        exact_integer(self.value.get_number("changes")?).map(|n| n.unsigned_abs())
    }

    /// The rowid of the last row it inserted.
    pub fn last_row_id(&self) -> Result<i64, Error> {
        exact_integer(self.value.get_number("last_row_id")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn integers_are_exact_or_refused() {
        for n in [0, 1, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER] {
            assert!(Param::Integer(n).arg().is_ok(), "{n}");
            assert_eq!(exact_integer(n as f64), Ok(n));
        }
        // 2^53 + 1 would be stored as 2^53: refused, as is every integer past the safe range.
        for n in [
            MAX_SAFE_INTEGER + 1,
            MAX_SAFE_INTEGER + 2,
            i64::MAX,
            i64::MIN,
            -MAX_SAFE_INTEGER - 1,
        ] {
            assert_eq!(Param::Integer(n).arg().err(), Some(Error::InvalidArgument), "{n}");
        }
        for read in [9007199254740992.0, 1.5, f64::NAN, f64::INFINITY, -1e300] {
            assert_eq!(exact_integer(read), Err(Error::InvalidArgument), "{read}");
        }
    }

    #[test]
    fn a_session_starts_where_asked_and_prepares_on_itself() {
        BRIDGE_VALUES.with(|v| {
            *v.borrow_mut() = std::vec![
                (0, BridgeAnswer::Object(0)),
                (1, BridgeAnswer::Object(1)),
                (2, BridgeAnswer::Object(2)),
                (3, BridgeAnswer::Object(3)),
            ]
        });
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        let db = Database::new("DB");
        db.with_session(SessionStart::Primary).unwrap();
        let session = db.with_session(SessionStart::Bookmark("0000-0002")).unwrap();
        let statement = session.prepare("SELECT 1").unwrap();
        session.batch(&[&statement]).unwrap();
        assert_eq!(
            BRIDGE_ASKED.with(|a| a.borrow().clone()),
            [
                "env DB.withSession(\"first-primary\") flags 0",
                "env DB.withSession(\"0000-0002\") flags 0",
                "value .prepare(\"SELECT 1\") flags 0",
                "value .batch([value 2]) flags 0",
            ]
        );
    }
}
