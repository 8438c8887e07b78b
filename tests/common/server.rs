//! The real `loquat serve` as a child process, on a port it picks itself.

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Client, DEADLINE, basic};

/// A `loquat serve` child process on `127.0.0.1:0`, killed (SIGKILL) when dropped. Its stderr
/// goes to a temporary file that is printed when the test fails or the server exits early.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, the address the server printed.
    pub base: String,
    /// What the server printed on stdout before it listened (the bootstrap lines).
    pub printed: Vec<String>,
    stderr: std::fs::File,
}

/// Why a server did not come up: how it exited and what it wrote on stderr.
#[derive(Debug)]
pub struct Exited {
    /// The exit status.
    pub status: ExitStatus,
    /// Everything it wrote on stderr.
    pub stderr: String,
}

impl Server {
    /// Starts `loquat serve` on data directory `dir` with extra environment `env`, and waits
    /// until it prints the address it listens on; panics (showing its stderr) otherwise.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::try_start(dir, env)
            .unwrap_or_else(|e| panic!("loquat serve exited ({}):\n{}", e.status, e.stderr))
    }

    /// Like [`Self::start`], but a server that exits before listening is an `Err`.
    pub fn try_start(dir: &Path, env: &[(&str, &str)]) -> Result<Self, Exited> {
        let stderr = tempfile::tempfile().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_loquat"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(["--public-url", "https://eloqua.test"])
            .arg("--data-dir")
            .arg(dir)
            .env_remove("LOQUAT_BOOTSTRAP_SITE")
            .env_remove("LOQUAT_BOOTSTRAP_USER")
            .env_remove("LOQUAT_BOOTSTRAP_PASSWORD")
            .env_remove("LOQUAT_CONFIG")
            .env_remove("LOQUAT_DATABASE_URL")
            .env("LOQUAT_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(stderr.try_clone().unwrap());
        command.envs(env.iter().copied());
        let mut child = command.spawn().unwrap();
        // A thread reads stdout to its end (the server never blocks on a full pipe) and hands
        // over each line; the main thread stops at the one naming the address.
        let (lines, printed_lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut server = Self {
            child,
            base: String::new(),
            printed: Vec::new(),
            stderr,
        };
        let deadline = Instant::now() + DEADLINE;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match printed_lines.recv_timeout(wait) {
                Ok(line) => match line.strip_prefix("listening on ") {
                    Some(base) => {
                        server.base = base.to_owned();
                        return Ok(server);
                    }
                    None => server.printed.push(line),
                },
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.child.wait().unwrap();
                    return Err(Exited {
                        status,
                        stderr: server.stderr_text(),
                    });
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("the server did not listen:\n{}", server.stderr_text())
                }
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A JSON client signing in as `login` (`Site\User`).
    pub fn client(&self, login: &str, password: &str) -> Client {
        Client::new(&self.base, basic(login, password))
    }

    /// Sends SIGTERM, asking for a graceful shutdown.
    pub fn send_sigterm(&self) {
        let pid = self.pid().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
    }

    /// Waits for the process to exit (after [`Self::send_sigterm`]); panics after [`DEADLINE`].
    pub fn wait_for_exit(mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop after SIGTERM:\n{}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the server wrote on stderr so far.
    pub fn stderr_text(&mut self) -> String {
        let mut text = String::new();
        self.stderr.rewind().unwrap();
        let _ = self.stderr.read_to_string(&mut text);
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let stderr = self.stderr_text();
            eprintln!("--- stderr of loquat serve on {} ---\n{stderr}", self.base);
        }
    }
}
