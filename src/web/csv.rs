//! CSV twins of reports and exports: the same rows as the JSON, flattened to columns.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiResult;

crate::text_enum! {
    pub enum Format {
        Json = "json",
        Csv = "csv",
    }
}

/// CSV when `format=csv`, or when no format is given and `Accept` asks for text/csv.
pub fn wants_csv(req: &HttpRequest, format: Option<Format>) -> bool {
    match format {
        Some(Format::Csv) => true,
        Some(Format::Json) => false,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    }
}

/// Flattens JSON objects to columns (`aspects.method.mean` → `aspects_method_mean`; lists joined
/// with `;`), the union of all rows' columns in first-seen order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}_{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            let joined: Vec<String> = items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect();
            out.push((prefix.to_string(), joined.join(";")));
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

pub fn csv_response<T: Serialize>(name: &str, rows: &[T]) -> ApiResult<HttpResponse> {
    let flat: Vec<Vec<(String, String)>> = rows
        .iter()
        .map(|r| {
            let mut cells = Vec::new();
            flatten(
                "",
                &serde_json::to_value(r).unwrap_or(Value::Null),
                &mut cells,
            );
            cells
        })
        .collect();
    let mut headers: Vec<String> = Vec::new();
    for row in &flat {
        for (k, _) in row {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let to_internal = |e: csv::Error| crate::error::ApiError::Internal(e.to_string());
    writer.write_record(&headers).map_err(to_internal)?;
    for row in &flat {
        let map: HashMap<&str, &str> = row.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        writer
            .write_record(
                headers
                    .iter()
                    .map(|h| map.get(h.as_str()).copied().unwrap_or("")),
            )
            .map_err(to_internal)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body))
}
