//! The stand-in of a D1 database: SQLite itself (rusqlite, in memory, one per binding), with
//! D1's shapes: a statement's rows, `first`, `raw`, `run`'s meta, `exec`, `batch`, sessions.

use super::value::Js;
use rusqlite::types::{Value as Sql, ValueRef};
use std::string::{String, ToString};
use std::vec::Vec;

/// One database: an in-memory SQLite, and how many writes it has seen (a session's bookmark).
pub(crate) struct Database {
    sqlite: rusqlite::Connection,
    writes: u64,
}

impl core::fmt::Debug for Database {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Database").field("writes", &self.writes).finish()
    }
}

/// A prepared statement as the Worker holds it: its SQL and the parameters bound so far.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// The database's binding.
    pub(crate) binding: String,
    /// Its SQL.
    pub(crate) sql: String,
    /// What `bind` gave it.
    pub(crate) params: Vec<Js>,
    /// The session it was prepared in (the world's object), if any.
    pub(crate) session: Option<usize>,
}

/// What a statement did: its columns, its rows, and D1's meta.
struct Ran {
    columns: Vec<String>,
    rows: Vec<Vec<Js>>,
    changes: u64,
    last_row_id: i64,
}

impl Ran {
    /// Row `i` as an object of its columns.
    fn row(&self, row: &[Js]) -> Js {
        Js::Object(self.columns.iter().cloned().zip(row.iter().cloned()).collect())
    }

    /// D1's `meta`.
    fn meta(&self) -> Js {
        Js::object([
            ("changes", Js::Number(self.changes as f64)),
            ("last_row_id", Js::Number(self.last_row_id as f64)),
            ("duration", Js::Number(0.0)),
            ("rows_read", Js::Number(self.rows.len() as f64)),
            ("rows_written", Js::Number(self.changes as f64)),
            ("changed_db", Js::Bool(self.changes > 0)),
        ])
    }

    /// What `all()` and `run()` answer: `{ success, meta, results }`.
    fn result(&self) -> Js {
        let rows = self.rows.iter().map(|row| self.row(row)).collect();
        Js::object([
            ("success", Js::Bool(true)),
            ("meta", self.meta()),
            ("results", Js::Array(rows)),
        ])
    }
}

impl Default for Database {
    fn default() -> Self {
        Self {
            sqlite: rusqlite::Connection::open_in_memory().expect("an in-memory SQLite opens"),
            writes: 0,
        }
    }
}

/// `value` as SQLite takes it, as D1 binds it: an integral number within ±(2^53 − 1) as an
/// integer, any other number as a real, text, an `ArrayBuffer` as a blob, `null`.
fn param(value: &Js) -> Result<Sql, String> {
    Ok(match value {
        Js::Null | Js::Undefined => Sql::Null,
        Js::Bool(b) => Sql::Integer(i64::from(*b)),
        Js::Number(n) if n.fract() == 0.0 && n.abs() <= crate::d1::MAX_SAFE_INTEGER as f64 => Sql::Integer(*n as i64),
        Js::Number(n) => Sql::Real(*n),
        Js::Text(t) => Sql::Text(t.clone()),
        Js::Bytes(b) => Sql::Blob(b.clone()),
        other => return Err(std::format!("D1_TYPE_ERROR: Type '{other:?}' not supported for value")),
    })
}

