//! One push from start to summary: sign in, pick or create the definition, recover what an
//! interrupted run left, upload chunk after chunk (syncing at the files-per-sync boundary and
//! at the end), then report.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::args::PushArgs;
use super::chunker::{Chunk, Chunker, Cursor, InputError, InputFormat};
use super::client::{Api, CallError};
use super::progress::Progress;
use super::report::{self, Report};
use super::state::{self, DefinitionRef, InFlight, InputIdentity, PushedSync, State};
use super::wait::{self, Callbacks};
use super::{Outcome, credentials, definition, recover};
use crate::domain::spreadsheet::CsvCells;

/// Uploads that fail in transit are checked and retried this many times.
const UPLOAD_ATTEMPTS: u32 = 4;

/// A push in progress.
pub(super) struct Push {
    pub(super) api: Api,
    pub(super) state: State,
    pub(super) state_path: PathBuf,
    pub(super) callbacks: Option<Callbacks>,
    pub(super) progress: Progress,
    max_files: u32,
    crash_after_upload: Option<u64>,
    started: Instant,
    rows_this_run: u64,
    uploads_this_run: u64,
}

/// Runs `loquat push`.
///
/// # Errors
/// Anything that stops the push: bad credentials, a malformed input, a refused upload.
pub async fn push(args: PushArgs) -> anyhow::Result<Outcome> {
    let format = args
        .format
        .unwrap_or_else(|| InputFormat::guess(&args.input));
    let input = InputIdentity::of(&args.input)?;
    let credentials = credentials::resolve(&args)?;
    let progress = Progress::new(input.size);
    let api = Api::connect(&credentials, progress.clone()).await?;
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| state::default_path(&args.input));
    let loaded = match args.restart {
        true => None,
        false => State::load(&state_path, &input, api.bulk())?,
    };
    let resumed = loaded.is_some();
    let mut state = loaded
        .unwrap_or_else(|| State::new(input, format, api.bulk().to_owned(), args.chunk_bytes));
    state.chunk_bytes = args.chunk_bytes;
    let callbacks = match &args.callback {
        Some(url) => Some(Callbacks::listen(url, args.callback_bind.as_deref()).await?),
        None => None,
    };
    let mut push = Push {
        api,
        state,
        state_path,
        callbacks,
        progress,
        max_files: args.max_files.max(1),
        crash_after_upload: args.crash_after_upload,
        started: Instant::now(),
        rows_this_run: 0,
        uploads_this_run: 0,
    };
    if resumed {
        let acked = push.state.acked;
        push.progress.note(&format!(
            "resuming: {} rows in {} uploads were acknowledged earlier",
            acked.rows, push.state.files
        ));
        push.progress.resume_at(acked.byte, acked.rows);
    }
    let definition = push.definition(&args).await?;
    recover::interrupted(&mut push).await?;
    push.send_input(&args, &definition).await?;
    if push.state.batch_files > 0 {
        push.sync().await?;
    }
    push.progress.finish();
    let report = report::collect(
        &push.api,
        &push.state.syncs,
        &definition.column,
        args.rejects.as_deref(),
        CsvCells::escaping(!args.raw_csv),
    )
    .await?;
    let outcome = push.summary(&args, &definition, &report);
    match std::fs::remove_file(&push.state_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).context("removing the finished push's state file");
        }
        _ => {}
    }
    Ok(outcome)
}

impl Push {
    /// The definition from the state, else from the flags (recorded before any upload).
    async fn definition(&mut self, args: &PushArgs) -> anyhow::Result<DefinitionRef> {
        if let Some(definition) = &self.state.definition {
            return Ok(definition.clone());
        }
        let definition = definition::prepare(&self.api, args).await?;
        let verb = if definition.created {
            "created"
        } else {
            "using"
        };
        self.progress
            .note(&format!("{verb} sync action definition {}", definition.uri));
        if !definition.created && self.kb_used(&definition.uri).await? > 0 {
            self.progress.note(&format!(
                "note: {} already has staged data; the syncs of this push will process it too",
                definition.uri
            ));
        }
        self.state.definition = Some(definition.clone());
        self.save()?;
        Ok(definition)
    }

    /// Uploads every chunk after the acknowledged position.
    async fn send_input(
        &mut self,
        args: &PushArgs,
        definition: &DefinitionRef,
    ) -> anyhow::Result<()> {
        let mut chunks = read_chunks(
            args.input.clone(),
            self.state.format,
            definition.column.clone(),
            self.state.acked,
            args.chunk_bytes,
        );
        while let Some(next) = chunks.recv().await {
            let chunk = match next {
                Ok(chunk) => chunk,
                Err(error) => return Err(self.input_failed(args, error)),
            };
            if self.state.batch_files >= self.max_files {
                self.sync().await?;
            }
            self.upload(definition, chunk).await?;
        }
        Ok(())
    }

