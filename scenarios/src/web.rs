//! A small simulated web for the `semaphore_http` and `crawler` scenarios:
//! hosts with seeded latency, pages, 404s and connection errors, and an
//! in-memory file to append results to.
//!
//! A [`Web`] is a plain description (hosts and pages). Inside a simulation
//! its hosts are hosts of [`simloop::net`], each running a small HTTP-like
//! server on port 80, created on the first request. [`Web::get`] draws the
//! request's latency from the host's range with [`simloop::rand`], sends
//! `GET url delay` over a [`TcpStream`] (the link
//! itself is instantaneous: the server takes the drawn latency to answer),
//! and reads back the page or a 404. A host that is down is a crashed host:
//! the connection attempt gets no answer and gives up after the drawn
//! latency. Every request is recorded, so properties can check what was
//! fetched, when, and how long it took. [`Web::shutdown`] crashes the hosts
//! again, so that their servers do not outlive the scenario.
//!
//! ```
//! use std::time::Duration;
//! use simloop::Sim;
//! use simloop_scenarios::web::{FetchError, Web};
//!
//! let web = Web::new()
//!     .host("example.org", 100..=300)
//!     .page("https://example.org/", r#"<a href="https://example.org/about">about</a>"#)
//!     .down("unreachable.example");
//! Sim::new(5).run(async {
//!     let page = web.get("https://example.org/").await.unwrap();
//!     assert_eq!(page.status, 200);
//!     assert!(page.latency >= Duration::from_millis(100));
//!     let missing = web.get("https://example.org/nope").await.unwrap_err();
//!     assert!(matches!(missing, FetchError::Status { status: 404, .. }));
//!     let down = web.get("https://unreachable.example/").await.unwrap_err();
//!     assert!(matches!(down, FetchError::Connect { .. }));
//!     assert_eq!(web.requests().len(), 3);
//! }).unwrap();
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::rc::Rc;
use std::time::Duration;

use futures::io::BufReader;
use futures::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use simloop::net::{self, TcpListener, TcpStream};
use simloop::sync::Event;
use simloop::time::{self, Instant};

/// How a host behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// Latency of one request, in milliseconds, drawn uniformly per request.
    pub latency_ms: RangeInclusive<u64>,
    /// Whether connecting fails (after the drawn latency, like a connect
    /// timeout).
    pub down: bool,
}

/// A response with status 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The URL requested.
    pub url: String,
    /// Always 200: other statuses are [`FetchError::Status`].
    pub status: u16,
    /// The page's text.
    pub body: String,
    /// How long the request took.
    pub latency: Duration,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The host answered with an error status (404 for a page it does not
    /// have).
    #[error("{status} {reason} for URL {url}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: &'static str,
        /// How long the request took.
        latency: Duration,
    },
    /// The host could not be reached (down or unknown).
    #[error("cannot connect to host {host} for URL {url}")]
    Connect {
        /// The URL requested.
        url: String,
        /// The host.
        host: String,
        /// How long it took to give up.
        latency: Duration,
    },
    /// The URL is not of the form `scheme://host/path`.
    #[error("invalid URL {url:?}")]
    BadUrl {
        /// The text given.
        url: String,
    },
}

/// One request as the simulated web saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The URL.
    pub url: String,
    /// When it was sent.
    pub start: Instant,
    /// When the answer (or error) came back.
    pub end: Instant,
    /// The latency drawn for it (from the host's range).
    pub latency: Duration,
    /// 200, the error status, or 0 for a connection error.
    pub status: u16,
}

/// A simulated web: hosts, their pages, and a record of every request.
///
/// Clones share the request record.
#[derive(Debug, Clone, Default)]
pub struct Web {
    hosts: BTreeMap<String, Host>,
    pages: BTreeMap<String, String>,
    requests: Rc<RefCell<Vec<Request>>>,
    /// Set once every server of the run listens.
    listening: Rc<RefCell<Option<Event>>>,
}

impl Web {
    /// An empty web: every host is unknown.
    pub fn new() -> Web {
        Web::default()
    }

    /// Adds a host that answers after a latency drawn from `latency_ms`
    /// (milliseconds).
    pub fn host(mut self, host: &str, latency_ms: RangeInclusive<u64>) -> Web {
        self.hosts.insert(
            host.to_owned(),
            Host {
                latency_ms,
                down: false,
            },
        );
        self
    }

