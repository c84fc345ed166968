//! Runs the `link-extractor` binary with a clean environment, captured output and a
//! bounded wait.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// The longest a run may take before it is killed and the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Environment variables that would change what the binary does; removed unless a test
/// sets them.
pub const CLEARED_ENV: &[&str] = &[
    "RUST_LOG",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "JOB_COMPLETION_INDEX",
];

/// A finished run.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// A command line for the binary, built up then run.
pub struct Cmd {
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    stdout: Option<File>,
    current_dir: Option<PathBuf>,
    wrapper: Vec<OsString>,
}

/// The binary with these arguments.
pub fn cmd<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    Cmd {
        args: args.into_iter().map(Into::into).collect(),
        stdin: None,
        env: Vec::new(),
        stdout: None,
        current_dir: None,
        wrapper: Vec::new(),
    }
}

/// Runs the binary with these arguments, no stdin, and waits for it.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    cmd(args).run()
}

impl Cmd {
    /// Bytes for the binary's stdin (else stdin is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Runs the binary through `wrapper` (a program and its arguments, the binary's
    /// path and arguments following), e.g. `prlimit --nofile=256:256`.
    pub fn wrapped_in<I, S>(mut self, wrapper: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.wrapper = wrapper.into_iter().map(Into::into).collect();
        self
    }

    /// Runs the binary in `dir` (else in the test's working directory).
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.current_dir = Some(dir.to_path_buf());
        self
    }

    /// Sends stdout to this file instead of capturing it.
    pub fn stdout_to(mut self, file: File) -> Self {
        self.stdout = Some(file);
        self
    }

    /// Starts the binary; stdout stays open for the test to read.
    pub fn spawn(self) -> Running {
        let binary = env!("CARGO_BIN_EXE_link-extractor");
        let mut command = match self.wrapper.split_first() {
            Some((program, wrapper_args)) => {
                let mut command = Command::new(program);
                command.args(wrapper_args).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command
            .args(&self.args)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(self.stdout.map_or_else(Stdio::piped, Stdio::from))
            .stderr(Stdio::piped());
        for name in CLEARED_ENV {
            command.env_remove(name);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        let started = Instant::now();
        let mut child = command.spawn().expect("start link-extractor");
        if let (Some(bytes), Some(mut stdin)) = (self.stdin, child.stdin.take()) {
            // A writer thread, so a large input never deadlocks against our reads; a
            // closed pipe (the binary stopped reading) is not our concern here.
            thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            });
        }
        let stderr = child.stderr.take().expect("piped stderr");
        let stdout = child.stdout.take().map(BufReader::new);
        Running {
            child,
            started,
            stdout,
            stderr: Some(read_all_in_background(stderr)),
        }
    }

    /// Runs the binary to completion.
    pub fn run(self) -> Output {
        self.spawn().finish()
    }
}

/// A running binary.
pub struct Running {
    child: Child,
    started: Instant,
    stdout: Option<BufReader<ChildStdout>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

fn read_all_in_background<R: Read + Send + 'static>(mut from: R) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        bytes
    })
}

impl Running {
    /// Reads one line of stdout, without its newline ("" at the end of the output).
    pub fn read_line(&mut self) -> String {
        let stdout = self.stdout.as_mut().expect("stdout is still open");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read stdout");
        line.trim_end_matches('\n').to_string()
    }

    /// Sends `signal` (a name such as `INT` or `TERM`) to the binary, with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill -{signal} failed: {status:?}");
    }

    /// Closes our end of the stdout pipe, as `head` does when it has read enough.
    pub fn close_stdout(&mut self) {
        self.stdout = None;
    }

    /// Waits for the binary (killing it and failing the test after [`RUN_LIMIT`]) and
    /// returns what it wrote. Asserts that it did not panic.
    pub fn finish(mut self) -> Output {
        let stdout = self.stdout.take().map(read_all_in_background);
        let remaining = RUN_LIMIT.saturating_sub(self.started.elapsed());
        let status = match self
            .child
            .wait_timeout(remaining)
            .expect("wait for link-extractor")
        {
            Some(status) => status,
            None => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr.take().map(join_text).unwrap_or_default();
                panic!("link-extractor still running after {RUN_LIMIT:?}; killed it. stderr:\n{stderr}");
            }
        };
        let elapsed = self.started.elapsed();
        let stderr = self.stderr.take().map(join_text).unwrap_or_default();
        let stdout = stdout.map(join_text).unwrap_or_default();
        assert!(
            !stderr.contains("panicked"),
            "link-extractor panicked:\n{stderr}"
        );
        let code = status.code().unwrap_or_else(|| {
            panic!("link-extractor killed by a signal ({status:?}); stderr:\n{stderr}")
        });
        Output {
            code,
            stdout,
            stderr,
            elapsed,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A test that failed half-way must not leave the binary behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn join_text(reader: JoinHandle<Vec<u8>>) -> String {
    let bytes = reader.join().expect("output reader thread");
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("output is not UTF-8: {e}"))
}
