"use strict";
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var app = document.getElementById("app");
  var PAGE = 100;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === null || attrs[k] === undefined) return;
        if (k === "text") node.textContent = attrs[k];
        else if (k === "cls") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function badge(verdict, excused) {
    var cls = excused ? "excused" : verdict;
    var text = excused ? verdict + " (excused)" : verdict.replace("_", " ");
    return el("span", { cls: "badge v-" + cls, text: text, "data-verdict": verdict });
  }
  function us(n) {
    if (n === null || n === undefined) return "";
    if (n >= 1000000) return (n / 1000000).toFixed(3) + " s";
    if (n >= 1000) return (n / 1000).toFixed(3) + " ms";
    return n + " µs";
  }
  function kv(rows) {
    return el("table", null, rows.map(function (r) {
      return el("tr", null, [el("td", { text: r[0] }), el("td", null, [el("pre", { cls: "mono", text: String(r[1]) })])]);
    }));
  }
  function options(select, values, label) {
    select.appendChild(el("option", { value: "", text: label }));
    values.forEach(function (v) { select.appendChild(el("option", { value: v, text: v.replace("_", " ") })); });
  }
  function unique(list) {
    var seen = {}; var out = [];
    list.forEach(function (v) { if (v && !seen[v]) { seen[v] = true; out.push(v); } });
    return out;
  }

  // ---- run info ----
  var run = data.run;
  document.title = "myna-conform report \u00b7 " + run.started_at + " \u00b7 " + run.status;
  app.appendChild(el("h1", { text: "myna-conform conformance report" }));
  if (run.status !== "complete") {
    app.appendChild(el("div", { cls: "banner", id: "status-banner", text: "This run is " + run.status + ": the report covers only the scenarios that ran." }));
  }
  var info = [["harness version", run.harness_version], ["schema", data.schema], ["status", run.status],
    ["started", run.started_at], ["finished", run.finished_at], ["duration", us(run.duration_us)],
    ["host", run.hostname || ""], ["rules date", run.rules_date], ["command", (run.command || []).join(" ")]];
  Object.keys(run.targets || {}).forEach(function (role) {
    var t = run.targets[role];
    var details = Object.keys(t).filter(function (k) { return k !== "target" && k !== "capabilities"; })
      .map(function (k) { return k + " " + (typeof t[k] === "string" ? t[k] : JSON.stringify(t[k])); });
    info.push([role + " target", [t.target].concat(details).join(" · ")]);
    info.push([role + " capabilities", (t.capabilities || []).join(", ")]);
  });
  app.appendChild(el("h2", { text: "Run" }));
  app.appendChild(kv(info));
  var files = (run.scenario_files || []).map(function (f) { return [f.path, f.sha256]; });
  if (run.requirements_file) files.push([run.requirements_file.path, run.requirements_file.sha256]);
  if (run.expectations_file) files.push([run.expectations_file.path, run.expectations_file.sha256]);
  app.appendChild(el("details", null, [el("summary", { text: "Input files and their SHA-256 (" + files.length + ")" }), kv(files)]));

  // ---- summary and errors ----
  var sum = data.sum;
  app.appendChild(el("h2", { text: "Summary" }));
  app.appendChild(el("p", { cls: "chips", id: "summary" }, ["pass", "fail", "warn", "error", "not_applicable", "skipped"].map(function (v) {
    return el("span", null, [badge(v), " " + sum[v]]);
  }).concat([el("span", { text: "total " + sum.total }), el("span", { text: "excused failures " + sum.expected_failures })])));
  if (data.err.length) {
    app.appendChild(el("ul", { cls: "errors", id: "run-errors" }, data.err.map(function (e) {
      return el("li", { text: "error (" + e.blame + "): " + e.message });
    })));
  }

  // ---- latency ----
  var lat = Object.keys(data.lat);
  if (lat.length) {
    app.appendChild(el("h2", { text: "Latency of timed exchanges" }));
    lat.forEach(function (target) {
      var l = data.lat[target];
      app.appendChild(el("p", { text: target + ": " + l.n + " exchanges · p50 " + us(l.p50) + " · p90 " + us(l.p90) + " · p99 " + us(l.p99) + " · max " + us(l.max) }));
      app.appendChild(histogram(l));
    });
  }
  function histogram(l) {
    var ns = "http:" + "//www.w3.org/2000/svg";
    var w = 28, h = 80, max = Math.max.apply(null, l.h.concat([1]));
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", String(l.h.length * w + 10));
    svg.setAttribute("height", String(h + 30));
    svg.setAttribute("class", "latency");
    l.h.forEach(function (count, i) {
      var bh = Math.round(h * count / max);
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(i * w + 5)); rect.setAttribute("y", String(h - bh + 5));
      rect.setAttribute("width", String(w - 4)); rect.setAttribute("height", String(bh));
      rect.setAttribute("fill", "#0969da");
      var title = document.createElementNS(ns, "title");
      var lo = i + l.from === 0 ? 0 : Math.pow(2, i + l.from - 1);
      title.textContent = count + " exchanges of " + us(lo) + " to " + us(Math.pow(2, i + l.from));
      rect.appendChild(title);
      svg.appendChild(rect);
      var text = document.createElementNS(ns, "text");
      text.setAttribute("x", String(i * w + 5)); text.setAttribute("y", String(h + 20));
      text.textContent = us(Math.pow(2, i + l.from)).replace(" ", "");
      svg.appendChild(text);
    });
    return svg;
  }

  // ---- requirement matrix ----
  // Rows are built 500 at a time; links need no listener of their own.
  app.appendChild(el("h2", { text: "Requirements" }));
  var rf = el("select", { id: "req-family" }), rv = el("select", { id: "req-verdict" }), rt = el("input", { id: "req-text", type: "search", placeholder: "filter by id, text or source" });
  options(rf, unique(data.req.map(function (r) { return r.fam; })), "every family");
  options(rv, unique(data.req.map(function (r) { return r.v; })), "every verdict");
  var rcount = el("span", { cls: "count", id: "req-count" });
  app.appendChild(el("div", { cls: "filters" }, [rf, rv, rt, rcount]));
  var rbody = el("tbody", { id: "req-rows" });
  app.appendChild(el("table", { id: "requirements" }, [el("thead", null, [el("tr", null, ["id", "level", "verdict", "requirement", "source", "scenarios"].map(function (h) { return el("th", { text: h }); }))]), rbody]));
  var scenarioIndex = {};
  data.sc.forEach(function (s, i) { scenarioIndex[s.id] = i; });
  var rmore = el("button", { cls: "more", type: "button", text: "show more requirements" });
  app.appendChild(rmore);
  var rshown = 0, rmatch = [];
  function reqMatches(r) {
    var q = rt.value.trim().toLowerCase();
    return (!rf.value || r.fam === rf.value) && (!rv.value || r.v === rv.value) &&
      (!q || (r.id + " " + r.tx + " " + r.src).toLowerCase().indexOf(q) >= 0);
  }
  function reqRow(r) {
    return el("tr", { "data-id": r.id }, [
      el("td", null, [el("code", { text: r.id })]), el("td", { text: r.lv || "" }), el("td", null, [badge(r.v)]),
      el("td", { text: r.tx }),
      el("td", null, [el("div", { cls: "muted", text: r.src })].concat(r.links.map(function (l) {
        return el("div", null, [el("a", { href: l.href, cls: "source-link", text: l.label })]);
      }))),
      el("td", null, r.sc.map(function (id) {
        return el("div", null, [el("a", { href: "#s-" + scenarioIndex[id], cls: "scenario-link", text: id })]);
      }))]);
  }
  function renderReqs(reset) {
    if (reset) { rbody.textContent = ""; rshown = 0; rmatch = data.req.filter(reqMatches); }
    var end = Math.min(rmatch.length, rshown + 500);
    var rows = document.createDocumentFragment();
    for (; rshown < end; rshown++) rows.appendChild(reqRow(rmatch[rshown]));
    rbody.appendChild(rows);
    rcount.textContent = rmatch.length + " of " + data.req.length + " requirements";
    rmore.style.display = rshown < rmatch.length ? "" : "none";
  }
  [rf, rv].forEach(function (c) { c.addEventListener("change", function () { renderReqs(true); }); });
  rt.addEventListener("input", function () { renderReqs(true); });
  rmore.addEventListener("click", function () { renderReqs(false); });
  renderReqs(true);

  // ---- scenarios ----
  // A scenario's steps are in its own JSON element (`st-N`, steps.rs gives
  // the positions), parsed when the scenario is first opened; its steps'
  // summaries are built then, 200 at a time, and a step's evidence when the
  // step is opened. One toggle and one click listener serve the whole list.
  app.appendChild(el("h2", { text: "Scenarios" }));
  var sf = el("select", { id: "sc-family" }), sv = el("select", { id: "sc-verdict" }), st = el("input", { id: "sc-text", type: "search", placeholder: "filter by id, title, requirement or reason" });
  options(sf, unique(data.sc.map(function (s) { return s.fam; })), "every family");
  options(sv, unique(data.sc.map(function (s) { return s.v; })), "every verdict");
  var scount = el("span", { cls: "count", id: "sc-count" });
  app.appendChild(el("div", { cls: "filters" }, [sf, sv, st, scount]));
  var slist = el("div", { id: "scenarios" });
  app.appendChild(slist);
  var smore = el("button", { cls: "more", type: "button", text: "show more scenarios" });
  app.appendChild(smore);
  var sshown = 0, smatch = [];
  var STEP_PAGE = 200;
  var parsedSteps = {};
  function stepsOf(index) {
    if (!parsedSteps[index]) {
      var node = document.getElementById("st-" + index);
      parsedSteps[index] = node ? JSON.parse(node.textContent) : [];
    }
    return parsedSteps[index];
  }
  function scMatches(s) {
    var q = st.value.trim().toLowerCase();
    return (!sf.value || s.fam === sf.value) && (!sv.value || s.v === sv.value) &&
      (!q || (s.id + " " + s.ti + " " + s.req.join(" ") + " " + s.why).toLowerCase().indexOf(q) >= 0);
  }
  // Hex bytes carried as base64 (steps.rs) shown as the hex they were.
  function fieldText(v) {
    if (typeof v === "string") return v;
    var bin = atob(v.b), out = new Array(bin.length);
    for (var i = 0; i < bin.length; i++) { var c = bin.charCodeAt(i); out[i] = HEX[c >> 4] + HEX[c & 15]; }
    return out.join("");
  }
  var HEX = "0123456789ABCDEF";
  function pairs(flat) {
    var rows = [];
    for (var i = 0; i + 1 < flat.length; i += 2) rows.push([flat[i], fieldText(flat[i + 1])]);
    return rows;
  }
  // e: [type, target, at_us, duration_us, summary, decoded, fields]
  function evidenceBlock(e) {
    var head = e[1] + " " + e[0] + (e[4] ? ": " + e[4] : "") + (e[3] !== null && e[3] !== undefined ? " · " + us(e[3]) : "") + " · at " + us(e[2]);
    return el("div", { cls: "ev" }, [el("div", { cls: "mono", text: head }), e[5].length ? kv(pairs(e[5])) : null,
      e[6].length ? el("details", null, [el("summary", { text: "raw fields" }), kv(pairs(e[6]))]) : null]);
  }
  // step: [index, kind, family, label, location, included_from, repetition,
  //        is_finally, verdict, duration_us, failures, evidence]
  function stepBlock(step, scenario, position) {
    var notes = [];
    if (step[6]) notes.push("repetition " + step[6]);
    if (step[7]) notes.push("finally");
    if (step[5]) notes.push("included from " + step[5]);
    var summary = el("summary", null, [badge(step[8]), " ", el("code", { text: step[3] }), " ",
      el("span", { cls: "muted", text: step[4] + (notes.length ? " (" + notes.join(", ") + ")" : "") + " · " + us(step[9]) })]);
    var node = el("details", { cls: step[10].length ? "step failed" : "step", "data-sc": scenario, "data-step": position }, [summary]);
    step[10].forEach(function (f) {
      node.appendChild(el("div", { cls: "failure mono", text: f[0] + ": " + f[1] + ": expected " + f[2] + ", got " + f[3] + (f[4] ? " (note: " + f[4] + ")" : "") + " [" + f[5] + "]" }));
    });
    return node;
  }
  function fillStep(node) {
    var step = stepsOf(Number(node.getAttribute("data-sc")))[Number(node.getAttribute("data-step"))];
    if (!step) return;
    if (!step[11].length) node.appendChild(el("div", { cls: "ev muted", text: "no evidence recorded" }));
    step[11].forEach(function (e) { node.appendChild(evidenceBlock(e)); });
  }
  function moreSteps(body, index) {
    var steps = stepsOf(index), from = Number(body.getAttribute("data-shown") || 0);
    var end = Math.min(steps.length, from + STEP_PAGE), nodes = document.createDocumentFragment();
    for (var i = from; i < end; i++) nodes.appendChild(stepBlock(steps[i], index, i));
    var button = body.querySelector(":scope > button.more-steps");
    if (button) button.remove();
    body.appendChild(nodes);
    body.setAttribute("data-shown", String(end));
    if (end < steps.length) body.appendChild(el("button", { cls: "more more-steps", type: "button", text: "show more steps (" + (steps.length - end) + " left)" }));
  }
  function fillScenario(node) {
    var index = Number(node.id.slice(2)), s = data.sc[index];
    var facts = [["file", s.file], ["family", s.fam], ["level", s.lv], ["requirements", s.req.join(", ")], ["tags", s.tags.join(", ")], ["targets", s.tg.join(", ")]];
    if (s.p) facts.push(["persona", s.p]);
    if (s.bl) facts.push(["blame", s.bl]);
    if (s.x) facts.push(["expected failure", s.x]);
    var body = el("div", { cls: "body" }, [kv(facts)]);
    node.appendChild(body);
    if (s.n) moreSteps(body, index);
    else body.appendChild(el("p", { cls: "muted", text: "no step ran" }));
  }
  // toggle does not bubble: listened to while it goes down (capture).
  slist.addEventListener("toggle", function (event) {
    var node = event.target;
    if (!node.open || node.getAttribute("data-filled")) return;
    if (node.classList.contains("sc")) { node.setAttribute("data-filled", "1"); fillScenario(node); }
    else if (node.classList.contains("step")) { node.setAttribute("data-filled", "1"); fillStep(node); }
  }, true);
  slist.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.more-steps");
    if (!button) return;
    var body = button.parentNode;
    moreSteps(body, Number(body.parentNode.id.slice(2)));
  });
  function scenarioBlock(s, index) {
    var summary = el("summary", null, [badge(s.v, !!s.x && ["fail", "warn", "error"].indexOf(s.v) >= 0), " ", el("code", { text: s.id }), " ", s.ti,
      el("div", { cls: "muted", text: s.why + " · " + us(s.d) })]);
    return el("details", { cls: "sc target", id: "s-" + index, "data-id": s.id }, [summary]);
  }
  function renderScenarios(reset, upTo) {
    if (reset) { slist.textContent = ""; sshown = 0; smatch = []; data.sc.forEach(function (s, i) { if (scMatches(s)) smatch.push(i); }); }
    var end = Math.min(smatch.length, Math.max(sshown + PAGE, upTo || 0));
    var nodes = document.createDocumentFragment();
    for (; sshown < end; sshown++) nodes.appendChild(scenarioBlock(data.sc[smatch[sshown]], smatch[sshown]));
    slist.appendChild(nodes);
    scount.textContent = smatch.length + " of " + data.sc.length + " scenarios";
    smore.style.display = sshown < smatch.length ? "" : "none";
  }
  [sf, sv].forEach(function (c) { c.addEventListener("change", function () { renderScenarios(true); }); });
  st.addEventListener("input", function () { renderScenarios(true); });
  smore.addEventListener("click", function () { renderScenarios(false); });
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; }) && sshown < smatch.length) renderScenarios(false);
    }).observe(smore);
  }
  renderScenarios(true);

  // A link to #s-N opens that scenario, clearing filters that hide it.
  function reveal() {
    var m = /^#s-(\d+)$/.exec(location.hash);
    if (!m) return;
    var index = Number(m[1]);
    if (!data.sc[index]) return;
    var position = smatch.indexOf(index);
    if (position < 0) { sf.value = ""; sv.value = ""; st.value = ""; renderScenarios(true); position = smatch.indexOf(index); }
    if (position >= sshown) renderScenarios(false, position + 1);
    var node = document.getElementById("s-" + index);
    if (node) { node.open = true; node.scrollIntoView(); node.classList.add("flash"); }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  window.__reportReady = true;
  document.body.setAttribute("data-ready", "1");
})();
