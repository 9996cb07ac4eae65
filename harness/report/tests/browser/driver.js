// Drives report.html inside headless Chromium (tests/browser.rs): uses the
// filters and links as a person would and writes what it saw into
// the results element as JSON, which --dump-dom hands back.
(function () {
  var results = { checks: [], errors: window.__errors || [] };
  function check(name, ok, seen) { results.checks.push({ name: name, ok: !!ok, seen: String(seen) }); }
  function set(id, value, event) {
    var node = document.getElementById(id);
    node.value = value;
    node.dispatchEvent(new Event(event || "change"));
  }
  function rows() { return document.querySelectorAll("#req-rows tr").length; }
  function shown() { return document.querySelectorAll("#scenarios details.sc").length; }
  var steps = [
    function () {
      check("ready", document.body.getAttribute("data-ready") === "1", document.body.getAttribute("data-ready"));
      check("all requirements listed", rows() === 6, rows());
      set("req-verdict", "fail");
      check("verdict filter", rows() === 2, rows());
      set("req-verdict", "");
      set("req-family", "reader");
      check("family filter", rows() === 1, rows());
      set("req-family", "");
      set("req-text", "block", "input");
      check("text filter", rows() === 1, rows());
      set("req-text", "", "input");
      set("req-verdict", "uncovered");
      check("uncovered requirement", rows() === 1 && document.querySelector("#req-rows .v-uncovered"), rows());
      set("req-verdict", "");
      var links = Array.prototype.map.call(document.querySelectorAll("a.source-link"), function (a) { return a.href; });
      results.sourceLinks = links;
      check("source links", links.length > 0, links.length);
      set("sc-verdict", "warn");
      check("scenario verdict filter", shown() === 1, shown());
      // A link to a scenario the filter hides still opens it.
      var link = document.querySelector('#req-rows tr[data-id="CARD-PIN-3"] a.scenario-link');
      check("scenario link exists", link, link && link.getAttribute("href"));
      link.click();
    },
    function () {
      var open = document.querySelector("#scenarios details.sc[open]");
      check("scenario link opens the scenario", open && open.getAttribute("data-id") === "card.pin.lockout", open && open.getAttribute("data-id"));
      check("filters cleared to show it", shown() === 7, shown());
      var step = open && open.querySelector("details.step.failed");
      check("failed step marked", step, step && step.textContent);
      if (step) step.open = true;
    },
    function () {
      var step = document.querySelector("#scenarios details.sc[open] details.step.failed");
      var text = step ? step.textContent : "";
      check("evidence decoded", text.indexOf("VERIFY (INS 20)") >= 0 && text.indexOf("63C0 VERIFY_FAILED") >= 0, text);
      check("secrets stay masked", text.indexOf("********") >= 0, text);
      results.errors = window.__errors || [];
      var out = document.createElement("pre");
      out.id = "test-results";
      out.textContent = JSON.stringify(results);
      document.body.appendChild(out);
    }
  ];
  var i = 0;
  function next() {
    try { steps[i](); } catch (e) { (window.__errors = window.__errors || []).push("driver: " + e); }
    i += 1;
    if (i < steps.length) setTimeout(next, 50);
  }
  setTimeout(next, 50);
})();
