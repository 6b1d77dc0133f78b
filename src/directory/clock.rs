//! Time as the store keeps it: UTC, whole microseconds (the finest both backends hold).

use chrono::{NaiveDate, NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}
