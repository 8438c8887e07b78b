//! What `loquat push` shows while it works: a progress bar (bytes, rows, rate, ETA) when
//! stderr is a terminal, otherwise one plain line per chunk and per sync, for logs and CI.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The display; cheap to clone (the bar is shared).
#[derive(Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar over `total` input bytes when stderr is a terminal, plain lines otherwise.
    pub fn new(total: u64) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self { bar: Some(bar) }
    }

    /// Starts the bar where an earlier run stopped.
    pub fn resume_at(&self, bytes: u64, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            bar.reset_eta();
            bar.set_message(format!("{rows} rows"));
        }
    }

    /// A chunk was staged: `line` describes it, `bytes` and `rows` are the input done so far.
    pub fn chunk(&self, line: &str, bytes: u64, rows: u64, rate: f64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(bytes);
                bar.set_message(format!("{rows} rows ({rate:.0} rows/s)"));
            }
            None => eprintln!("{line}"),
        }
    }

    /// A line worth keeping (a sync started or ended, a retry), above the bar if there is one.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Shows what the bar is waiting for.
    pub fn waiting(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what.to_owned());
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