    /// Adds a host that cannot be connected to; giving up takes 1 to 3 s.
    pub fn down(mut self, host: &str) -> Web {
        self.hosts.insert(
            host.to_owned(),
            Host {
                latency_ms: 1000..=3000,
                down: true,
            },
        );
        self
    }

    /// Adds a page at `url` (its host must be added too, or requests fail to
    /// connect).
    pub fn page(mut self, url: &str, body: impl Into<String>) -> Web {
        self.pages.insert(url.to_owned(), body.into());
        self
    }

    /// The page at `url`, if the web has one.
    pub fn body(&self, url: &str) -> Option<&str> {
        self.pages.get(url).map(String::as_str)
    }

    /// The host description, if known.
    pub fn host_of(&self, host: &str) -> Option<&Host> {
        self.hosts.get(host)
    }

    /// Every request so far, in the order they were answered.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.borrow().clone()
    }

    /// GETs `url`: waits the drawn latency (virtual time), then answers.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub async fn get(&self, url: &str) -> Result<Response, FetchError> {
        let Some(host) = host_name(url) else {
            return Err(FetchError::BadUrl {
                url: url.to_owned(),
            });
        };
        let start = time::now();
        let (latency_ms, down) = match self.hosts.get(host) {
            Some(h) => (h.latency_ms.clone(), h.down),
            None => (1000..=3000, true),
        };
        let latency = Duration::from_millis(simloop::rand::range(latency_ms));
        let page = if self.hosts.contains_key(host) {
            self.install().await;
            if down {
                // A crashed host never answers the SYN: give up after the
                // drawn latency, like a connect timeout.
                let _ = time::timeout(latency, fetch(host, url, latency)).await;
                None
            } else {
                // The server answers after the drawn latency.
                fetch(host, url, latency).await.ok().flatten()
            }
        } else {
            time::sleep(latency).await;
            None
        };
        let page = page.as_ref().filter(|_| !down);
        let status = match (down, page) {
            (true, _) => 0,
            (false, Some(_)) => 200,
            (false, None) => 404,
        };
        self.requests.borrow_mut().push(Request {
            url: url.to_owned(),
            start,
            end: time::now(),
            latency,
            status,
        });
        match (down, page) {
            (true, _) => Err(FetchError::Connect {
                url: url.to_owned(),
                host: host.to_owned(),
                latency,
            }),
            (false, Some(body)) => Ok(Response {
                url: url.to_owned(),
                status: 200,
                body: body.clone(),
                latency,
            }),
            (false, None) => Err(FetchError::Status {
                url: url.to_owned(),
                status: 404,
                reason: "Not Found",
                latency,
            }),
        }
    }
}

/// The web's port on every host.
const PORT: u16 = 80;

impl Web {
    /// Creates the web's hosts on the simulated network, once per run: a
    /// server on port 80 of each, instantaneous links to the calling
    /// task's host, and the hosts that are down crashed; then waits until
    /// every server listens.
    async fn install(&self) {
        let existing = self.listening.borrow().clone();
        if let Some(listening) = existing {
            listening.wait().await;
            return;
        }
        let listening = Event::new().named("web servers listening");
        *self.listening.borrow_mut() = Some(listening.clone());
        let here = net::current_host();
        let up = self.hosts.values().filter(|h| !h.down).count();
        let remaining = Rc::new(std::cell::Cell::new(up));
        if up == 0 {
            listening.set();
        }
        for (name, host) in &self.hosts {
            let prefix = format!("://{name}/");
            let pages: Rc<BTreeMap<String, String>> = Rc::new(
                self.pages
                    .iter()
                    .filter(|(url, _)| url.contains(&prefix))
                    .map(|(u, b)| (u.clone(), b.clone()))
                    .collect(),
            );
            let mut builder = net::HostBuilder::new(name.as_str());
            if let Ok(ip) = name.parse() {
                builder = builder.ip(ip); // a URL with an address
            }
            let (remaining, listening) = (Rc::clone(&remaining), listening.clone());
            let h = builder
                .build(move || serve(Rc::clone(&pages), Rc::clone(&remaining), listening.clone()))
                .expect("the web's hosts have distinct names");
            net::link(&here, &h).latency(Duration::ZERO);
            if host.down {
                h.crash();
            }
        }
        listening.wait().await;
    }

