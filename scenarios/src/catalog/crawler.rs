//! # `crawler` — seed 004
//!
//! The seed's `areq.py`: for each of eight URLs, fetch the page, find its
//! `href="http..."` links, and append one `source<TAB>link` line per link to
//! an output file; all URLs are crawled concurrently (gathered). Here the web
//! is [simulated](crate::web) on `simloop::net`: each host is a simulated
//! host whose server answers after a seeded latency, one
//! URL is a 404, one host cannot be connected to, and the file is in memory.
//! It teaches that one failing request must not stop the others, and that a
//! concurrent crawl takes as long as its slowest request.
//!
//! Expected outcome, under every strategy and seed: every URL is fetched
//! exactly once, all at t = 0; the 404 and the connection error are reported
//! for their page only; every output line is a link found on its source
//! page, and every link of every page that loaded is written once; the crawl
//! ends when the slowest request does, after exactly its drawn latency.
//!
//! Properties checked: `fetched-once`, `errors-per-page`,
//! `links-from-source`, `every-link-written`, `elapsed`.

use std::collections::BTreeSet;
use std::time::Duration;

use simloop::combinators::gather;
use simloop::{Report, Sim, SimError};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::web::{MemFile, Request, Web, hrefs};
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "crawler",
    "crawl 8 URLs of a simulated web concurrently (one 404, one host down), append links to a file",
    "004",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The seed's URLs.
pub const URLS: [&str; 8] = [
    "https://regex101.com/",
    "https://docs.python.org/3/this-url-will-404.html",
    "https://www.nytimes.com/guides/",
    "https://www.mediamatters.org/",
    "https://1.1.1.1/",
    "https://www.politico.com/tipsheets/morning-money",
    "https://www.bloomberg.com/markets/economics",
    "https://www.ietf.org/rfc/rfc2616.txt",
];

/// The header line of the output file.
pub const HEADER: &str = "source_url\tparsed_url";

/// The simulated web the crawler runs against.
pub fn web() -> Web {
    Web::new()
        .host("regex101.com", 100..=400)
        .host("docs.python.org", 50..=150)
        .host("www.nytimes.com", 200..=800)
        .host("www.mediamatters.org", 150..=600)
        .host("1.1.1.1", 10..=50)
        .host("www.politico.com", 300..=900)
        .down("www.bloomberg.com")
        .host("www.ietf.org", 100..=500)
        .page(
            URLS[0],
            r#"<a href="https://regex101.com/library">library</a>
               <a href="https://github.com/firasdib/Regex101">source</a>
               <a href="/account">account</a>"#,
        )
        .page(
            URLS[2],
            r#"<a href="https://www.nytimes.com/guides/well/how-to-meditate">meditate</a>
               <a href="https://www.nytimes.com/guides/smarterliving">smarter living</a>
               <a href="https://www.nytimes.com/guides/">guides</a>"#,
        )
        .page(
            URLS[3],
            r#"<a href="https://www.mediamatters.org/research">research</a>
               <a href="https://twitter.com/mmfa">twitter</a>"#,
        )
        .page(
            URLS[4],
            r#"<a href="https://itunes.apple.com/us/app/1-1-1-1-faster-internet/id1423538627">app</a>
               <a href="https://www.cloudflare.com/careers/departments/">careers</a>
               <a href="https://cloudflare.com">cloudflare</a>
               <a href="https://pkg.cloudflareclient.com/">packages</a>"#,
        )
        .page(
            URLS[5],
            r#"<a href="https://www.politico.com/newsletters/morning-money">newsletter</a>"#,
        )
        .page(
            URLS[7],
            "Network Working Group                                      R. Fielding\n\
             Request for Comments: 2616                                   UC Irvine\n\
             Hypertext Transfer Protocol -- HTTP/1.1\n",
        )
}

/// Fetches `url` and returns its distinct links, or an empty set after
/// printing the error.
pub async fn parse(log: &Log, web: &Web, url: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    match web.get(url).await {
        Err(e) => {
            log.say(format!("aioHTTP error: {e}"));
        }
        Ok(resp) => {
            log.say(format!("Got response [{}] for URL: {url}", resp.status));
            found.extend(hrefs(&resp.body).into_iter().map(str::to_owned));
            log.say(format!("Found {} links for {url}", found.len()));
        }
    }
    found
}

/// Writes the links found on `url` to `file`, one line each.
pub async fn write_one(log: Log, web: Web, file: MemFile, url: &'static str) {
    let res = parse(&log, &web, url).await;
    if res.is_empty() {
        return;
    }
    for p in &res {
        file.append(&format!("{url}\t{p}\n")).await;
    }
    log.say(format!("Wrote results for source URL: {url}"));
}

