//! A Durable Object's SQL database (`ctx.storage.sql.exec`), synchronously and inside the
//! call's transaction like its key-value storage: bound parameters, rows by column name with
//! their kinds (D1's row API), the column names, and what a statement wrote.

use crate::bridge::{self, Arg, Error, Target, Value};
pub use crate::d1::{Column, Param, Row, MAX_PARAMS};

/// Runs `query` (one statement, or several without parameters) with `params` bound to its `?`
/// placeholders; the cursor over its rows. A statement SQLite refuses is [`Error::Failed`]
/// ([`bridge::last_error`] has SQLite's message).
pub fn exec(query: &str, params: &[Param<'_>]) -> Result<Cursor, Error> {
    if params.len() > MAX_PARAMS {
        return Err(Error::InvalidArgument);
    }
    let mut args = [Arg::UNDEFINED; MAX_PARAMS + 1];
    args[0] = Arg::str(query);
    for (slot, param) in args[1..].iter_mut().zip(params) {
        *slot = param.arg()?;
    }
    let storage = bridge::get(Target::Context, "storage")?;
    let sql = storage.get("sql");
    storage.release();
    let sql = sql?;
    let cursor = sql.call("exec", &args[..=params.len()]);
    sql.release();
    Ok(Cursor { value: cursor? })
}

/// The rows of one `exec`, read once, in order.
#[derive(Debug)]
pub struct Cursor {
    value: Value,
}

impl Cursor {
    /// Every row (`toArray()`).
    pub fn rows(&self) -> Result<Rows, Error> {
        let list = self.value.call("toArray", &[])?;
        let len = list.len()?;
        Ok(Rows { list, len })
    }

    /// The column names, in order (an array of strings).
    pub fn column_names(&self) -> Result<Value, Error> {
        self.value.get("columnNames")
    }

    /// Rows the statement wrote.
    pub fn rows_written(&self) -> Result<u64, Error> {
        Ok(self.value.get_number("rowsWritten")? as u64)
    }
}

/// The rows of a cursor.
#[derive(Debug)]
pub struct Rows {
    list: Value,
    len: usize,
}

impl Rows {
    /// How many.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Row `index`.
    pub fn row(&self, index: usize) -> Result<Row, Error> {
        Ok(Row::of(self.list.index(index)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{BridgeAnswer, BRIDGE_ASKED, BRIDGE_VALUES};

    #[test]
    fn exec_binds_parameters_on_the_object_s_database() {
        BRIDGE_VALUES.with(|v| {
            *v.borrow_mut() = vec![
                (0, BridgeAnswer::Undefined),
                (1, BridgeAnswer::Undefined),
                (2, BridgeAnswer::Undefined),
            ]
        });
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
        exec("INSERT INTO t VALUES (?, ?)", &[Param::Text("a"), Param::Integer(2)]).unwrap();
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[0], "context .storage() flags 1");
        assert_eq!(asked[1], "value .sql() flags 1");
        assert_eq!(
            asked[2],
            "value .exec(\"INSERT INTO t VALUES (?, ?)\", \"a\", 2) flags 0"
        );
        let too_many = [Param::Null; MAX_PARAMS + 1];
        assert_eq!(exec("x", &too_many).unwrap_err(), Error::InvalidArgument);
    }
}
