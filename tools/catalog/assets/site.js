// The catalog's behaviour: search and filters over the embedded index, clickable lineage
// graphs, and the tenant dashboard (each tenant's data loaded on demand as a script, so
// the site works from file:// with no server).
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";

  function plot(id, figure, linked) {
    var div = document.getElementById(id);
    if (!div || !figure || !window.Plotly) return;
    Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displaylogo: false });
    if (linked) {
      div.on("plotly_click", function (event) {
        var url = event.points && event.points[0] && event.points[0].customdata;
        if (typeof url === "string" && url) window.location.href = root + url;
      });
    }
  }

  // ---- search --------------------------------------------------------------------
  function setUpSearch() {
    var input = document.getElementById("search");
    if (!input || !window.MESH_INDEX) return;
    var kind = document.getElementById("kind");
    var domain = document.getElementById("domain");
    var results = document.getElementById("results");
    var count = document.getElementById("result-count");
    var entries = window.MESH_INDEX.map(function (e) {
      return { e: e, text: (e.n + " " + e.p + " " + (e.d || "")).toLowerCase() };
    });
    function run() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      results.textContent = "";
      if (!terms.length && !kind.value && !domain.value) { count.textContent = ""; return; }
      var found = entries.filter(function (x) {
        if (kind.value && x.e.k !== kind.value) return false;
        if (domain.value && x.e.dom !== domain.value) return false;
        return terms.every(function (t) { return x.text.indexOf(t) !== -1; });
      });
      count.textContent = found.length + (found.length === 1 ? " match" : " matches") +
        (found.length > 50 ? " (first 50 shown)" : "");
      found.slice(0, 50).forEach(function (x) {
        var li = document.createElement("li");
        var badge = document.createElement("span");
        badge.className = "kind";
        badge.textContent = x.e.k;
        var a = document.createElement("a");
        a.href = root + x.e.u;
        a.textContent = x.e.k === "product" ? x.e.n : x.e.p + "." + x.e.n;
        li.appendChild(badge);
        li.appendChild(a);
        if (x.e.d) li.appendChild(document.createTextNode(" " + x.e.d));
        results.appendChild(li);
      });
    }
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 60); });
    kind.addEventListener("change", run);
    domain.addEventListener("change", run);
    document.body.setAttribute("data-search-ready", "true");
  }

  // ---- dashboard -----------------------------------------------------------------
  window.MESH_DASHBOARD = window.MESH_DASHBOARD || {};
  function showTenant(tenant) {
    var data = window.MESH_DASHBOARD[tenant];
    if (!data) {
      var script = document.createElement("script");
      script.src = root + "data/dashboard-" + tenant + ".js";
      script.onload = function () { showTenant(tenant); };
      document.body.appendChild(script);
      return;
    }
    plot("co2-chart", data.co2, false);
    plot("climate-chart", data.climate, false);
    var body = document.querySelector("#climate-table tbody");
    body.textContent = "";
    data.climateRows.forEach(function (r) {
      var tr = document.createElement("tr");
      [r.day, r.building, r.avg_co2_ppm, r.avg_temperature_c, r.avg_humidity_pct, r.max_occupancy, r.devices]
        .forEach(function (v, i) {
          var cell = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) cell.setAttribute("scope", "row");
          cell.textContent = v;
          tr.appendChild(cell);
        });
      body.appendChild(tr);
    });
    document.getElementById("tenant-summary").textContent = "Tenant " + tenant + ": " +
      data.points + " hourly CO2 points, " + data.actions + " actions taken, " +
      data.climateRows.length + " building days.";
    document.body.setAttribute("data-tenant", tenant);
    if (window.location.hash !== "#tenant=" + tenant) {
      history.replaceState(null, "", "#tenant=" + tenant);
    }
  }
  function setUpDashboard() {
    var select = document.getElementById("tenant");
    if (!select) return;
    var wanted = (window.location.hash.match(/^#tenant=(.+)$/) || [])[1];
    if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      select.value = wanted;
    }
    select.addEventListener("change", function () { showTenant(select.value); });
    showTenant(select.value);
  }

  setUpSearch();
  setUpDashboard();
  // A graph below the fold loads plotly.js and its data when it scrolls into view: the
  // overview of a large mesh (and its search) is usable before the graph is drawn.
  function loadScripts(list, done) {
    if (!list.length) { done(); return; }
    var script = document.createElement("script");
    script.src = root + list[0];
    script.onload = function () { loadScripts(list.slice(1), done); };
    document.body.appendChild(script);
  }
  document.querySelectorAll("[data-scripts]").forEach(function (div) {
    function draw() {
      loadScripts(div.getAttribute("data-scripts").split(" "), function () {
        plot(div.id, window[div.getAttribute("data-figure")], true);
      });
    }
    if (!("IntersectionObserver" in window)) { draw(); return; }
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); draw(); }
    });
    seen.observe(div);
  });
  plot("column-graph", window.COLUMN_GRAPH, true);
})();
