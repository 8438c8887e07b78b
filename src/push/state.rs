//! The resume state of one push, kept in a JSON file beside the input (or where `--state`
//! says) and rewritten atomically after every acknowledged upload and every sync.
//!
//! It records which file is being sent (path, size, modification time), the definition, the
//! input position up to which uploads were acknowledged, the upload in flight (with the
//! definition's `kbUsed` before it, to tell afterwards whether it was staged) and the syncs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::chunker::{Cursor, InputFormat};

/// Bumped when the file's meaning changes; other versions are refused.
const VERSION: u32 = 1;

/// Which file a state belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputIdentity {
    /// Canonical path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified: u64,
}

impl InputIdentity {
    /// The identity of the file at `path` now.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn of(path: &Path) -> anyhow::Result<Self> {
        let meta =
            std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
        if !meta.is_file() {
            bail!("{} is not a file", path.display());
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Ok(Self {
            path: std::fs::canonicalize(path)?,
            size: meta.len(),
            modified,
        })
    }
}

/// The definition the rows go to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionRef {
    /// e.g. `/contacts/syncActions/12`
    pub uri: String,
    /// Its identifier column (`identifierFieldName`).
    pub column: String,
    /// Whether this push created it.
    pub created: bool,
    /// Whether each upload starts a sync by itself (`isSyncTriggeredOnImport`).
    pub triggered_on_import: bool,
}

/// An upload sent whose answer was not recorded yet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InFlight {
    /// Where its rows start and end.
    pub start: Cursor,
    /// Where its rows end.
    pub end: Cursor,
    /// Body size.
    pub bytes: u64,
    /// The definition's `kbUsed` just before it was sent.
    pub kb_used_before: u64,
}

/// A sync this push started.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushedSync {
    /// e.g. `/syncs/9`; `None` while the `POST /syncs` is unanswered.
    pub uri: Option<String>,
    /// Input row number (1-based) of its first row.
    pub first_row: u64,
    /// Rows it covers.
    pub rows: u64,
    /// Uploads it covers.
    pub files: u32,
    /// When it was requested (RFC 3339), to find it again if the answer was lost.
    pub requested_at: String,
    /// Terminal status once known.
    pub status: Option<String>,
}

/// The whole resume state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// File format version.
    pub version: u32,
    /// The input.
    pub input: InputIdentity,
    /// How it is read.
    pub format: InputFormat,
    /// The Bulk base URL it is sent to.
    pub bulk: String,
    /// Upload body limit in use (informational; it may change between runs).
    pub chunk_bytes: usize,
    /// The definition, once known.
    pub definition: Option<DefinitionRef>,
    /// Input position up to which every upload was acknowledged.
    pub acked: Cursor,
    /// Uploads acknowledged in all.
    pub files: u64,
    /// Uploads acknowledged since the last sync.
    pub batch_files: u32,
    /// Rows acknowledged before the first upload since the last sync.
    pub batch_start: u64,
    /// The upload in flight, if any.
    pub in_flight: Option<InFlight>,
    /// The syncs, oldest first.
    pub syncs: Vec<PushedSync>,
}

impl State {
    /// A state for a push that has not sent anything.
    pub fn new(
        input: InputIdentity,
        format: InputFormat,
        bulk: String,
        chunk_bytes: usize,
    ) -> Self {
        Self {
            version: VERSION,
            input,
            format,
            bulk,
            chunk_bytes,
            definition: None,
            acked: Cursor::default(),
            files: 0,
            batch_files: 0,
            batch_start: 0,
            in_flight: None,
            syncs: Vec::new(),
        }
    }

    /// The state at `path` if it exists and belongs to `input` sent to `bulk`.
    ///
    /// # Errors
    /// An unreadable state, or one left by another file, a changed file or another instance.
    pub fn load(path: &Path, input: &InputIdentity, bulk: &str) -> anyhow::Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let state: State = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a push state file", path.display()))?;
        let restart = "remove it, or pass --restart to start over";
        if state.version != VERSION {
            bail!(
                "{} has version {}, not {VERSION}: {restart}",
                path.display(),
                state.version
            );
        }
        if state.input.path != input.path {
            bail!(
                "{} belongs to a push of {}: {restart}",
                path.display(),
                state.input.path.display()
            );
        }
        if state.input != *input {
            bail!(
                "{} changed since the interrupted push (size or modification time differ), so it cannot be resumed: {restart}",
                input.path.display()
            );
        }
        if state.bulk != bulk {
            bail!(
                "{} was sent to {}, not {bulk}: {restart}",
                path.display(),
                state.bulk
            );
        }
        Ok(Some(state))
    }

    /// Writes the state atomically (a temporary file renamed over the old one, synced first
    /// so a power cut leaves the old state or the new one, never half of one).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut file, self)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().with_context(|| format!("writing the state file {}", path.display()))
    }
}

/// `<input>.loquat-push.json`
pub fn default_path(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".loquat-push.json");
    PathBuf::from(name)
}
