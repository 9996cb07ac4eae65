//! report.html in a real browser: headless Chromium (Debian's `chromium`)
//! opens the page from `file://`, a driver script (tests/browser/driver.js)
//! uses the filters and links, and the test reads what it saw from
//! `--dump-dom`: no script error, no console error, filters and links that
//! work, source links to files that exist. A screenshot of the committed
//! sample is kept as `reports/artifacts/report.png` (the CI artifact).
//! Without chromium the test prints SKIPPED and passes, unless `CI=true`.

mod fixture;
#[path = "../benches/large/mod.rs"]
mod large;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use myna_report::{render_html, Report};

type TestResult = Result<(), Box<dyn Error>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> Option<&'static str> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name).arg("--version").output().is_ok() {
            return Some(name);
        }
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "chromium is required in CI (apt-get install chromium)"
    );
    eprintln!("SKIPPED: chromium not installed (apt-get install chromium)");
    None
}

/// Runs chromium headless with `args` and `url`, killed after 240 s at most
/// (a bound against a hang, not a timing check).
fn headless(browser: &str, args: &[&str], url: &str) -> Result<(String, String), Box<dyn Error>> {
    let profile = tempfile::tempdir()?;
    // Files, not pipes: a DOM of megabytes would fill a pipe nobody reads
    // until the browser exits, and it would never exit.
    let stdout_path = profile.path().join("stdout");
    let stderr_path = profile.path().join("stderr");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(url)
        .stdout(std::fs::File::create(&stdout_path)?)
        .stderr(std::fs::File::create(&stderr_path)?)
        .spawn()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    while child.try_wait()?.is_none() {
        if std::time::Instant::now() > deadline {
            child.kill()?;
            return Err("chromium did not finish within 240 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((
        String::from_utf8_lossy(&std::fs::read(&stdout_path)?).into_owned(),
        String::from_utf8_lossy(&std::fs::read(&stderr_path)?).into_owned(),
    ))
}

/// The page with an error trap first in `<head>` and the driver last.
fn instrumented(page: &str) -> String {
    with_scripts(page, include_str!("browser/driver.js"))
}

/// The page with the error trap and `script` last.
fn with_scripts(page: &str, script: &str) -> String {
    let trap = "<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push('error: '+e.message)});\
                var __ce=console.error;console.error=function(){window.__errors.push('console.error: '+Array.prototype.join.call(arguments,' '));__ce.apply(console,arguments)};</script>";
    let driver = format!("<script>{script}</script>");
    page.replacen("<head>\n", &format!("<head>\n{trap}\n"), 1)
        .replacen("</body>", &format!("{driver}\n</body>"), 1)
}

fn fixture_with_links() -> Report {
    let mut report = fixture::report();
    for requirement in &mut report.requirements {
        requirement.source = "spec:card-protocol.md §3 (OpenSC jpki.h)".to_owned();
    }
    report
}

/// The directory the page is opened from: `reports/<name>/`, where the
/// links' default root (`../../`) is the repository.
fn page_dir(name: &str) -> Result<PathBuf, Box<dyn Error>> {
    let dir = root().join("reports").join(name);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[test]
fn filters_links_and_evidence_work_in_chromium() -> TestResult {
    let Some(browser) = chromium() else {
        return Ok(());
    };
    let dir = page_dir("browser-test")?;
    let page = dir.join("report.html");
    std::fs::write(&page, instrumented(&render_html(&fixture_with_links())))?;
    let url = format!("file://{}", page.canonicalize()?.display());
    let (dom, stderr) = headless(
        browser,
        &["--virtual-time-budget=10000", "--dump-dom"],
        &url,
    )?;
    let results = results_of(&dom, &stderr)?;
    let failed: Vec<&serde_json::Value> = results["checks"]
        .as_array()
        .ok_or("no checks")?
        .iter()
        .filter(|c| c["ok"] != true)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(results["checks"].as_array().map(Vec::len), Some(14));
    assert_eq!(results["errors"], serde_json::json!([]), "{stderr}");
    for line in stderr.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error"))),
            "console error: {line}"
        );
    }
    // Every source link resolves to a file of the repository.
    for link in results["sourceLinks"].as_array().ok_or("no links")? {
        let href = link.as_str().ok_or("link")?;
        let path = href.strip_prefix("file://").ok_or(href)?;
        assert!(Path::new(path).is_file(), "{href} is not a file");
    }
    Ok(())
}

/// What the results element of a driven page says (the driver's JSON).
fn results_of(dom: &str, stderr: &str) -> Result<serde_json::Value, Box<dyn Error>> {
    let start = dom
        .rfind("<pre id=\"test-results\">")
        .ok_or_else(|| format!("the driver did not finish\n{stderr}"))?;
    let json = &dom[start + "<pre id=\"test-results\">".len()..];
    let json = &json[..json.find("</pre>").ok_or("no end of results")?];
    let json = json
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    Ok(serde_json::from_str(&json)?)
}

