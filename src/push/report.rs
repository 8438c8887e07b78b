//! After the last sync: what each sync did (from its logs) and which rows were rejected (paged
//! through `GET /syncs/{id}/rejects`, written to `--rejects FILE` as CSV).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::client::Api;
use super::state::PushedSync;
use crate::domain::spreadsheet::CsvCells;

/// The largest page Eloqua serves.
const PAGE: u64 = 1000;
/// The log line that only restates the sync's status.
const STATUS_LINE: &str = "ELQ-00101";

/// What the syncs did.
#[derive(Debug, Default)]
pub struct Report {
    /// Log lines summed over the syncs: (statusCode, message) → count.
    pub lines: BTreeMap<(String, String), u64>,
    /// Rejected rows in all.
    pub rejects: u64,
}

/// Reads the logs of every sync and the rejects of those that did not succeed, writing the
/// rejects to `file` when given.
///
/// # Errors
/// A log or reject page cannot be read, or the file cannot be written.
pub async fn collect(
    api: &Api,
    syncs: &[PushedSync],
    column: &str,
    file: Option<&Path>,
    cells: CsvCells,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut writer = match file {
        Some(path) => {
            let mut writer = csv::Writer::from_path(path)
                .with_context(|| format!("creating {}", path.display()))?;
            writer.write_record(["row", "identifier", "code", "message"])?;
            Some(writer)
        }
        None => None,
    };
    for sync in syncs {
        let Some(uri) = &sync.uri else { continue };
        let mut logs = Pages::new(api, format!("{uri}/logs"));
        while let Some(items) = logs.next().await? {
            for item in items {
                let code = text(&item, "statusCode");
                if code == STATUS_LINE {
                    continue;
                }
                let count = item.get("count").and_then(Value::as_u64).unwrap_or(0);
                *report
                    .lines
                    .entry((code.to_owned(), text(&item, "message").to_owned()))
                    .or_default() += count;
            }
        }
        if sync.status.as_deref() == Some("success") {
            continue;
        }
        let Some(writer) = writer.as_mut() else {
            let first = api.get(&format!("{uri}/rejects?limit=1")).await?;
            report.rejects += first
                .get("totalResults")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            continue;
        };
        let mut rejects = Pages::new(api, format!("{uri}/rejects"));
        while let Some(items) = rejects.next().await? {
            for reject in items {
                write_reject(writer, cells, &reject, sync.first_row, column)?;
                report.rejects += 1;
            }
        }
    }
    if let Some(mut writer) = writer {
        writer.flush()?;
    }
    Ok(report)
}

/// One CSV line: the input row number, the identifier as uploaded, the code and the message.
fn write_reject(
    writer: &mut csv::Writer<std::fs::File>,
    cells: CsvCells,
    reject: &Value,
    first_row: u64,
    column: &str,
) -> anyhow::Result<()> {
    // recordIndex is 1-based across the sync's files in upload order, which is input order.
    let row = reject
        .get("recordIndex")
        .and_then(Value::as_u64)
        .map_or_else(String::new, |i| {
            (first_row + i.saturating_sub(1)).to_string()
        });
    let identifier = reject
        .get("fieldValues")
        .and_then(|v| v.get(column))
        .and_then(Value::as_str)
        .unwrap_or("");
    writer.write_record([
        cells.cell_bytes(&row),
        cells.cell_bytes(identifier),
        cells.cell_bytes(text(reject, "statusCode")),
        cells.cell_bytes(text(reject, "message")),
    ])?;
    Ok(())
}

/// A collection read a page of 1000 at a time, so memory holds one page whatever its size.
struct Pages<'a> {
    api: &'a Api,
    path: String,
    offset: u64,
    done: bool,
}

impl<'a> Pages<'a> {
    fn new(api: &'a Api, path: String) -> Self {
        Self {
            api,
            path,
            offset: 0,
            done: false,
        }
    }

    async fn next(&mut self) -> anyhow::Result<Option<Vec<Value>>> {
        if self.done {
            return Ok(None);
        }
        let (path, offset) = (&self.path, self.offset);
        let mut page = self
            .api
            .get(&format!("{path}?limit={PAGE}&offset={offset}"))
            .await?;
        let more = page
            .get("hasMore")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let Some(Value::Array(items)) = page.get_mut("items").map(Value::take) else {
            anyhow::bail!("GET {path}: no items in the answer");
        };
        self.offset += items.len() as u64;
        self.done = !more || items.is_empty();
        Ok(Some(items))
    }
}

fn text<'a>(item: &'a Value, key: &str) -> &'a str {
    item.get(key).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(cells: CsvCells) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rejects.csv");
        let mut writer = csv::Writer::from_path(&path).unwrap();
        let reject = serde_json::json!({
            "recordIndex": 2,
            "statusCode": "ELQ-00085",
            "message": "No contact has this email address.",
            "fieldValues": {"Email": "=HYPERLINK(\"http://x.example\")"}
        });
        write_reject(&mut writer, cells, &reject, 10, "Email").unwrap();
        writer.flush().unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn rejects_files_neutralise_formulas_unless_raw() {
        assert_eq!(
            written(CsvCells::FormulaSafe),
            "11,\"'=HYPERLINK(\"\"http://x.example\"\")\",ELQ-00085,No contact has this email address.\n"
        );
        assert_eq!(
            written(CsvCells::Raw),
            "11,\"=HYPERLINK(\"\"http://x.example\"\")\",ELQ-00085,No contact has this email address.\n"
        );
    }
}
