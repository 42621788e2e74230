//! An in-process SMTP server speaking just enough SMTP for lettre (no TLS, no
//! auth): it keeps every accepted message, and can refuse the first N with a
//! temporary (451) or permanent (550) answer.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The raw message (headers and body), with quoted-printable soft breaks and
    /// header folding undone.
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }
}

#[derive(Default)]
struct State {
    /// While set, connections are accepted but not answered (held), and
    /// dropped unanswered on `resume`.
    paused: bool,
    held: Vec<tokio::net::TcpStream>,
    received: Vec<Received>,
    /// Answers to give to the next DATA commands instead of accepting.
    refusals: Vec<&'static str>,
}

#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

/// Undoes quoted-printable soft line breaks, `=3D`, and header folding.
fn readable(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=3D", "=")
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ")
        .replace("\r\n", "\n")
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().expect("sink address").port();
        let sink = Sink {
            port,
            state: Arc::default(),
        };
        let state = sink.state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                {
                    let mut s = state.lock().expect("sink state");
                    if s.paused {
                        s.held.push(socket);
                        continue;
                    }
                }
                let state = state.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read);
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut to = vec![];
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        let answer: String = if upper.starts_with("EHLO") {
                            "250-sink\r\n250 8BITMIME\r\n".into()
                        } else if upper.starts_with("HELO") || upper.starts_with("MAIL") {
                            to.clear();
                            "250 OK\r\n".into()
                        } else if upper.starts_with("RCPT") {
                            let addr = line
                                .split_once('<')
                                .and_then(|(_, r)| r.split_once('>'))
                                .map(|(a, _)| a.to_string())
                                .unwrap_or_default();
                            to.push(addr);
                            "250 OK\r\n".into()
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            loop {
                                let mut l = String::new();
                                if lines.read_line(&mut l).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if l == ".\r\n" {
                                    break;
                                }
                                data.push_str(
                                    l.strip_prefix('.')
                                        .filter(|_| l.starts_with(".."))
                                        .unwrap_or(&l),
                                );
                            }
                            let mut s = state.lock().expect("sink state");
                            if s.refusals.is_empty() {
                                s.received.push(Received {
                                    to: std::mem::take(&mut to),
                                    data: readable(&data),
                                });
                                "250 queued\r\n".into()
                            } else {
                                format!("{}\r\n", s.refusals.remove(0))
                            }
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            "250 OK\r\n".into()
                        };
                        if write.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        sink
    }

    /// Holds new connections unanswered (a mail server that hangs).
    pub fn pause(&self) {
        self.state.lock().expect("sink state").paused = true;
    }

    /// Answers again; the held connections are closed unanswered.
    pub fn resume(&self) {
        let mut s = self.state.lock().expect("sink state");
        s.paused = false;
        s.held.clear();
    }

    /// How many connections are held unanswered.
    pub fn held(&self) -> usize {
        self.state.lock().expect("sink state").held.len()
    }

    /// The next `n` messages are refused with `answer` (e.g. "451 4.3.0 busy").
    pub fn refuse_next(&self, n: usize, answer: &'static str) {
        let mut s = self.state.lock().expect("sink state");
        s.refusals.extend(std::iter::repeat_n(answer, n));
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().expect("sink state").received.clone()
    }

    /// Waits (up to 15 s) until `n` messages arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..150 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.received()
    }
}
