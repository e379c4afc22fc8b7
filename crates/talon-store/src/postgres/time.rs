//! Instants and days as PostgreSQL holds them. In its binary protocol a `timestamptz` is an i64
//! of microseconds since 2000-01-01T00:00:00Z and a `date` an i32 of days since 2000-01-01, so
//! these newtypes write and read them directly: the store keeps an instant to the microsecond in
//! both backends, and no text form or time zone of the session comes between.

use bytes::BytesMut;
use jiff::Timestamp;
use jiff::civil::Date;
use std::error::Error;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

/// 2000-01-01T00:00:00Z in microseconds since the Unix epoch: PostgreSQL's epoch.
const EPOCH_MICROS: i64 = 946_684_800_000_000;

/// PostgreSQL's epoch as a day.
const EPOCH_DAY: Date = Date::constant(2000, 1, 1);

type BoxError = Box<dyn Error + Sync + Send>;

/// An instant as a `timestamptz`, to the microsecond (finer digits are cut, as
/// [`crate::to_microsecond`] cuts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Instant(pub Timestamp);

impl ToSql for Instant {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        // jiff's range (years -9999 to 9999) is far inside an i64 of microseconds.
        (self.0.as_microsecond() - EPOCH_MICROS).to_sql(ty, out)
    }

    accepts!(TIMESTAMPTZ);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Instant {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Instant, BoxError> {
        let micros = i64::from_sql(ty, raw)?;
        // `infinity` and `-infinity` (i64::MAX and MIN) are no instant; nor is anything else
        // outside jiff's range.
        let unix = micros
            .checked_add(EPOCH_MICROS)
            .ok_or("a timestamp beyond any instant")?;
        Ok(Instant(Timestamp::from_microsecond(unix)?))
    }

    accepts!(TIMESTAMPTZ);
}

/// A business day as a `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day(pub Date);

impl ToSql for Day {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let days = self.0.duration_since(EPOCH_DAY).as_hours() / 24;
        i32::try_from(days)?.to_sql(ty, out)
    }

    accepts!(DATE);
    to_sql_checked!();
}