/// A column's value as D1 answers it: numbers, text, a blob as an array of its bytes.
fn column(value: ValueRef<'_>) -> Js {
    match value {
        ValueRef::Null => Js::Null,
        ValueRef::Integer(n) => Js::Number(n as f64),
        ValueRef::Real(n) => Js::Number(n),
        ValueRef::Text(t) => Js::text(String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => Js::Array(b.iter().map(|&byte| Js::Number(f64::from(byte))).collect()),
    }
}

impl Database {
    /// Runs one statement.
    fn run(&mut self, sql: &str, params: &[Js]) -> Result<Ran, String> {
        let error = |e: rusqlite::Error| std::format!("D1_ERROR: {e}");
        let params = params.iter().map(param).collect::<Result<Vec<_>, _>>()?;
        let mut statement = self.sqlite.prepare(sql).map_err(error)?;
        let columns: Vec<String> = statement.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = Vec::new();
        let mut cursor = statement
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(error)?;
        while let Some(row) = cursor.next().map_err(error)? {
            let values = (0..columns.len())
                .map(|i| row.get_ref(i).map(column))
                .collect::<Result<Vec<_>, _>>()
                .map_err(error)?;
            rows.push(values);
        }
        drop(cursor);
        let readonly = statement.readonly();
        drop(statement);
        let changes = if readonly { 0 } else { self.sqlite.changes() };
        if changes > 0 {
            self.writes += 1;
        }
        Ok(Ran {
            columns,
            rows,
            changes,
            last_row_id: self.sqlite.last_insert_rowid(),
        })
    }

    /// A session's bookmark: where the database stands now (D1's form, 4 groups of hex).
    pub(crate) fn bookmark(&self) -> String {
        std::format!("00000000-{:08x}-00000000-{:032x}", self.writes, 0)
    }

    /// `exec(sql)`: each line one statement, no parameters; `{ count, duration }`.
    pub(crate) fn exec(&mut self, sql: &str) -> Result<Js, String> {
        let mut count = 0;
        for line in sql.lines().map(str::trim).filter(|line| !line.is_empty()) {
            self.run(line, &[])?;
            count += 1;
        }
        Ok(Js::object([
            ("count", Js::Number(f64::from(count))),
            ("duration", Js::Number(0.0)),
        ]))
    }

    /// `member(args)` on a prepared statement: `first`, `all`, `run`, `raw`.
    pub(crate) fn statement_call(&mut self, statement: &Statement, member: &str, args: &[Js]) -> Result<Js, String> {
        let ran = self.run(&statement.sql, &statement.params)?;
        Ok(match (member, args) {
            ("first", []) => ran.rows.first().map_or(Js::Null, |row| ran.row(row)),
            ("first", [Js::Text(name)]) => match ran.rows.first() {
                None => Js::Null,
                Some(row) => match ran.columns.iter().position(|c| c == name) {
                    Some(i) => row[i].clone(),
                    None => return Err(std::format!("D1_COLUMN_NOTFOUND: Column not found ({name})")),
                },
            },
            ("all" | "run", []) => ran.result(),
            ("raw", options) => {
                let names = options.first().map(|o| o.get("columnNames")) == Some(Js::Bool(true));
                let header = names.then(|| Js::Array(ran.columns.iter().cloned().map(Js::Text).collect()));
                Js::Array(header.into_iter().chain(ran.rows.into_iter().map(Js::Array)).collect())
            }
            (member, args) => panic!("tinyworker::testing: D1 statement.{member}({args:?}) is not stood in"),
        })
    }

    /// `batch(statements)`: in one transaction (none of it stays when one fails); each result.
    pub(crate) fn batch(&mut self, statements: &[Statement]) -> Result<Js, String> {
        self.sqlite
            .execute_batch("SAVEPOINT batch")
            .map_err(|e| std::format!("D1_ERROR: {e}"))?;
        let mut results = Vec::new();
        for statement in statements {
            match self.run(&statement.sql, &statement.params) {
                Ok(ran) => results.push(ran.result()),
                Err(e) => {
                    let _ = self.sqlite.execute_batch("ROLLBACK TO batch; RELEASE batch");
                    return Err(e);
                }
            }
        }
        self.sqlite
            .execute_batch("RELEASE batch")
            .map_err(|e| std::format!("D1_ERROR: {e}"))?;
        Ok(Js::Array(results))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str, params: &[Js]) -> Statement {
        Statement {
            binding: "DB".into(),
            sql: sql.into(),
            params: params.to_vec(),
            session: None,
        }
    }

    // (SQLite is C, which Miri cannot run: these run under `cargo test` only.)
    #[test]
    #[cfg_attr(miri, ignore)]
    fn rows_and_meta_have_d1s_shapes() {
        let mut db = Database::default();
        assert_eq!(
            db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n, b BLOB)\nDELETE FROM t")
                .unwrap()
                .get("count"),
            Js::Number(2.0)
        );
        let insert = statement(
            "INSERT INTO t (n, b) VALUES (?, ?)",
            &[Js::Number(9007199254740991.0), Js::Bytes(std::vec![0, 255])],
        );
        let meta = db.statement_call(&insert, "run", &[]).unwrap().get("meta");
        assert_eq!(
            (meta.get("changes"), meta.get("last_row_id")),
            (Js::Number(1.0), Js::Number(1.0))
        );
        let select = statement("SELECT n, b FROM t", &[]);
        let row = db.statement_call(&select, "first", &[]).unwrap();
        assert_eq!(row.get("n"), Js::Number(9007199254740991.0), "an integer, exactly");
        assert_eq!(row.get("b"), Js::Array(std::vec![Js::Number(0.0), Js::Number(255.0)]));
        let raw = db
            .statement_call(&select, "raw", &[Js::object([("columnNames", Js::Bool(true))])])
            .unwrap();
        assert_eq!(raw.get("0"), Js::Array(std::vec![Js::text("n"), Js::text("b")]));
        assert!(db.statement_call(&select, "first", &[Js::text("nope")]).is_err());
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn a_batch_that_fails_leaves_nothing() {
        let mut db = Database::default();
        db.exec("CREATE TABLE t (n INTEGER NOT NULL)").unwrap();
        let good = statement("INSERT INTO t VALUES (1)", &[]);
        let bad = statement("INSERT INTO t VALUES (NULL)", &[]);
        assert!(db.batch(&[good.clone(), bad]).is_err());
        let count = statement("SELECT COUNT(*) AS c FROM t", &[]);
        assert_eq!(
            db.statement_call(&count, "first", &[Js::text("c")]),
            Ok(Js::Number(0.0))
        );
        db.batch(&[good]).unwrap();
        assert_eq!(
            db.statement_call(&count, "first", &[Js::text("c")]),
            Ok(Js::Number(1.0))
        );
    }
}