/// Opens the large run's page (1,000 scenarios × 100 steps when
/// MYNA_LARGE_REPORT=1, a 77 MB page; 1,000 × 10 otherwise, which takes
/// the same lazy paths), checks that it opens with everything folded and
/// nothing of the steps built, then follows a link to scenario 737, opens
/// its step 5 and reads the evidence shown: it must be that step's own
/// record, decoded (its hex carried as base64 comes back as the same hex).
#[test]
fn a_large_report_opens_folded_and_shows_a_scenarios_evidence_when_opened() -> TestResult {
    let Some(browser) = chromium() else {
        return Ok(());
    };
    let steps = if std::env::var_os("MYNA_LARGE_REPORT").is_some() {
        large::STEPS
    } else {
        10
    };
    let report = large::large_report_of(large::SCENARIOS, steps);
    let dir = page_dir("browser-test-large")?;
    let page = dir.join("report.html");
    let driver = r##"
      (function () {
        var out = { errors: [] };
        function finish() {
          out.errors = window.__errors;
          var p = document.createElement("pre"); p.id = "test-results";
          p.textContent = JSON.stringify(out); document.body.appendChild(p);
        }
        setTimeout(function () {
          out.ready = window.__reportReady === true;
          out.count = document.getElementById("sc-count").textContent;
          out.built = document.querySelectorAll("#scenarios details.sc").length;
          out.stepsBuilt = document.querySelectorAll("details.step").length;
          out.evidenceBuilt = document.querySelectorAll(".ev").length;
          location.hash = "#s-737";
          setTimeout(function () {
            var scenario = document.getElementById("s-737");
            out.open = !!(scenario && scenario.open);
            out.stepsShown = scenario ? scenario.querySelectorAll("details.step").length : 0;
            var step = scenario && scenario.querySelector('details.step[data-step="5"]');
            if (!step) { finish(); return; }
            step.open = true;
            setTimeout(function () {
              var raw = step.querySelector(".ev details");
              if (raw) raw.open = true;
              out.stepText = step.textContent;
              out.evidenceBuilt = document.querySelectorAll(".ev").length;
              finish();
            }, 100);
          }, 100);
        }, 100);
      })();"##;
    std::fs::write(&page, with_scripts(&render_html(&report), driver))?;
    let url = format!("file://{}", page.canonicalize()?.display());
    let (dom, stderr) = headless(
        browser,
        &["--virtual-time-budget=10000", "--dump-dom"],
        &url,
    )?;
    let seen = results_of(&dom, &stderr)?;
    assert_eq!(seen["errors"], serde_json::json!([]), "{stderr}");
    assert_eq!(seen["ready"], true);
    assert_eq!(seen["count"], "1000 of 1000 scenarios");
    let built = seen["built"].as_u64().ok_or("built")?;
    assert!((100..1000).contains(&built), "{built} scenarios built");
    assert_eq!(seen["stepsBuilt"], 0, "steps are built when opened");
    assert_eq!(seen["open"], true, "the link opens scenario 737");
    assert_eq!(seen["stepsShown"].as_u64(), Some(steps as u64));
    assert_eq!(seen["evidenceBuilt"], 1, "only the opened step's evidence");
    let text = seen["stepText"].as_str().ok_or("no step text")?;
    for expected in [
        "READ BINARY offset 5".to_owned(),
        format!("scenarios/card/large-737.yaml:{}:5", 5 + 5),
        "READ BINARY (INS B0)".to_owned(),
        "9000 SUCCESS".to_owned(),
        "response data255 bytes".to_owned(),
        large::response_hex(737, 5, steps),
    ] {
        assert!(text.contains(&expected), "{expected} not in {text}");
    }
    // Not another step's record.
    assert!(!text.contains(&large::response_hex(737, 6, steps)));
    for line in stderr.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error"))),
            "console error: {line}"
        );
    }
    Ok(())
}

#[test]
fn a_screenshot_of_the_sample_is_kept() -> TestResult {
    let Some(browser) = chromium() else {
        return Ok(());
    };
    let artifacts = page_dir("artifacts")?;
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let sample = root().join("reports/sample/report.html").canonicalize()?;
    let arg = format!("--screenshot={}", shot.display());
    headless(
        browser,
        &[
            &arg,
            "--window-size=1280,1800",
            "--virtual-time-budget=5000",
        ],
        &format!("file://{}", sample.display()),
    )?;
    let bytes = std::fs::read(&shot)?;
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        bytes.len() > 10_000,
        "{} bytes: an empty page?",
        bytes.len()
    );
    Ok(())
}
