//! Picking up after an interrupted run: syncs whose creation went unanswered, syncs not yet
//! waited for, and the upload that was in flight when the run stopped.
//!
//! An upload is recorded as in flight (with the definition's `kbUsed` just before it) before
//! it is sent, and as acknowledged after its 204. If the run stopped in between, the server
//! may or may not have staged it. Every earlier sync of the push has ended by then, so the
//! definition's staged data can only have grown by that upload: `kbUsed` above the recorded
//! value means it was staged (and it is not sent again), equal means it was not (and it is).

use anyhow::bail;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::run::Push;

/// Clock difference tolerated between this machine and the server when finding a lost sync.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// Brings the state up to date with the server before more rows are sent.
///
/// # Errors
/// The server cannot be read, or the staged data shrank so the in-flight upload's fate is unknown.
pub(super) async fn interrupted(push: &mut Push) -> anyhow::Result<()> {
    let mut index = 0;
    while index < push.state.syncs.len() {
        if push.state.syncs[index].uri.is_none() && !find_lost(push, index).await? {
            forget(push, index)?;
            continue;
        }
        if push.state.syncs[index].status.is_none() {
            push.wait(index).await?;
        }
        index += 1;
    }
    let Some(flight) = push.state.in_flight.clone() else {
        return Ok(());
    };
    let rows = format!("rows {}–{}", flight.start.rows + 1, flight.end.rows);
    if was_staged(push).await? {
        push.progress.note(&format!(
            "the interrupted upload of {rows} was staged: not sending it again"
        ));
        push.acknowledge(None).await
    } else {
        push.progress.note(&format!(
            "the interrupted upload of {rows} was not staged: sending it again"
        ));
        push.state.in_flight = None;
        push.save()
    }
}

/// Whether the in-flight upload reached the staging area, judged by `kbUsed`.
///
/// # Errors
/// The definition cannot be read, or its staged data shrank.
pub(super) async fn was_staged(push: &Push) -> anyhow::Result<bool> {
    let (Some(flight), Some(definition)) = (&push.state.in_flight, &push.state.definition) else {
        return Ok(false);
    };
    let now = push.kb_used(&definition.uri).await?;
    if now < flight.kb_used_before {
        bail!(
            "the staged data of {} shrank from {} KB to {now} KB while rows {}–{} were being sent (deleted, expired, or synced by someone else), so whether they were staged is unknown; check the definition, then run again with --restart to send everything again",
            definition.uri,
            flight.kb_used_before,
            flight.start.rows + 1,
            flight.end.rows
        );
    }
    Ok(now > flight.kb_used_before)
}

/// Looks for the sync a `POST /syncs` created if its answer was lost: the oldest sync of the
/// definition created since the request that the state does not know.
async fn find_lost(push: &mut Push, index: usize) -> anyhow::Result<bool> {
    let Some(definition) = &push.state.definition else {
        return Ok(false);
    };
    let q = format!("syncedInstanceUri='{}'", definition.uri);
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let page = push
        .api
        .get(&format!("/syncs?q={q}&orderBy=createdAt%20DESC&limit=50"))
        .await?;
    let since = OffsetDateTime::parse(&push.state.syncs[index].requested_at, &Rfc3339)
        .map_or(OffsetDateTime::UNIX_EPOCH, |t| t - CLOCK_SKEW);
    let known: Vec<&str> = push
        .state
        .syncs
        .iter()
        .filter_map(|s| s.uri.as_deref())
        .collect();
    let found = page
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|item| {
            item.get("createdAt")
                .and_then(Value::as_str)
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .is_some_and(|t| t >= since)
        })
        .filter_map(|item| item.get("uri").and_then(Value::as_str))
        // The list is newest first: the oldest unknown one is the sync that was asked for.
        .rfind(|uri| !known.contains(uri))
        .map(str::to_owned);
    let Some(uri) = found else {
        return Ok(false);
    };
    push.progress.note(&format!(
        "found sync {uri}, started before the interruption"
    ));
    push.state.syncs[index].uri = Some(uri);
    push.save()?;
    Ok(true)
}

/// A sync request that never reached the server: its uploads go back to the next sync.
fn forget(push: &mut Push, index: usize) -> anyhow::Result<()> {
    let record = push.state.syncs.remove(index);
    let last = index == push.state.syncs.len();
    let triggered = push
        .state
        .definition
        .as_ref()
        .is_some_and(|d| d.triggered_on_import);
    if last && !triggered {
        push.state.batch_files += record.files;
        push.state.batch_start = record.first_row - 1;
        push.progress.note(&format!(
            "the sync of rows {}–{} was never created: those rows go with the next sync",
            record.first_row,
            record.first_row + record.rows.saturating_sub(1)
        ));
    } else {
        push.progress.note(&format!(
            "the sync of rows {}–{} cannot be found: its logs and rejects are left out of the summary",
            record.first_row,
            record.first_row + record.rows.saturating_sub(1)
        ));
    }
    push.save()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eloqua_timestamps_with_seven_fractional_digits_parse() {
        let parsed = OffsetDateTime::parse("2026-11-28T22:16:37.6551140Z", &Rfc3339).unwrap();
        assert_eq!(parsed.nanosecond(), 655_114_000);
    }
}
