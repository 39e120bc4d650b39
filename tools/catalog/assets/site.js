// The catalog's behaviour: search and filters over the embedded index, clickable lineage
// graphs, and the dashboards the products declare (each tenant's data loaded on demand as
// a script, so the site works from file:// with no server).
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
    // Ranked: a term in the name counts most, then the product id, then tags, owners,
    // classification and contract text, then the description. Every term must match.
    var entries = window.MESH_INDEX.map(function (e) {
      return { e: e, name: e.n.toLowerCase(), where: e.p.toLowerCase(),
        meta: (e.m || "").toLowerCase(), desc: (e.d || "").toLowerCase() };
    });
    function score(x, terms) {
      var total = 0;
      for (var i = 0; i < terms.length; i++) {
        var t = terms[i];
        var s = x.name === t ? 12 : x.name.indexOf(t) !== -1 ? 8 : x.where.indexOf(t) !== -1 ? 5 :
          x.meta.indexOf(t) !== -1 ? 3 : x.desc.indexOf(t) !== -1 ? 1 : 0;
        if (!s) return 0;
        total += s;
      }
      return total + (x.e.k === "product" ? 0.5 : x.e.k === "port" ? 0.25 : 0);
    }
    function run() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      results.textContent = "";
      if (!terms.length && !kind.value && !domain.value) { count.textContent = ""; return; }
      var found = [];
      entries.forEach(function (x) {
        if (kind.value && x.e.k !== kind.value) return;
        if (domain.value && x.e.dom !== domain.value) return;
        var s = terms.length ? score(x, terms) : 1;
        if (s) found.push({ x: x, s: s });
      });
      found.sort(function (a, b) { return b.s - a.s || (a.x.name < b.x.name ? -1 : a.x.name > b.x.name ? 1 : 0); });
      count.textContent = found.length + (found.length === 1 ? " match" : " matches") +
        (found.length > 50 ? " (first 50 shown)" : "");
      found.slice(0, 50).forEach(function (f) {
        var x = f.x;
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

  // ---- dashboards ----------------------------------------------------------------
  // Plotly draws a subset of HTML (<a href>, <b>, <br>) in labels, legends and hover
  // text: every text from a spec or from data reaches it escaped, so it shows as text.
  function esc(v) {
    return String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  var TIME_FORMAT = { time: "%d %b %Y %H:%M UTC", date: "%d %b %Y" };
  window.MESH_BOARD = window.MESH_BOARD || {};

  function rowsOf(block) {
    var names = Object.keys(block.columns), out = [];
    for (var i = 0; i < block.rows; i++) {
      var row = {};
      names.forEach(function (c) { row[c] = block.columns[c][i]; });
      out.push(row);
    }
    return out;
  }
  function shown(v, kind) {
    if (v === null || v === undefined) return "";
    if (kind === "time") return String(v).replace("T", " ").slice(0, 16) + " UTC";
    if (kind === "number" && typeof v === "number" && !Number.isInteger(v)) return v.toFixed(1);
    return String(v);
  }
  function key(row, columns) {
    return columns.map(function (c) { var v = row[c]; return v === null || v === undefined ? "(none)" : String(v); }).join(" / ");
  }
  function decorations(chart) {
    var shapes = [], notes = [];
    (chart.bands || []).forEach(function (b) {
      shapes.push({ type: "rect", xref: "paper", x0: 0, x1: 1, y0: b.low, y1: b.high, layer: "below",
        fillcolor: "rgba(46, 125, 50, 0.10)", line: { width: 0 } });
      notes.push({ xref: "paper", x: 0, y: b.high, text: esc(b.label), showarrow: false,
        xanchor: "left", yanchor: "top", font: { size: 11, color: "#1b5e20" } });
    });
    (chart.reference_lines || []).forEach(function (r) {
      shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: r.value, y1: r.value,
        line: { color: "#b00020", width: 1.5, dash: "dash" } });
      notes.push({ xref: "paper", x: 1, y: r.value, text: esc(r.label), showarrow: false,
        xanchor: "right", yanchor: "bottom", font: { size: 11, color: "#b00020" } });
    });
    return { shapes: shapes, annotations: notes };
  }
  function layout(chart, extra) {
    var base = {
      margin: { t: 10, r: 10, l: 56, b: 40 }, height: 420, paper_bgcolor: "white", plot_bgcolor: "white",
      legend: { orientation: "h", x: 0, y: -0.18, yanchor: "top" },
      xaxis: { title: { text: esc(chart.x_title || chart.x || "") }, gridcolor: "#eee",
        type: chart.x_kind === "time" || chart.x_kind === "date" ? "date" : "-",
        hoverformat: TIME_FORMAT[chart.x_kind], automargin: true,
        tickformat: chart.x_kind === "date" ? "%d %b %Y" : chart.x_kind === "time" ? "%d %b %H:%M" : undefined,
        dtick: chart.x_kind === "date" ? 86400000 : undefined },
      yaxis: { title: { text: esc(chart.y_title || (chart.y || []).join(", ")) }, gridcolor: "#eee" },
    };
    var d = decorations(chart);
    base.shapes = d.shapes; base.annotations = d.annotations;
    return Object.assign(base, extra || {});
  }
  function seriesTraces(chart, rows, tenantColumn) {
    var groups = {}, order = [];
    rows.forEach(function (r) {
      var k = chart.series && chart.series.length ? key(r, chart.series) : "";
      if (!(k in groups)) { groups[k] = []; order.push(k); }
      groups[k].push(r);
    });
    var traces = [], hover = TIME_FORMAT[chart.x_kind] ? "%{x|" + TIME_FORMAT[chart.x_kind] + "}" : "%{x}";
    order.sort().forEach(function (k) {
      chart.y.forEach(function (y) {
        var name = [k, chart.y.length > 1 ? y : ""].filter(Boolean).join(" · ") || y;
        var points = groups[k].filter(function (r) { return r[y] !== null && r[y] !== undefined; });
        traces.push({
          type: chart.type === "bar" ? "bar" : "scatter", mode: "lines+markers",
          name: esc(name), x: points.map(function (r) { return r[chart.x]; }),
          y: points.map(function (r) { return r[y]; }),
          customdata: points.map(function (r) { return tenantColumn ? r[tenantColumn] : null; }),
          meta: k, hovertemplate: "%{fullData.name}<br>" + hover + "<br>%{y:.1f}<extra></extra>",
        });
      });
    });
    return traces;
  }
  function markerTrace(chart, block, drawn, keep, tenantColumn) {
    var m = chart.markers, rows = rowsOf(block).filter(keep).filter(function (r) {
      return r[m.y] !== null && r[m.y] !== undefined && (!m.series.length || drawn[key(r, m.series)]);
    });
    return {
      type: "scatter", mode: "markers", name: esc(m.name),
      x: rows.map(function (r) { return r[m.x]; }), y: rows.map(function (r) { return r[m.y]; }),
      text: rows.map(function (r) {
        return esc((m.series.length ? key(r, m.series) + ": " : "") + m.label.map(function (c) { return shown(r[c]); }).join(" — "));
      }),
      customdata: rows.map(function (r) { return tenantColumn ? r[tenantColumn] : null; }),
      marker: { symbol: "star", size: 13, color: "#b00020", line: { width: 1, color: "#fff" } },
      hovertemplate: "%{text}<br>%{x|" + (TIME_FORMAT[chart.x_kind] || "%d %b %Y %H:%M") + "}<extra></extra>",
    };
  }
  function heatmap(chart, rows) {
    var xs = [], ys = [], cell = {};
    rows.forEach(function (r) {
      var x = r[chart.x], y = esc(key(r, chart.y)), v = r[chart.value];
      if (xs.indexOf(x) === -1) xs.push(x);
      if (ys.indexOf(y) === -1) ys.push(y);
      var k = y + "\u0000" + x;
      if (v !== null && v !== undefined && (!(k in cell) || v > cell[k])) cell[k] = v;
    });
    xs.sort(); ys.sort();
    var z = ys.map(function (y) { return xs.map(function (x) { var v = cell[y + "\u0000" + x]; return v === undefined ? null : v; }); });
    var hover = TIME_FORMAT[chart.x_kind] ? "%{x|" + TIME_FORMAT[chart.x_kind] + "}" : "%{x}";
    return { trace: { type: "heatmap", x: xs, y: ys, z: z, colorscale: "YlOrRd", hoverongaps: false,
      colorbar: { title: { text: esc(chart.value) } }, hovertemplate: "%{y}<br>" + hover + "<br>%{z:.0f}<extra></extra>" },
      height: Math.max(300, 60 + 22 * ys.length) };
  }
  function table(chart, rows, id) {
    var el = document.getElementById(id);
    var columns = chart.columns && chart.columns.length ? chart.columns : Object.keys(chart.kinds);
    el.textContent = "";
    var head = document.createElement("thead"), tr = document.createElement("tr");
    columns.forEach(function (c) {
      var th = document.createElement("th"); th.setAttribute("scope", "col"); th.textContent = c;
      th.title = chart.descriptions[c] || ""; tr.appendChild(th);
    });
    head.appendChild(tr); el.appendChild(head);
    var body = document.createElement("tbody");
    rows.slice(0, 200).forEach(function (r) {
      var row = document.createElement("tr");
      columns.forEach(function (c) {
        var td = document.createElement("td"); td.textContent = shown(r[c], chart.kinds[c]); row.appendChild(td);
      });
      body.appendChild(row);
    });
    el.appendChild(body);
    return Math.min(rows.length, 200);
  }
  function drawBoard(spec, data, filters) {
    function keep(r) {
      return spec.filters.every(function (f) { var v = filters[f]; return !v || !(f in r) || String(r[f]) === v; });
    }
    var drawn = 0;
    spec.charts.forEach(function (chart, i) {
      var block = data.charts[i], rows = rowsOf(block).filter(keep), id = "chart-" + i;
      var tenantColumn = chart.tenant_column;
      var note = document.getElementById(id + "-note");
      note.textContent = rows.length ? (block.truncated ? "Only the first " + block.rows + " rows are drawn." : "") :
        "No rows for this tenant" + (Object.values(filters).some(Boolean) ? " and filter." : ".");
      drawn += rows.length;
      if (chart.type === "table") { table(chart, rows, id); return; }
      var div = document.getElementById(id);
      if (chart.type === "heatmap") {
        var h = heatmap(chart, rows);
        Plotly.react(div, [h.trace], layout(chart, { height: h.height, yaxis: { automargin: true, type: "category" } }),
          { responsive: true, displaylogo: false });
        return;
      }
      var traces = seriesTraces(chart, rows, tenantColumn), seen = {};
      traces.forEach(function (t) { seen[t.meta] = true; });
      if (chart.markers && block.markers) traces.push(markerTrace(chart, block.markers, seen, keep, chart.marker_tenant_column));
      Plotly.react(div, traces, layout(chart), { responsive: true, displaylogo: false });
    });
    return drawn;
  }
  function setUpBoard() {
    var spec = window.MESH_BOARD_SPEC, select = document.getElementById("tenant");
    if (!spec || !select) return;
    var filters = {};
    function fillFilters(data) {
      spec.filters.forEach(function (f) {
        var el = document.getElementById("filter-" + f), values = {};
        data.charts.forEach(function (block) {
          (block.columns[f] || []).forEach(function (v) { if (v !== null && v !== undefined) values[String(v)] = true; });
        });
        var current = el.value;
        while (el.options.length > 1) el.remove(1);
        Object.keys(values).sort().forEach(function (v) {
          var o = document.createElement("option"); o.value = v; o.textContent = v; el.appendChild(o);
        });
        el.value = values[current] ? current : "";
        filters[f] = el.value;
      });
    }
    function show(tenant) {
      var data = (window.MESH_BOARD[spec.key] || {})[tenant];
      if (!data) {
        var script = document.createElement("script");
        script.src = root + "data/board--" + spec.key + "--" + tenant + ".js";
        script.onload = function () { show(tenant); };
        document.body.appendChild(script);
        return;
      }
      fillFilters(data);
      var rows = drawBoard(spec, data, filters);
      document.getElementById("board-summary").textContent = "Tenant " + (data.name ? data.name + " (" + tenant + ")" : tenant) +
        ": " + rows + " rows in " + spec.charts.length + " charts.";
      document.body.setAttribute("data-tenant", tenant);
      if (window.location.hash !== "#tenant=" + tenant) history.replaceState(null, "", "#tenant=" + tenant);
    }
    var wanted = (window.location.hash.match(/^#tenant=(.+)$/) || [])[1];
    if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) select.value = wanted;
    select.addEventListener("change", function () { show(select.value); });
    spec.filters.forEach(function (f) {
      document.getElementById("filter-" + f).addEventListener("change", function () { show(select.value); });
    });
    show(select.value);
  }

  function setUpSamples() {
    document.querySelectorAll("select[data-samples]").forEach(function (select) {
      var table = document.getElementById(select.getAttribute("data-samples"));
      function show() {
        table.querySelectorAll("tbody").forEach(function (b) { b.hidden = b.getAttribute("data-tenant") !== select.value; });
      }
      select.addEventListener("change", show);
      show();
    });
  }

  setUpSearch();
  setUpBoard();
  setUpSamples();
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
