//! The types the compiler checks for us: one id type per main entity (a `TrainingId` cannot be
//! passed where an `EmployeeId` is meant), and text enums mapped to their stored and wire form
//! in one place (`text_enum!`), so an unknown stored value is an error, never a silent default.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Timestamp};

macro_rules! id_types {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default,
            serde::Serialize, serde::Deserialize, diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <i64 as ToSql<BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

// Every name here is also listed in build.rs, where the OpenAPI generator learns that they are
// integers on the wire.
id_types! {
    UnitId,
    CompetencyId,
    PositionId,
    EmployeeId,
    AssessmentId,
    PartnerId,
    TrainerId,
    TrainingId,
    EnrolmentId,
    UserId,
    ClientId,
    ExemptionId,
    ExternalLearningId,
    ProgrammeId,
    ImprovementActionId,
    DevelopmentNeedId,
    PlanId,
    PlanItemId,
    SessionId,
    PolicyId,
    WebhookId,
}

/// A stored timestamp (UTC, `Timestamp` in both schemas), read and sent as RFC 3339 with `Z`.
/// Written as `db::now()`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, diesel::FromSqlRow,
)]
#[serde(transparent)]
pub struct UtcTime(pub DateTime<Utc>);

/// RFC 3339, or PostgreSQL's JSON form of a `timestamp` (no offset: it is UTC).
impl<'de> serde::Deserialize<'de> for UtcTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(t) => Ok(UtcTime(t.with_timezone(&Utc))),
            Err(_) => text
                .parse::<NaiveDateTime>()
                .map(|t| UtcTime(t.and_utc()))
                .map_err(serde::de::Error::custom),
        }
    }
}

impl<DB: Backend> FromSql<Timestamp, DB> for UtcTime
where
    NaiveDateTime: FromSql<Timestamp, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        NaiveDateTime::from_sql(bytes).map(|t| UtcTime(t.and_utc()))
    }
}

/// A value kept as JSON in a text column (a competency's levels, a training's links), read and
/// sent as the value itself. Written as the text of `to_text()`.
#[derive(Debug, Clone, Default, PartialEq, diesel::FromSqlRow)]
pub struct JsonText<T>(pub T);

impl<T: serde::Serialize> JsonText<T> {
    pub fn to_text(value: &T) -> String {
        serde_json::to_string(value).unwrap_or_else(|_| "null".into())
    }
}

impl<T: serde::Serialize> serde::Serialize for JsonText<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// The value, or (from PostgreSQL's JSON of a row, where the column is text) its JSON text.
impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for JsonText<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let value = match value {
            serde_json::Value::String(text) => {
                serde_json::from_str(&text).map_err(serde::de::Error::custom)?
            }
            other => other,
        };
        serde_json::from_value(value)
            .map(JsonText)
            .map_err(serde::de::Error::custom)
    }
}

impl<DB, T> FromSql<diesel::sql_types::Text, DB> for JsonText<T>
where
    DB: Backend,
    String: FromSql<diesel::sql_types::Text, DB>,
    T: serde::de::DeserializeOwned,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Ok(JsonText(serde_json::from_str(&text)?))
    }
}

/// JSON kept in a text column and passed through as it is, never read field by field: a
/// competency's levels, most of the 1.5 KB every read of one answers and merged into
/// a patch as shown. Parsing them into `T` and printing them again was most of the work of that
/// read. `T` is their shape, for the OpenAPI schema; what is stored was validated as `T` when it
/// was written (as the text of [`JsonText::to_text`]).
#[derive(Debug, Clone, diesel::FromSqlRow)]
pub struct RawJson<T>(
    Box<serde_json::value::RawValue>,
    std::marker::PhantomData<T>,
);

impl<T> serde::Serialize for RawJson<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T> RawJson<T> {
    fn from_text(text: String) -> serde_json::Result<Self> {
        serde_json::value::RawValue::from_string(text).map(|raw| RawJson(raw, Default::default()))
    }
}

/// The JSON itself, or (from PostgreSQL's JSON of a row, where the column is text) the JSON in
/// a string. Only from JSON text: a `serde_json::Value` cannot hold it unparsed.
impl<'de, T> serde::Deserialize<'de> for RawJson<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        if !raw.get().starts_with('"') {
            return Ok(RawJson(raw, Default::default()));
        }
        let text: String = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        RawJson::from_text(text).map_err(serde::de::Error::custom)
    }
}

