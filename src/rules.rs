//! Input rules shared by several areas' request types (each area's own rules live with its
//! model).

use validator::ValidationError;

pub const PHONE_PATTERN: &str = r"^\+?[0-9][0-9 ()-]{2,31}$";

pub fn phone_number(v: &str) -> Result<(), ValidationError> {
    let body = v.strip_prefix('+').unwrap_or(v);
    let ok = (3..=32).contains(&v.len())
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("phone").with_message(
            "must be a phone number: digits, spaces, `()-`, optional leading `+`".into(),
        ))
    }
}

pub fn web_url(v: &str) -> Result<(), ValidationError> {
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !host.starts_with('/') && !v.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(ValidationError::new("url").with_message("must be an http(s) URL".into())),
    }
}

/// `#[serde(default = "crate::rules::yes")]`: a flag that is on unless sent.
pub fn yes() -> bool {
    true
}

/// 422 `code` ("each <what> may appear once") when a key repeats in a list a client sent.
pub fn distinct<K: Ord>(
    keys: impl IntoIterator<Item = K>,
    code: &'static str,
    what: &str,
) -> Result<(), ValidationError> {
    let mut keys: Vec<K> = keys.into_iter().collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    if keys.len() == before {
        Ok(())
    } else {
        Err(ValidationError::new(code).with_message(format!("each {what} may appear once").into()))
    }
}

/// 422 on `last` ("must not be before `<first>`") when both ends of a range are given and the
/// last comes before the first: every date range a client sends, in a body or a query string
/// (a period's `from`/`to`, a training's days, a certificate's validity …).
pub fn in_order<T: PartialOrd>(
    first: Option<T>,
    last: Option<T>,
    first_name: &str,
    last_name: &'static str,
) -> Result<(), ValidationError> {
    match (first, last) {
        (Some(first), Some(last)) if last < first => Err(ValidationError::new(last_name)
            .with_message(format!("must not be before `{first_name}`").into())),
        _ => Ok(()),
    }
}