    /// Crashes the web's hosts, so that their servers end with the
    /// scenario (a no-op if no request was made).
    pub fn shutdown(&self) {
        for h in net::hosts() {
            if self.hosts.contains_key(&*h.name()) && h.is_up() {
                h.crash();
            }
        }
    }
}

/// One request over the network: `GET url delay-in-ms`, answered with
/// `200 length` and the body, or `404 0`.
async fn fetch(host: &str, url: &str, latency: Duration) -> std::io::Result<Option<String>> {
    let mut stream = TcpStream::connect((host, PORT)).await?;
    let request = format!("GET {url} {}\n", latency.as_millis());
    stream.write_all(request.as_bytes()).await?;
    let mut reader = BufReader::with_capacity(256, stream);
    let mut status = String::new();
    reader.read_line(&mut status).await?;
    let mut words = status.split_whitespace();
    let (code, len) = (words.next(), words.next().and_then(|n| n.parse().ok()));
    match (code, len) {
        (Some("200"), Some(len)) => {
            let mut body = vec![0; len];
            reader.read_exact(&mut body).await?;
            Ok(Some(String::from_utf8_lossy(&body).into_owned()))
        }
        _ => Ok(None),
    }
}

/// A web host's server: each connection's request is answered after the
/// delay it names.
async fn serve(
    pages: Rc<BTreeMap<String, String>>,
    remaining: Rc<std::cell::Cell<usize>>,
    listening: Event,
) {
    let listener = TcpListener::bind(("0.0.0.0", PORT))
        .await
        .expect("port 80 is free on a fresh host");
    remaining.set(remaining.get().saturating_sub(1));
    if remaining.get() == 0 {
        listening.set();
    }
    while let Ok((stream, _)) = listener.accept().await {
        let pages = Rc::clone(&pages);
        simloop::task::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            if BufReader::with_capacity(256, read)
                .read_line(&mut line)
                .await
                .is_err()
            {
                return;
            }
            let mut words = line.split_whitespace().skip(1);
            let url = words.next().unwrap_or_default();
            let delay = words.next().and_then(|d| d.parse().ok()).unwrap_or(0);
            time::sleep(Duration::from_millis(delay)).await;
            let answer = match pages.get(url) {
                Some(body) => format!("200 {}\n{body}", body.len()),
                None => "404 0\n".to_owned(),
            };
            let _ = write.write_all(answer.as_bytes()).await;
        });
    }
}

/// The host part of `scheme://host/path`.
///
/// ```
/// assert_eq!(simloop_scenarios::web::host_name("https://a.org/x/y"), Some("a.org"));
/// assert_eq!(simloop_scenarios::web::host_name("a.org/x"), None);
/// ```
pub fn host_name(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then_some(host)
}

/// The links of an HTML text: every `href="http..."` value, like the seed's
/// `href="(http.*?)"` pattern.
///
/// ```
/// let html = r#"<a href="https://a.org/">a</a> <a href="/rel">r</a> <a href="http://b.org/x">b</a>"#;
/// assert_eq!(simloop_scenarios::web::hrefs(html), ["https://a.org/", "http://b.org/x"]);
/// ```
pub fn hrefs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let Some(end) = rest.find('"') else { break };
        let link = &rest[..end];
        if link.starts_with("http") {
            out.push(link);
        }
        rest = &rest[end + 1..];
    }
    out
}

/// An in-memory text file that tasks append lines to (the crawler's output
/// file). Clones share the text.
#[derive(Debug, Clone, Default)]
pub struct MemFile {
    text: Rc<RefCell<String>>,
}

impl MemFile {
    /// An empty file.
    pub fn new() -> MemFile {
        MemFile::default()
    }

    /// Replaces the contents (opening with mode `"w"`).
    pub fn write(&self, text: &str) {
        *self.text.borrow_mut() = text.to_owned();
    }

    /// Appends `text` as a write that yields to the loop first, as an
    /// asynchronous file write does.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub async fn append(&self, text: &str) {
        simloop::task::yield_now().await;
        self.text.borrow_mut().push_str(text);
    }

    /// The contents.
    pub fn contents(&self) -> String {
        self.text.borrow().clone()
    }

    /// The contents, line by line.
    pub fn lines(&self) -> Vec<String> {
        self.text.borrow().lines().map(str::to_owned).collect()
    }
}
