//! Small readers shared by the sections of the bootstrap file: the tables of a
//! list, and local wall-clock times in the conference's timezone.

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use toml::{Table, Value};

use super::BootstrapError;

fn invalid(message: String) -> BootstrapError {
    BootstrapError::Invalid(message)
}

/// The tables of list `key` of `[conference]`.
pub(super) fn tables<'a>(
    conf: &'a Table,
    key: &str,
) -> Result<Vec<(String, &'a Table)>, BootstrapError> {
    match conf.get(key) {
        None => Ok(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Table(t) => Ok((format!("conference.{key}[{i}]"), t)),
                _ => Err(invalid(format!("conference.{key}[{i}] must be a mapping"))),
            })
            .collect(),
        Some(_) => Err(invalid(format!("conference.{key} must be a list"))),
    }
}

/// The UTC instant of a local wall-clock time in `tz`. When the local time occurs
/// twice (DST fall-back) the earliest or latest occurrence is taken; when it does
/// not occur (DST gap) the nearest existing minute after (`earliest`) or before
/// (`!earliest`) is used, i.e. the edge of the gap.
pub(super) fn local_instant(
    tz: Tz,
    date: NaiveDate,
    time: NaiveTime,
    earliest: bool,
) -> Option<DateTime<Utc>> {
    let resolve = |ndt: NaiveDateTime| match tz.from_local_datetime(&ndt) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Some(if earliest { a.min(b) } else { a.max(b) })
        }
        LocalResult::None => None,
    };
    let ndt = date.and_time(time);
    resolve(ndt).or_else(|| {
        (1..=24 * 60).find_map(|m| {
            let step = chrono::Duration::minutes(m);
            let shifted = if earliest {
                ndt.checked_add_signed(step)
            } else {
                ndt.checked_sub_signed(step)
            }?;
            resolve(shifted)
        })
    })
}