    /// Sends one chunk, recording it as in flight first and acknowledged after its answer.
    async fn upload(&mut self, definition: &DefinitionRef, chunk: Chunk) -> anyhow::Result<()> {
        let kb_used_before = self.kb_used(&definition.uri).await?;
        self.state.in_flight = Some(InFlight {
            start: chunk.start,
            end: chunk.end,
            bytes: chunk.body.len() as u64,
            kb_used_before,
        });
        self.save()?;
        let body = Bytes::from(chunk.body);
        let content_type = self.state.format.content_type();
        let mut attempt = 1;
        loop {
            match self
                .api
                .upload(&definition.uri, content_type, body.clone())
                .await
            {
                Ok(answer) => {
                    self.uploads_this_run += 1;
                    if self.crash_after_upload == Some(self.uploads_this_run) {
                        std::process::exit(101);
                    }
                    return self.acknowledge(answer).await;
                }
                Err(CallError::Transport { .. }) if attempt < UPLOAD_ATTEMPTS => {
                    // The body may have been staged before the connection broke: let the
                    // server settle, then ask the definition whether it grew.
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    if recover::was_staged(self).await? {
                        return self.acknowledge(None).await;
                    }
                    attempt += 1;
                }
                Err(error) => {
                    let (first, last) = (chunk.start.rows + 1, chunk.end.rows);
                    return Err(error).with_context(|| format!("uploading rows {first}–{last}"));
                }
            }
        }
    }

