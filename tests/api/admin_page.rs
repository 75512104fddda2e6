//! The operator page in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver by fantoccini): sign in, see a
//! dead entry, click retry, see it processed. A screenshot is saved under
//! target/ and its path printed.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use oe_webhooks::inbox::{EntryStatus, Inbox};
use serde_json::json;

use crate::admin::{with_admin, TOKEN};
use crate::operations::dead_inquiry;

/// A chromedriver on a free port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a look-up waits for the page a click navigated to (the suite
/// runs beside this test on two cores).
const WAIT: Duration = Duration::from_secs(20);

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n))).find(|p| p.is_file())
}

fn start_driver() -> Driver {
    let driver = find(&["chromedriver"]).expect(
        "chromedriver not found: install Debian's `chromium` and `chromium-driver` \
         (apt-get install -y chromium chromium-driver; scripts/test.sh does)",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on {port} within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, url: format!("http://127.0.0.1:{port}") }
}

async fn browser(driver: &Driver) -> Client {
    let chromium = find(&["chromium", "chromium-browser"]).expect("chromium not found: apt-get install -y chromium");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                            "--disable-dev-shm-usage", "--window-size=1400,900"]}),
    );
    // The driver is on loopback: plain HTTP, no TLS stack.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a Chromium session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_signs_in_sees_a_dead_entry_retries_it_and_sees_it_processed() {
    let app = with_admin(vec![]).await;
    let id = dead_inquiry(&app, "anna@keller.ch").await;
    let driver = start_driver();
    let c = browser(&driver).await;
    let page = format!("{}/admin/", app.address);

    c.goto(&page).await.unwrap();
    let token = c.find(Locator::Css("input[name=token]")).await.expect("the sign-in form");
    token.send_keys("wrong-token-wrong-token").await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // A click does not wait for the navigation it starts: each look-up after
    // a submit waits for the next page.
    let refused = c.wait().at_most(WAIT).for_element(Locator::Css(".error")).await.expect("a wrong token is refused");
    assert!(refused.text().await.unwrap().contains("not the admin token"));

    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("input[name=token]"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let row = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("#dead tr[data-entry='{id}']")))
        .await
        .expect("the dead entry is listed");
    assert!(row.text().await.unwrap().contains("refused by the test"), "with its error");

    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("admin-page.png");
    std::fs::write(&shot, c.screenshot().await.unwrap()).unwrap();
    println!("screenshot of the operator page: {}", shot.display());
    eprintln!("screenshot of the operator page: {}", shot.display());

    row.find(Locator::Css("button[name=retry]")).await.unwrap().click().await.unwrap();
    let notice = c.wait().at_most(WAIT).for_element(Locator::Id("notice")).await.expect("a notice after the retry");
    assert!(notice.text().await.unwrap().contains("queued again"));

    // Processed: gone from the dead and pending lists, its task now open.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        c.goto(&page).await.unwrap();
        let html = c.source().await.unwrap();
        let listed = html.contains(&format!("data-entry=\"{id}\""));
        if !listed && html.contains("Open tasks (1)") {
            assert!(html.contains("Anna Keller"), "the task's client is shown");
            assert!(html.contains("24 guests"), "what was understood, in words");
            break;
        }
        assert!(Instant::now() < deadline, "the retried entry was not processed: {html}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.store().await.status(id).await.unwrap(), Some(EntryStatus::Done));
    let after = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("admin-page-after.png");
    std::fs::write(&after, c.screenshot().await.unwrap()).unwrap();
    println!("screenshot after the retry: {}", after.display());

    // Signing out ends the session: the form again.
    c.find(Locator::Css("form[action='/admin/sign-out'] button")).await.unwrap().click().await.unwrap();
    c.wait().at_most(WAIT).for_element(Locator::Css("input[name=token]")).await.expect("signed out");
    c.close().await.unwrap();
}