/// Crawls every URL concurrently (gathered: one task per URL).
pub async fn bulk_crawl_and_write(log: Log, web: Web, file: MemFile, urls: &[&'static str]) {
    gather(
        urls.iter()
            .map(|&url| write_one(log.clone(), web.clone(), file.clone(), url)),
    )
    .await
    .expect("a crawl task neither panics nor is cancelled");
}

/// What the crawl left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crawl {
    /// The output file's lines.
    pub file: Vec<String>,
    /// Every request the web answered.
    pub requests: Vec<Request>,
}

/// Writes the header, then crawls [`URLS`] against [`web()`].
pub async fn main(log: Log) -> Crawl {
    let web = web();
    let file = MemFile::new();
    file.write(&format!("{HEADER}\n"));
    bulk_crawl_and_write(log.clone(), web.clone(), file.clone(), &URLS).await;
    web.shutdown();
    Crawl {
        file: file.lines(),
        requests: web.requests(),
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Crawl>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<Crawl>) -> Result<(), Violation> {
    let run = &ran.value;
    let web = web();
    let mut fetched: Vec<&str> = run.requests.iter().map(|r| r.url.as_str()).collect();
    fetched.sort_unstable();
    let mut want: Vec<&str> = URLS.to_vec();
    want.sort_unstable();
    ensure!(fetched == want, "fetched-once", "fetched {fetched:?}");
    for r in &run.requests {
        ensure!(
            r.start.as_nanos() == 0,
            "fetched-once",
            "{} was requested at {}, not at the start",
            r.url,
            r.start
        );
    }
    for url in URLS {
        let said = |prefix: &str| {
            ran.lines
                .iter()
                .any(|l| l.text.starts_with(prefix) && l.text.contains(url))
        };
        let status = run
            .requests
            .iter()
            .find(|r| r.url == url)
            .map_or(0, |r| r.status);
        match status {
            200 => {
                let n = hrefs(web.body(url).unwrap_or(""))
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .len();
                ensure!(
                    said(&format!("Found {n} links for")),
                    "errors-per-page",
                    "no `Found {n} links` line for {url}"
                );
            }
            _ => ensure!(
                said("aioHTTP error:"),
                "errors-per-page",
                "the failure of {url} (status {status}) was not reported"
            ),
        }
    }
    ensure!(
        run.file.first().map(String::as_str) == Some(HEADER),
        "links-from-source",
        "the file starts with {:?}",
        run.file.first()
    );
    let mut written = BTreeSet::new();
    for line in &run.file[1..] {
        let Some((src, link)) = line.split_once('\t') else {
            return Err(Violation::new(
                "links-from-source",
                format!("malformed line {line:?}"),
            ));
        };
        let on_page = web.body(src).is_some_and(|b| hrefs(b).contains(&link));
        ensure!(
            on_page,
            "links-from-source",
            "{link} is not a link of {src}"
        );
        ensure!(
            written.insert((src, link)),
            "every-link-written",
            "{src} -> {link} written twice"
        );
    }
    for r in run.requests.iter().filter(|r| r.status == 200) {
        for link in hrefs(web.body(&r.url).unwrap_or("")) {
            ensure!(
                written.contains(&(r.url.as_str(), link)),
                "every-link-written",
                "{} -> {link} is missing from the file",
                r.url
            );
        }
    }
    // Every request starts at 0, so the slowest fetch is the largest drawn
    // latency; each request ends exactly that long after it started.
    for r in &run.requests {
        ensure!(
            r.end - r.start == r.latency,
            "elapsed",
            "{} took {:?}, its drawn latency is {:?}",
            r.url,
            r.end - r.start,
            r.latency
        );
    }
    let slowest = run
        .requests
        .iter()
        .map(|r| r.latency)
        .max()
        .unwrap_or(Duration::ZERO);
    ensure!(
        ran.elapsed == slowest,
        "elapsed",
        "took {:?}, the slowest fetch's latency is {slowest:?}",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Crawl>) -> String {
    let ok = r.value.requests.iter().filter(|q| q.status == 200).count();
    format!(
        "{ok} of {} pages loaded, {} links written, done in {}",
        r.value.requests.len(),
        r.value.file.len().saturating_sub(1),
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let ok = r
        .value
        .value
        .requests
        .iter()
        .filter(|q| q.status == 200)
        .count();
    let latencies: Duration = r.value.value.requests.iter().map(|q| q.end - q.start).sum();
    Ok(story.told(vec![format!(
        "Crawling 8 URLs of a simulated web: {ok} load, one is a 404, one host is down; {} links written. \
         Concurrently {}, one after another it would be {}.",
        r.value.value.file.len().saturating_sub(1),
        human::duration(r.elapsed),
        human::duration(latencies)
    )]))
}