impl<DB, T> FromSql<diesel::sql_types::Text, DB> for RawJson<T>
where
    DB: Backend,
    String: FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(RawJson::from_text(String::from_sql(bytes)?)?)
    }
}

/// Pangkalpinang keeps Western Indonesia Time (WIB): UTC+7 all year, without daylight saving.
/// Every day the rules count is the city's day, so that what is recorded at 06:00 on 1 January
/// (23:00 UTC the day before) counts in the new year, and a session at 06:30 is on its day.
const CITY_UTC_OFFSET_SECONDS: i32 = 7 * 3600;

fn city_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(CITY_UTC_OFFSET_SECONDS).expect("UTC+7 is an offset")
}

/// The city's day of an instant.
pub fn day_of(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&city_offset()).date_naive()
}

/// Today in the city, as the date rules count it: training status moves, completion and
/// feedback days, the current year, NIP birth and CPNS dates.
pub fn today() -> chrono::NaiveDate {
    day_of(Utc::now())
}

/// The first instant of the city's `day`, as a UTC timestamp (stored timestamps are UTC): the
/// bound of a period of days over timestamps.
pub fn day_start(day: chrono::NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) - chrono::Duration::seconds(CITY_UTC_OFFSET_SECONDS.into())
}

/// The raw values of a list of ids, for SQL text built from integers.
pub fn raw<T: Copy + Into<i64>>(ids: &[T]) -> Vec<i64> {
    ids.iter().map(|&id| id.into()).collect()
}

/// A stored text that is not one of an enum's values: the database was changed behind our back.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` is not a valid {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// The years a date of this service may fall in (API.md: 1900..2999); what lies outside is a
/// typing error, and PostgreSQL's date range is narrower than chrono's.
/// The first and last day of `year`, when it is a representable year.
pub fn year_days(year: i32) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    Some((
        chrono::NaiveDate::from_ymd_opt(year, 1, 1)?,
        chrono::NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The years a `year` parameter may name (a year-measuring report's year too, when it comes
/// from `from` or `to`).
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2200;

pub fn date_in_range(date: &chrono::NaiveDate) -> Result<(), validator::ValidationError> {
    use chrono::Datelike;
    if (1900..=2999).contains(&date.year()) {
        return Ok(());
    }
    Err(validator::ValidationError::new("date_range")
        .with_message("must be a date in the years 1900 to 2999".into()))
}

/// A timestamp in the years 1900..2999, as every date.
pub fn time_in_range(t: &UtcTime) -> Result<(), validator::ValidationError> {
    date_in_range(&t.0.date_naive()).map_err(|_| {
        validator::ValidationError::new("date_range")
            .with_message("must be a time in the years 1900 to 2999".into())
    })
}

/// An enum stored as text and sent as the same text: `Variant = "text"` once, and serde, the
/// OpenAPI schema, the database mapping, `as_str`, `FromStr` and `ALL` all follow from it.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            #[allow(dead_code)]
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::types::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::types::UnknownValue {
                        kind: stringify!($name),
                        value: s.to_string(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::text_enum! {
        enum Colour { Red = "red", DarkBlue = "dark_blue" }
    }

    #[test]
    fn the_days_are_the_citys_at_utc_plus_seven() {
        use chrono::{NaiveDate, TimeZone, Utc};
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 31, h, m, 0).unwrap();
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 23:59 and 00:00 in Pangkalpinang on New Year's Eve.
        assert_eq!(super::day_of(at(16, 59)), date(2026, 12, 31));
        assert_eq!(super::day_of(at(17, 0)), date(2027, 1, 1));
        assert_eq!(super::day_of(at(0, 0)), date(2026, 12, 31));
        let start = super::day_start(date(2027, 1, 1));
        assert_eq!(start, at(17, 0).naive_utc());
        assert_eq!(super::day_of(start.and_utc()), date(2027, 1, 1));
        assert_eq!(
            super::day_of((start - chrono::Duration::seconds(1)).and_utc()),
            date(2026, 12, 31)
        );
    }

    #[test]
    fn text_enums_read_and_write_one_spelling() {
        for c in Colour::ALL {
            let wire = serde_json::to_string(c).unwrap();
            assert_eq!(wire, format!("\"{}\"", c.as_str()));
            assert_eq!(c.as_str().parse::<Colour>().unwrap(), *c);
        }
        let err = "blue".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), "`blue` is not a valid Colour");
    }
}
