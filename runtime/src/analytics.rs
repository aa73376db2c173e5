//! Workers Analytics Engine (`[[analytics_engine_datasets]]`), typed over the bridge: a data
//! point of blobs, doubles and an index written with `writeDataPoint` (it answers at once).

use crate::bridge::{self, Arg, Error, Field, Target};

/// The most blobs and doubles a data point carries (the platform's limits).
pub const MAX_FIELDS: usize = 20;

/// A dataset bound to the Worker as `binding`.
#[derive(Debug, Clone, Copy)]
pub struct Dataset<'n> {
    binding: &'n str,
}

/// One data point: `blobs` (text), `doubles` (numbers) and at most one index (the sampling key).
#[derive(Debug, Clone, Copy, Default)]
pub struct DataPoint<'a> {
    /// Text dimensions, `blob1`.. in queries.
    pub blobs: &'a [&'a str],
    /// Numeric values, `double1`.. in queries.
    pub doubles: &'a [f64],
    /// The index (sampling key), if any.
    pub index: Option<&'a str>,
}

impl<'n> Dataset<'n> {
    /// The dataset bound as `binding`.
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// Writes `point` (`writeDataPoint`): `InvalidArgument` past [`MAX_FIELDS`] blobs or doubles,
    /// before any call.
    pub fn write_data_point(&self, point: &DataPoint<'_>) -> Result<(), Error> {
        if point.blobs.len() > MAX_FIELDS || point.doubles.len() > MAX_FIELDS {
            return Err(Error::InvalidArgument);
        }
        let mut blobs = [Arg::UNDEFINED; MAX_FIELDS];
        let mut doubles = [Arg::UNDEFINED; MAX_FIELDS];
        for (slot, blob) in blobs.iter_mut().zip(point.blobs) {
            *slot = Arg::str(blob);
        }
        for (slot, double) in doubles.iter_mut().zip(point.doubles) {
            *slot = Arg::number(*double);
        }
        let index = point.index.map(Arg::str);
        let indexes = index.as_slice();
        let fields = [
            Field::new("blobs", Arg::array(blobs.get(..point.blobs.len()).unwrap_or_default())),
            Field::new(
                "doubles",
                Arg::array(doubles.get(..point.doubles.len()).unwrap_or_default()),
            ),
            Field::new("indexes", Arg::array(indexes)),
        ];
        bridge::call_unit(Target::Env(self.binding), "writeDataPoint", &[Arg::object(&fields)])
    }
}
