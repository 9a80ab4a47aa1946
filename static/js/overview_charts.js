// V1 dashboards (the overview pages): draws the charts with Apache ECharts (installed from npm, served as
// static/vendor/echarts/) from the JSON Django's json_script wrote into #overview-data, into every
// <div class="overview-chart" data-chart="coverage|stages|grades|trend">. Every chart has a table twin
// (.chart-table) carrying the same figures; a [data-chart-toggle] button switches the page between charts and
// tables and the choice is remembered in localStorage. Text comes from the template (data-empty, data-label-*),
// never from this file. CSP-safe: no inline script or style; ECharts sets styles through CSSOM, draws on canvas,
// and its tooltip is drawn on the canvas too (renderMode "richText": no HTML with style attributes).
(function () {
  "use strict";

  var STORE_KEY = "sunshine-credit.overview.view";
  var TABLES = "overview-tables";   // <body> class: tables instead of charts
  var READY = "charts-ready";       // <body> class: charts drawn, so the tables may step aside
  // Okabe–Ito colours: told apart by readers with any common colour-vision deficiency.
  var BLUE = "#0072B2", SKY = "#56B4E9", GREEN = "#009E73", ORANGE = "#E69F00", RED = "#D55E00",
    PURPLE = "#CC79A7", GREY = "#666666", DARK = "#333333";
  var GRADE_COLOURS = [BLUE, SKY, ORANGE, RED, DARK];
  // Below a target a bar is red AND striped: the stripes say it without colour.
  var BELOW = {color: RED, decal: {symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: -Math.PI / 4,
    color: "rgba(255, 255, 255, 0.55)"}};

  var body = document.body;
  var charts = [];        // {el, chart, draw} of the drawn charts
  var pending = [];       // containers waiting to be shown before they are drawn (a hidden box has no size)

  // --- table / chart toggle (works without ECharts or data) -------------------------------------------------
  function stored() {
    try { return window.localStorage.getItem(STORE_KEY); } catch (ignored) { return null; }
  }
  function store(value) {
    try { window.localStorage.setItem(STORE_KEY, value); } catch (ignored) { /* private mode: not remembered */ }
  }
  function showTables(on) {
    body.classList.toggle(TABLES, on);
    document.querySelectorAll("[data-chart-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    if (!on) { drawPending(); resizeAll(); }
  }
  showTables(stored() === "tables");
  document.querySelectorAll("[data-chart-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = !body.classList.contains(TABLES);
      store(on ? "tables" : "charts");
      showTables(on);
    });
  });

  // --- data --------------------------------------------------------------------------------------------------
  var source = document.getElementById("overview-data");
  var containers = document.querySelectorAll(".overview-chart[data-chart]");
  if (!containers.length) { return; }
  var data = {};
  try { data = source ? JSON.parse(source.textContent) || {} : {}; } catch (ignored) { data = {}; }

  var lang = document.documentElement.lang || undefined;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var whole = new Intl.NumberFormat(lang, {maximumFractionDigits: 0});
  var compact = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});

  function number(value) {
    // Decimals arrive as strings (DjangoJSONEncoder); null, "" and junk are "no figure".
    if (value === null || value === undefined || value === "") { return null; }
    var n = Number(value);
    return isFinite(n) ? n : null;
  }
  function list(value) { return Array.isArray(value) ? value : []; }
  function percent(share) {
    var n = number(share);
    return n === null ? null : Math.round(n * 1000) / 10;   // 0.9534 -> 95.3
  }
  function percents(values) { return list(values).map(percent); }
  function anyFigure(values) { return values.some(function (v) { return v !== null; }); }
  function showPercent(value) { return value === null || value === undefined || value === "-" ? "–" : value + "%"; }
  function label(el, name, fallback) { return el.getAttribute("data-label-" + name) || fallback; }
  function target(name, fallback) {
    var n = number((data.targets || {})[name]);
    return Math.round((n === null ? fallback : n) * 1000) / 10;
  }
  function safeLink(href) {
    // Only a path of this site: a link in the data can never lead elsewhere or run script.
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/" && href.charAt(1) !== "\\"
      ? href : null;
  }

  function base() {
    return {
      animation: !reduceMotion,
      textStyle: {fontFamily: getComputedStyle(body).fontFamily},
      tooltip: {renderMode: "richText", confine: true},
      legend: {type: "scroll", top: 0},
    };
  }
  function percentAxis(extra) {
    var axis = {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}};
    Object.keys(extra || {}).forEach(function (key) { axis[key] = extra[key]; });
    return axis;
  }

  // --- the four charts: each returns ECharts options, or null when it has nothing to draw -------------------
  var builders = {};

  builders.coverage = function (el) {
    var c = data.coverage || {}, labels = list(c.labels).map(String);
    var archive = percents(c.archive), precredit = percents(c.precredit), links = list(c.links);
    if (!labels.length || !(anyFigure(archive) || anyFigure(precredit))) { return null; }
    var archiveTarget = target("archive", 0.95), precreditTarget = target("precredit", 0.70);
    // Each row gets room for its two bars; the box grows with the rows (CSSOM: allowed by the CSP).
    el.style.height = Math.max(12 * 16, labels.length * 44 + 90) + "px";
    function bars(values, goal, colour) {
      return values.map(function (value) {
        return value !== null && value < goal ? {value: value, itemStyle: BELOW} : {value: value, itemStyle: {color: colour}};
      });
    }
    function series(name, values, goal, colour) {
      return {
        name: name, type: "bar", data: bars(values, goal, colour), itemStyle: {color: colour},
        cursor: links.length ? "pointer" : "default", barMaxWidth: 18,
        label: {show: true, position: "right", formatter: function (p) { return showPercent(p.value); }, fontSize: 11},
        markLine: {
          silent: true, symbol: "none", lineStyle: {color: colour, type: "dashed", width: 2},
          // above the bars (the category axis runs downwards), clear of the bars' own labels
          // (a phone leaves room for the figure only)
          label: {formatter: (el.offsetWidth < 480 ? "" : label(el, "target", "") + " ") + goal + "%", color: colour,
            position: "start", fontSize: 11},
          data: [{xAxis: goal}],
        },
      };
    }
    var options = base();
    options.tooltip.trigger = "axis";
    options.tooltip.axisPointer = {type: "shadow"};
    options.tooltip.valueFormatter = showPercent;
    options.grid = {left: 8, right: 48, top: 48, bottom: 8, containLabel: true};
    options.xAxis = percentAxis();
    options.yAxis = {type: "category", data: labels, inverse: true, triggerEvent: links.length > 0,
      axisLabel: {width: 112, overflow: "truncate"}};
    options.series = [
      series(label(el, "archive", "archive"), archive, archiveTarget, BLUE),
      series(label(el, "precredit", "pre-credit"), precredit, precreditTarget, GREEN),
    ];
    return {options: options, click: function (params) {
      var index = params.componentType === "yAxis" ? labels.indexOf(String(params.value)) : params.dataIndex;
      var href = safeLink(links[index]);
      if (href && (params.componentType === "series" || params.componentType === "yAxis")) { window.location.assign(href); }
    }};
  };

  builders.stages = function (el) {
    var s = data.stages || {}, labels = list(s.labels).map(String);
    var actual = percents(s.actual), planned = percents(s.planned);
    if (!labels.length || !(anyFigure(actual) || anyFigure(planned))) { return null; }
    var options = base();
    options.tooltip.trigger = "axis";
    options.tooltip.valueFormatter = showPercent;
    options.grid = {left: 8, right: 16, top: 48, bottom: 8, containLabel: true};
    // every stage named; a long name wraps within its own column instead of running into the next one
    options.xAxis = {type: "category", data: labels,
      axisLabel: {interval: 0, hideOverlap: false, overflow: "break", width: Math.max(36, (el.offsetWidth - 60) / labels.length - 6)}};
    options.yAxis = percentAxis();
    options.series = [
      {name: label(el, "actual", "actual"), type: "bar", barMaxWidth: 36,
        data: actual.map(function (value, i) {
          var plan = planned[i];
          return value !== null && plan !== null && plan !== undefined && value < plan
            ? {value: value, itemStyle: BELOW} : {value: value, itemStyle: {color: BLUE}};
        }),
        itemStyle: {color: BLUE},
        label: {show: true, position: "top", formatter: function (p) { return showPercent(p.value); }, fontSize: 11}},
      {name: label(el, "planned", "planned"), type: "line", data: planned, color: DARK,
        lineStyle: {type: "dashed", width: 2}, symbol: "diamond", symbolSize: 9, z: 3},
    ];
    return {options: options};
  };

  builders.grades = function (el) {
    var g = data.grades || {}, labels = list(g.labels).map(String), amounts = list(g.amounts).map(number);
    var slices = labels.map(function (name, i) {
      return {name: name, value: amounts[i] || 0, itemStyle: {color: GRADE_COLOURS[i % GRADE_COLOURS.length]}};
    });
    if (!slices.some(function (slice) { return slice.value > 0; })) { return null; }
    var options = base();
    options.tooltip.trigger = "item";
    options.tooltip.formatter = function (p) { return p.name + ": " + whole.format(p.value) + " (" + p.percent + "%)"; };
    options.legend.top = "bottom";
    options.series = [{
      type: "pie", radius: ["42%", "68%"], center: ["50%", "46%"], avoidLabelOverlap: true, data: slices,
      itemStyle: {borderColor: "#fff", borderWidth: 2},
      label: {formatter: "{b}\n{d}%", fontSize: 11},
    }];
    return {options: options};
  };

  builders.trend = function (el) {
    var t = data.trend || {}, months = list(t.months).map(String);
    var outstanding = list(t.outstanding).map(number);
    var par30 = percents(t.par30), archive = percents(t.archive), precredit = percents(t.precredit);
    if (!months.length || !(anyFigure(outstanding) || anyFigure(par30) || anyFigure(archive) || anyFigure(precredit))) {
      return null;
    }
    var options = base();
    options.tooltip.trigger = "axis";
    options.grid = {left: 8, right: 8, top: 56, bottom: 8, containLabel: true};
    options.xAxis = {type: "category", data: months, boundaryGap: false};
    options.yAxis = [
      {type: "value", min: 0, axisLabel: {formatter: function (v) { return compact.format(v); }}},
      percentAxis({splitLine: {show: false}}),
    ];
    function share(name, values, colour, dashed) {
      return {name: name, type: "line", yAxisIndex: 1, data: values, color: colour, connectNulls: false,
        symbol: "circle", symbolSize: 5, lineStyle: {width: 2, type: dashed ? "dashed" : "solid"},
        tooltip: {valueFormatter: showPercent}};
    }
    options.series = [
      {name: label(el, "outstanding", "outstanding"), type: "line", yAxisIndex: 0, data: outstanding, color: GREY,
        areaStyle: {opacity: 0.12}, symbol: "none", lineStyle: {width: 2},
        tooltip: {valueFormatter: function (v) { return v === null || v === undefined ? "–" : whole.format(v); }}},
      share(label(el, "par30", "PAR30"), par30, RED, true),
      share(label(el, "archive", "archive"), archive, BLUE, false),
      share(label(el, "precredit", "pre-credit"), precredit, PURPLE, false),
    ];
    return {options: options};
  };

  // --- drawing -----------------------------------------------------------------------------------------------
  function empty(el) {
    el.classList.add("overview-chart-empty");
    var note = document.createElement("p");
    note.className = "text-body-secondary small mb-0";
    note.textContent = el.getAttribute("data-empty") || "–";
    el.replaceChildren(note);
  }

  function draw(el) {
    if (!el.offsetWidth) { pending.push(el); return; }      // hidden (table view): drawn when shown
    var built = builders[el.getAttribute("data-chart")] ? builders[el.getAttribute("data-chart")](el) : null;
    if (!built) { empty(el); return; }
    var chart = window.echarts.init(el, null, {renderer: "canvas", locale: /^zh/i.test(lang || "") ? "ZH" : "EN"});
    chart.setOption(built.options);
    if (built.click) { chart.on("click", built.click); }
    charts.push({el: el, chart: chart});
  }
  function drawPending() {
    if (!window.echarts) { return; }
    var waiting = pending;
    pending = [];
    waiting.forEach(draw);
  }
  function resizeAll() {
    charts.forEach(function (item) { if (item.el.offsetWidth) { item.chart.resize(); } });
  }

  if (!window.echarts) { return; }   // the vendor file did not load: no "charts-ready", so the tables stay in view
  body.classList.add(READY);
  containers.forEach(draw);

  var queued = false;
  window.addEventListener("resize", function () {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; resizeAll(); });
  });
}());
