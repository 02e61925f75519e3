//! A small client of the Chrome DevTools Protocol over `--remote-debugging-pipe`: chromium reads
//! JSON commands from its fd 3 and writes answers and events to its fd 4, each message ended
//! by a NUL. No WebSocket, no crate beyond serde_json: the pipes are the child's stdin and
//! stdout, moved to fds 3 and 4 by the shell that starts it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// A guard against a browser that stopped answering, not a measure of anything.
const HANG: Duration = Duration::from_secs(120);

pub struct Browser {
    child: Child,
    to: ChildStdin,
    from: Receiver<Value>,
    next: u64,
    /// The user-data dir: empty at start, removed at the end.
    _profile: tempfile::TempDir,
}

/// A page, with everything it logged and requested since it was opened.
pub struct Page<'b> {
    browser: &'b mut Browser,
    session: String,
    /// Console errors, exceptions and browser log entries of level error (CSP violations
    /// among them).
    pub errors: Vec<String>,
    /// Every URL the page asked for.
    pub requests: Vec<String>,
}

impl Browser {
    pub fn start() -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        // The flags the machine's closed network needs: nothing phones home.
        let script = format!(
            "exec chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
             --disable-background-networking --disable-component-update --disable-sync \
             --remote-debugging-pipe --user-data-dir='{}' about:blank \
             3<&0 4>&1 0</dev/null 1>&2",
            profile.path().display()
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium (apt install chromium; .ci/run installs it)");
        let to = child.stdin.take().expect("stdin");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                buf.pop();
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    return;
                }
            }
        });
        Browser {
            child,
            to,
            from: rx,
            next: 0,
            _profile: profile,
        }
    }

    /// Send a command and wait for its answer; events that arrive meanwhile go to `events`.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        events: &mut Vec<Value>,
    ) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        self.to.flush().expect("flush");
        loop {
            let v = self.receive();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            events.push(v);
        }
    }

    fn receive(&mut self) -> Value {
        match self.from.recv_timeout(HANG) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("chromium did not answer in {HANG:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("chromium exited"),
        }
    }

    /// Open `url` in a new tab of `width` CSS pixels and wait for its `load` event.
    pub fn open(&mut self, url: &str, width: u32) -> Page<'_> {
        let mut ev = Vec::new();
        let target = self.call(
            None,
            "Target.createTarget",
            json!({"url": "about:blank"}),
            &mut ev,
        );
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
            &mut ev,
        );
        let session = attached["sessionId"].as_str().expect("session").to_string();
        let mut page = Page {
            browser: self,
            session,
            errors: Vec::new(),
            requests: Vec::new(),
        };
        for domain in [
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
            "Page.enable",
        ] {
            page.call(domain, json!({}));
        }
        page.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        page.call("Page.navigate", json!({"url": url}));
        page.wait_for("Page.loadEventFired");
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .to
            .write_all(b"{\"id\":0,\"method\":\"Browser.close\"}\0");
        let _ = self.to.flush();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Page<'_> {
    fn call(&mut self, method: &str, params: Value) -> Value {
        let mut events = Vec::new();
        let session = self.session.clone();
        let v = self
            .browser
            .call(Some(&session), method, params, &mut events);
        for e in events {
            self.note(&e);
        }
        v
    }

    fn wait_for(&mut self, event: &str) {
        loop {
            let e = self.browser.receive();
            self.note(&e);
            if e["method"] == event && e["sessionId"] == self.session.as_str() {
                return;
            }
        }
    }

    /// Keep what matters of an event: errors and requests.
    fn note(&mut self, e: &Value) {
        let p = &e["params"];
        match e["method"].as_str() {
            Some("Runtime.exceptionThrown") => self.errors.push(p["exceptionDetails"].to_string()),
            Some("Runtime.consoleAPICalled") if p["type"] == "error" || p["type"] == "assert" => {
                self.errors.push(p["args"].to_string());
            }
            Some("Log.entryAdded") if p["entry"]["level"] == "error" => {
                self.errors.push(p["entry"]["text"].to_string());
            }
            Some("Network.requestWillBeSent") => {
                self.requests
                    .push(p["request"]["url"].as_str().unwrap_or("").to_string());
            }
            _ => {}
        }
    }

    /// The value of a JavaScript expression in the page (after its scripts ran).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    /// Lay the page out as for printing (`@media print`), or as for the screen again.
    pub fn print_media(&mut self, print: bool) {
        let media = if print { "print" } else { "" };
        self.call("Emulation.setEmulatedMedia", json!({"media": media}));
    }

    /// Show the page as for a reader who prefers a dark colour scheme, or a light one.
    pub fn dark_scheme(&mut self, dark: bool) {
        let value = if dark { "dark" } else { "light" };
        let features = json!([{"name": "prefers-color-scheme", "value": value}]);
        self.call("Emulation.setEmulatedMedia", json!({"features": features}));
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64_decode(r["data"].as_str().expect("screenshot data"))
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (18 - 6 * i));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
