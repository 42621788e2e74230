//! One convention for every list: `limit` (default 50, at most 500) and an opaque
//! `cursor` in, a [`Page`] (`items`, `next_cursor`, and on the first page `total`)
//! out. Pages are keyset pages on `(sort value, key)`: the cursor names the last
//! item of the previous page and the next page starts strictly after it, so items
//! inserted while a client pages never make it skip or repeat one.
//!
//! Lists of the read models page in SQL ([`tessera_replay::listing`]); the few
//! lists read from an aggregate's state page in memory ([`page_in_memory`]) with
//! the same cursors.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use tessera_replay::listing::{Cond, ListSpec, Listing};
use utoipa::ToSchema;

use crate::http::error::{ApiError, ApiResult};
use crate::http::request_error::RequestError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Send as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many items match, on the first page (null on the next ones).
    pub total: Option<i64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            total: self.total,
        }
    }
}

/// The paging parameters every list takes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page: 1 to 500, 50 when absent (anything else is a 400).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page (opaque).
    pub cursor: Option<String>,
}

/// Where a page starts: the `(sort, value, key)` of the item before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    /// The sort the cursor was made for.
    s: String,
    v: String,
    k: String,
}

/// The paging parameters, checked (400 problem+json otherwise).
#[derive(Debug, Clone)]
pub struct Paging {
    pub limit: u32,
    cursor: Option<Cursor>,
}

fn refuse(field: &str, detail: &str) -> ApiError {
    RequestError::InvalidPaging {
        field: Some(field.to_string()),
        detail: detail.to_string(),
    }
    .into()
}

impl Paging {
    pub fn parse(p: PageParams) -> ApiResult<Self> {
        let limit = match p.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(refuse("limit", "limit must be an integer from 1 to 500")),
            },
        };
        let cursor = match p.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Cursor>(&b).ok())
                    .ok_or_else(|| refuse("cursor", "cursor is not one this list gave"))?,
            ),
        };
        Ok(Self { limit, cursor })
    }

    pub fn is_first(&self) -> bool {
        self.cursor.is_none()
    }

    /// Where to start for a list sorted by `sort`: a cursor made for another sort
    /// is refused.
    fn after(&self, sort: &str) -> ApiResult<Option<(String, String)>> {
        match &self.cursor {
            None => Ok(None),
            Some(c) if c.s == sort => Ok(Some((c.v.clone(), c.k.clone()))),
            Some(_) => Err(refuse("cursor", "cursor was made for another sort order")),
        }
    }

    /// The listing of a read model: `limit + 1` rows, so the extra one tells
    /// whether a next page exists; the count of matches on the first page.
    pub fn spec(
        &self,
        view: &'static str,
        prefix: String,
        conds: Vec<Cond>,
        sort: Option<&'static [&'static str]>,
        descending: bool,
    ) -> ApiResult<ListSpec> {
        Ok(ListSpec {
            view,
            prefix,
            conds,
            sort,
            descending,
            after: self.after(sort_name(sort, descending).as_str())?,
            limit: i64::from(self.limit) + 1,
            count: self.is_first(),
            tally: None,
        })
    }

    /// The page of a listing made from [`Paging::spec`], each row decoded by `f`
    /// (None drops it: a row of another kind under the same prefix).
    pub fn page<T>(
        &self,
        spec: &ListSpec,
        listing: Listing,
        mut f: impl FnMut(&str) -> ApiResult<Option<T>>,
    ) -> ApiResult<Page<T>> {
        let sort = sort_name(spec.sort, spec.descending);
        let more = listing.rows.len() > self.limit as usize;
        let rows = &listing.rows[..listing.rows.len().min(self.limit as usize)];
        let next_cursor = match rows.last() {
            Some(last) if more => Some(encode(&sort, &last.sort, &last.key)),
            _ => None,
        };
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(t) = f(&r.doc)? {
                items.push(t);
            }
        }
        Ok(Page {
            items,
            next_cursor,
            total: listing.total,
        })
    }
}

/// A list paged in SQL outside the projection rows (its own table): where the
/// page starts, for a list sorted by one `sort` value then its unique key.
pub fn start_after(
    paging: &Paging,
    sort: &str,
    descending: bool,
) -> ApiResult<Option<(String, String)>> {
    paging.after(&sort_name(Some(&[sort]), descending))
}

