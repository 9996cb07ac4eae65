#!/usr/bin/env node
// How long report.html pages take to open in headless Chromium, measured,
// never asserted (docs/reports.md "How fast the page opens"):
//
//   npm ci --prefix harness/report/tests/browser
//   node harness/report/tests/browser/open-time.js [--runs N] PAGE.html...
//
// Each page is opened N times (default 3), each time in a fresh browser with
// a fresh profile, all pages in one run of this script so their figures are
// comparable. For each opening it records, from the navigation's start:
// - ready: when the page's script marked it rendered (`data-ready="1"` on
//   <body>, seen by a MutationObserver installed before any page script);
// - load: the end of the load event;
// - interactive: when a script evaluated in the page after both got its
//   answer (the main thread was free again);
// and it counts console errors and uncaught exceptions. Prints one line per
// page with the median of each figure, and the page's size.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function openOnce(file) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-open-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    await context.addInitScript(() => {
      // The document exists, its elements do not yet.
      new MutationObserver(function (_, observer) {
        if (document.body && document.body.getAttribute("data-ready") === "1") {
          window.__readyAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
    });
    const page = context.pages()[0] || (await context.newPage());
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto("file://" + path.resolve(file), { waitUntil: "load", timeout: 60000 });
    await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 60000 });
    const figures = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return { ready: window.__readyAt, load: nav.loadEventEnd, interactive: performance.now() };
    });
    figures.errors = errors.length;
    return figures;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  let runs = 3;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runs") runs = Number(args[++i]);
    else files.push(args[i]);
  }
  if (!files.length || !(runs > 0)) {
    console.error("usage: open-time.js [--runs N] PAGE.html...");
    process.exit(2);
  }
  const seen = files.map(() => []);
  // Interleaved, so a machine that slows down mid-run slows every page.
  for (let r = 0; r < runs; r++) {
    for (let f = 0; f < files.length; f++) seen[f].push(await openOnce(files[f]));
  }
  files.forEach((file, f) => {
    const pick = (k) => median(seen[f].map((s) => s[k])).toFixed(0);
    const mb = (fs.statSync(file).size / 1e6).toFixed(1);
    const errors = seen[f].reduce((n, s) => n + s.errors, 0);
    console.log(`${file}: ${mb} MB · ready ${pick("ready")} ms · load ${pick("load")} ms · interactive ${pick("interactive")} ms` +
      ` (median of ${runs}; all: ${seen[f].map((s) => s.interactive.toFixed(0)).join(", ")} ms) · ${errors} console errors`);
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
