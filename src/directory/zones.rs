//! The account's time zone, for showing instants as calendar dates. Entra sends the employment
//! date as an instant (midnight in the tenant's zone, as UTC); the store keeps that instant, and
//! people (admin pages, the CSV) see and give a date in the account's zone.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::{DirectoryError, Result};

pub const DEFAULT: &str = "UTC";

/// An IANA zone name such as `Europe/Stockholm`; anything else is refused.
pub fn parse(name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        DirectoryError::invalid(
            "time_zone",
            format!("{name:?} is not a time zone name like Europe/Stockholm or UTC"),
        )
    })
}

/// A stored zone name; one that no longer parses (a renamed zone) falls back to UTC.
pub fn of(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// The calendar date of a UTC instant in `zone`.
pub fn day_in(instant: NaiveDateTime, zone: Tz) -> NaiveDate {
    zone.from_utc_datetime(&instant).date_naive()
}

/// A date given without a time means the start of that day in `zone`, as UTC: the instant
/// Entra sends for the same date in a tenant of that zone.
pub fn start_of(day: NaiveDate, zone: Tz) -> NaiveDateTime {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    match zone.from_local_datetime(&midnight).earliest() {
        Some(local) => local.naive_utc(),
        // A zone that skips midnight (DST at 00:00): the first instant of the day after the gap.
        None => (1..=24)
            .filter_map(|h| {
                zone.from_local_datetime(&(midnight + chrono::Duration::hours(h)))
                    .earliest()
            })
            .map(|local| local.naive_utc())
            .next()
            .unwrap_or(midnight),
    }
}

/// The instant for a date someone typed: the stored instant when it falls on that date already
/// (so re-saving a page or re-importing an export changes nothing), else the start of the day.
pub fn instant_for(
    day: Option<NaiveDate>,
    stored: Option<NaiveDateTime>,
    zone: Tz,
) -> Option<NaiveDateTime> {
    let day = day?;
    match stored {
        Some(instant) if day_in(instant, zone) == day => Some(instant),
        _ => Some(start_of(day, zone)),
    }
}

/// An instant as RFC 3339 in UTC, with fractions only when it has them
/// (`2021-03-31T22:00:00Z`): the form Entra sends, so what it sent comes back unchanged.
pub fn rfc3339(instant: NaiveDateTime) -> String {
    instant
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_midnight_in_the_zone() {
        let berlin = parse("Europe/Berlin").expect("zone");
        let day = NaiveDate::from_ymd_opt(2021, 4, 1).expect("date");
        let instant = start_of(day, berlin);
        assert_eq!(instant.to_string(), "2021-03-31 22:00:00");
        assert_eq!(day_in(instant, berlin), day);
        assert_eq!(day_in(instant, Tz::UTC).to_string(), "2021-03-31");
        assert!(parse("Mars/Olympus").is_err());
    }
}