/// The page of such a list: `rows` as `(sort value, key, item)`, read strictly
/// after [`start_after`] in the list's order, at most `limit + 1` of them.
pub fn page_of_rows<T>(
    paging: &Paging,
    sort: &str,
    descending: bool,
    mut rows: Vec<(String, String, T)>,
    total: Option<i64>,
) -> Page<T> {
    let name = sort_name(Some(&[sort]), descending);
    let more = rows.len() > paging.limit as usize;
    rows.truncate(paging.limit as usize);
    let next_cursor = match rows.last() {
        Some((v, k, _)) if more => Some(encode(&name, v, k)),
        _ => None,
    };
    Page {
        items: rows.into_iter().map(|(_, _, t)| t).collect(),
        next_cursor,
        total,
    }
}

/// A non-negative position (log position, round) as a sort value: fixed width,
/// so text order is numeric order.
pub fn position_sort(position: i64) -> String {
    format!("{:020}", position.max(0))
}

/// The text a unit enum variant is stored as (its serde name).
pub fn stored_name<T: Serialize>(value: &T) -> ApiResult<String> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

fn sort_name(sort: Option<&[&str]>, descending: bool) -> String {
    format!(
        "{}{}",
        if descending { "-" } else { "+" },
        sort.map_or("key".to_string(), |f| f.join(","))
    )
}

fn encode(sort: &str, value: &str, key: &str) -> String {
    let c = Cursor {
        s: sort.to_string(),
        v: value.to_string(),
        k: key.to_string(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
}

/// A timestamp as a sort value: fixed width, so text order is time order.
pub fn time_sort(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A signed display order as a sort value: fixed width, so text order is
/// numeric order (negative orders first).
pub fn order_sort(order: i32) -> String {
    format!("{:010}", i64::from(order) - i64::from(i32::MIN))
}

/// A page of a list held in memory: `items` as `(sort value, unique key, item)`,
/// already filtered; sorted here by `(sort value, key)`.
pub fn page_in_memory<T>(
    paging: &Paging,
    sort: &str,
    descending: bool,
    mut items: Vec<(String, String, T)>,
) -> ApiResult<Page<T>> {
    let name = sort_name(Some(&[sort]), descending);
    let after = paging.after(&name)?;
    let total = paging.is_first().then_some(items.len() as i64);
    items.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    if descending {
        items.reverse();
    }
    let start = match &after {
        None => 0,
        Some((v, k)) => items
            .iter()
            .position(|(sv, sk, _)| {
                let ord = (sv, sk).cmp(&(v, k));
                if descending { ord.is_lt() } else { ord.is_gt() }
            })
            .unwrap_or(items.len()),
    };
    let limit = paging.limit as usize;
    let more = items.len() > start + limit;
    let mut rest: Vec<(String, String, T)> = items.into_iter().skip(start).take(limit).collect();
    let next_cursor = match rest.last() {
        Some((v, k, _)) if more => Some(encode(&name, v, k)),
        _ => None,
    };
    Ok(Page {
        items: rest.drain(..).map(|(_, _, t)| t).collect(),
        next_cursor,
        total,
    })
}

/// The paging parameters of a request.
impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let crate::http::extract::Query(p) =
            crate::http::extract::Query::<PageParams>::from_request_parts(parts, state).await?;
        Self::parse(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(limit: &str, cursor: Option<String>) -> ApiResult<Paging> {
        Paging::parse(PageParams {
            limit: Some(limit.into()),
            cursor,
        })
    }

    #[test]
    fn limits_and_cursors_are_checked() {
        assert!(paging("0", None).is_err());
        assert!(paging("501", None).is_err());
        assert!(paging("x", None).is_err());
        assert!(paging("500", Some("not a cursor".into())).is_err());
        assert_eq!(paging("7", None).map(|p| p.limit).ok(), Some(7));
    }

    #[test]
    fn memory_pages_walk_everything_once() {
        let items: Vec<(String, String, u32)> = (0..23)
            .map(|i| (format!("{:02}", i % 5), format!("k{i:02}"), i))
            .collect();
        for descending in [false, true] {
            let mut seen = vec![];
            let mut p = paging("4", None).unwrap();
            loop {
                let page = page_in_memory(&p, "x", descending, items.clone()).unwrap();
                seen.extend(page.items);
                match page.next_cursor {
                    Some(c) => p = paging("4", Some(c)).unwrap(),
                    None => break,
                }
            }
            seen.sort_unstable();
            assert_eq!(seen, (0..23).collect::<Vec<_>>());
        }
    }
}