    /// Records the in-flight upload as staged; `answer` is the sync a 201 carried.
    pub(super) async fn acknowledge(&mut self, answer: Option<Value>) -> anyhow::Result<()> {
        let Some(flight) = self.state.in_flight.take() else {
            return Ok(());
        };
        self.state.acked = flight.end;
        self.state.files += 1;
        self.state.batch_files += 1;
        let rows = flight.end.rows - flight.start.rows;
        self.rows_this_run += rows;
        let triggered = self
            .state
            .definition
            .as_ref()
            .is_some_and(|d| d.triggered_on_import);
        if triggered {
            // isSyncTriggeredOnImport: the upload started its own sync.
            let uri = answer
                .as_ref()
                .and_then(|a| a.get("uri"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.start_batch_sync(uri);
        }
        self.save()?;
        let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.rows_this_run as f64 / elapsed;
        self.progress.chunk(
            &format!(
                "upload {}: rows {}–{} ({} bytes) staged; {} rows sent, {:.0} rows/s",
                self.state.files,
                flight.start.rows + 1,
                flight.end.rows,
                flight.bytes,
                flight.end.rows,
                rate
            ),
            flight.end.byte,
            flight.end.rows,
            rate,
        );
        if triggered {
            self.wait_last().await?;
        }
        Ok(())
    }

    /// Starts a sync of the uploads since the last one, then waits for it.
    pub(super) async fn sync(&mut self) -> anyhow::Result<()> {
        let Some(definition) = self.state.definition.clone() else {
            bail!("no definition to sync");
        };
        self.start_batch_sync(None);
        self.save()?;
        let mut body = json!({ "syncedInstanceUri": definition.uri });
        if let Some(callbacks) = &self.callbacks {
            body["callbackUrl"] = Value::String(callbacks.url().to_owned());
        }
        let created = self
            .api
            .post_json("/syncs", &body)
            .await
            .context("starting a sync (run the push again to find or retry it)")?;
        let uri = created
            .get("uri")
            .and_then(Value::as_str)
            .context("POST /syncs: no uri in the answer")?;
        if let Some(last) = self.state.syncs.last_mut() {
            last.uri = Some(uri.to_owned());
        }
        self.save()?;
        self.wait_last().await
    }

    /// Hands the uploads since the last sync to a new sync record (its URI known or not yet).
    fn start_batch_sync(&mut self, uri: Option<String>) {
        let acked = self.state.acked.rows;
        self.state.syncs.push(PushedSync {
            uri,
            first_row: self.state.batch_start + 1,
            rows: acked - self.state.batch_start,
            files: self.state.batch_files,
            requested_at: now_rfc3339(),
            status: None,
        });
        self.state.batch_files = 0;
        self.state.batch_start = acked;
    }

    /// Waits for the newest sync to end and records its status.
    async fn wait_last(&mut self) -> anyhow::Result<()> {
        let index = self.state.syncs.len().saturating_sub(1);
        self.wait(index).await
    }

    /// Waits for sync `index` to end and records its status.
    pub(super) async fn wait(&mut self, index: usize) -> anyhow::Result<()> {
        let Some(record) = self.state.syncs.get(index) else {
            return Ok(());
        };
        let Some(uri) = record.uri.clone() else {
            return Ok(());
        };
        let (first, last) = (record.first_row, record.first_row + record.rows.max(1) - 1);
        self.progress
            .note(&format!("sync {uri} started for rows {first}–{last}"));
        let status =
            wait::until_done(&self.api, &uri, self.callbacks.as_mut(), &self.progress).await?;
        self.progress.note(&format!("sync {uri} ended: {status}"));
        if let Some(record) = self.state.syncs.get_mut(index) {
            record.status = Some(status);
        }
        self.save()
    }

    /// The definition's `kbUsed` (absent while nothing is staged).
    pub(super) async fn kb_used(&self, uri: &str) -> anyhow::Result<u64> {
        let definition = self.api.get(uri).await?;
        Ok(definition
            .get("kbUsed")
            .and_then(Value::as_u64)
            .unwrap_or(0))
    }

    pub(super) fn save(&self) -> anyhow::Result<()> {
        self.state.save(&self.state_path)
    }

    /// The error for a malformed input, saying what was already staged.
    fn input_failed(&self, args: &PushArgs, error: InputError) -> anyhow::Error {
        let file = args.input.display();
        if self.state.files == 0 && self.state.syncs.is_empty() {
            // Nothing was sent: a fixed file should start afresh, not trip over this state.
            let _ = std::fs::remove_file(&self.state_path);
            return anyhow::anyhow!("{file}: {error}; nothing was sent");
        }
        let pending = self.state.acked.rows - self.state.batch_start;
        let uri = self
            .state
            .definition
            .as_ref()
            .map_or("", |d| d.uri.as_str());
        anyhow::anyhow!(
            "{file}: {error}; {} rows were sent before it ({pending} of them staged on {uri} but not synced)",
            self.state.acked.rows
        )
    }

    /// Prints the summary on stdout and tells how the push ended.
    fn summary(&self, args: &PushArgs, definition: &DefinitionRef, report: &Report) -> Outcome {
        let elapsed = self.started.elapsed().as_secs_f64();
        let statuses: Vec<&str> = self
            .state
            .syncs
            .iter()
            .filter_map(|s| s.status.as_deref())
            .collect();
        let outcome = if statuses.contains(&"error") {
            Outcome::Failed
        } else if statuses.contains(&"warning") || report.rejects > 0 {
            Outcome::Warning
        } else {
            Outcome::Success
        };
        let word = match outcome {
            Outcome::Success => "success",
            Outcome::Warning => "warning",
            Outcome::Failed => "error",
        };
        let count = |status: &str| statuses.iter().filter(|s| **s == status).count();
        let mut out = format!("Pushed {} to {}\n", args.input.display(), definition.uri);
        out += &format!(
            "rows sent:  {} in {} uploads ({} in this run)\n",
            self.state.acked.rows, self.state.files, self.rows_this_run
        );
        out += &format!(
            "syncs:      {} ({} success, {} warning, {} error)\n",
            self.state.syncs.len(),
            count("success"),
            count("warning"),
            count("error")
        );
        for ((code, message), n) in &report.lines {
            // Lines such as ELQ-00111 (an ignored column) carry no count.
            let n = if *n == 0 {
                String::new()
            } else {
                n.to_string()
            };
            out += &format!("  {code}  {n:>10}  {message}\n");
        }
        out += &format!("rejects:    {}", report.rejects);
        match &args.rejects {
            Some(path) => out += &format!(", written to {}\n", path.display()),
            None if report.rejects > 0 => out += " (give --rejects FILE to save them)\n",
            None => out += "\n",
        }
        let rate = self.rows_this_run as f64 / elapsed.max(0.001);
        out += &format!("duration:   {elapsed:.1} s, {rate:.0} rows/s\n");
        out += &format!("result:     {word}\n");
        print!("{out}");
        outcome
    }
}

/// Reads chunks on a thread of their own, one ahead of the uploads, so reading and sending
/// overlap while memory stays at a few bodies.
fn read_chunks(
    path: PathBuf,
    format: InputFormat,
    column: String,
    from: Cursor,
    limit: usize,
) -> mpsc::Receiver<Result<Chunk, InputError>> {
    let (sender, receiver) = mpsc::channel(1);
    std::thread::spawn(move || {
        let mut chunker = match Chunker::open(&path, format, &column, from, limit) {
            Ok(chunker) => chunker,
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        };
        loop {
            let next = chunker.next_chunk();
            let stop = !matches!(next, Ok(Some(_)));
            if let Some(item) = next.transpose() {
                if sender.blocking_send(item).is_err() {
                    return;
                }
            }
            if stop {
                return;
            }
        }
    });
    receiver
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
