/* Draws the supervision dashboard with the vendored ECharts from the page's JSON (json_script #stats-data);
   in the large-screen mode (data-refresh) it reloads the figures from data-url every N seconds. */
(function () {
  "use strict";
  var root = document.getElementById("stats-dashboard");
  if (!root || typeof window.echarts === "undefined") { return; }
  var wall = document.body.classList.contains("stats-wall");
  var L = root.dataset;
  var text = wall ? "#e8f0ff" : "#333";
  var charts = {};

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  function base() {
    return {
      textStyle: { color: text, fontSize: wall ? 16 : 12 },
      grid: { left: 48, right: 16, top: 28, bottom: 36, containLabel: true },
      tooltip: { trigger: "axis" },
      animation: !wall
    };
  }
  function chart(name) {
    var el = root.querySelector('[data-chart="' + name + '"]');
    if (!el) { return null; }
    if (!charts[name]) { charts[name] = window.echarts.init(el, null, { renderer: "svg" }); }
    return charts[name];
  }
  function set(name, extra) {
    var c = chart(name);
    if (!c) { return; }
    var opt = base();
    Object.keys(extra).forEach(function (k) { opt[k] = extra[k]; });
    c.setOption(opt, true);
  }
  function names(rows) { return rows.map(function (r) { return r.name; }); }

  function draw(d) {
    var days = d.days.map(function (r) { return r.day.slice(5); });
    set("days", {
      legend: { data: [L.lReceived, L.lConcluded], textStyle: { color: text } },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value" },
      series: [
        { name: L.lReceived, type: "bar", data: d.days.map(function (r) { return r.received; }) },
        { name: L.lConcluded, type: "line", data: d.days.map(function (r) { return r.concluded; }) }
      ]
    });
    set("ontime", {
      xAxis: { type: "category", data: days },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: L.lOntime, type: "line", smooth: true, areaStyle: {}, data: d.days.map(function (r) { return pct(r.on_time_rate); }) }]
    });
    set("divisions", {
      tooltip: { trigger: "axis" },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names(d.divisions), inverse: true },
      series: [{ name: L.lReceived, type: "bar", data: d.divisions.map(function (r) { return r.received; }) }]
    });
    set("items", {
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names(d.items), inverse: true, axisLabel: { width: wall ? 220 : 140, overflow: "truncate" } },
      series: [{ name: L.lReceived, type: "bar", data: d.items.map(function (r) { return r.received; }) }]
    });
    set("channels", {
      tooltip: { trigger: "item" },
      legend: { bottom: 0, textStyle: { color: text } },
      series: [{ type: "pie", radius: ["35%", "65%"], data: d.channels.map(function (r) { return { name: r.name, value: r.received }; }) }]
    });
    var slices = [
      { name: L.lGood, value: d.ratings.good },
      { name: L.lBad, value: d.ratings.bad - d.ratings.rectified },
      { name: L.lRectified, value: d.ratings.rectified }
    ].filter(function (r) { return r.value > 0; });
    set("ratings", {
      title: slices.length ? undefined : { text: L.lNone, left: "center", top: "middle", textStyle: { color: text, fontSize: wall ? 20 : 14 } },
      tooltip: { trigger: "item" },
      legend: { bottom: 0, textStyle: { color: text } },
      series: [{ type: "pie", radius: ["35%", "65%"], data: slices }]
    });
    set("open", {
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names(d.open), inverse: true, axisLabel: { width: wall ? 220 : 140, overflow: "truncate" } },
      series: [{ name: L.lOpen, type: "bar", data: d.open.map(function (r) { return r.open; }) }]
    });
    set("hours", {
      xAxis: { type: "category", data: d.hours_today.map(function (_v, h) { return h + ":00"; }) },
      yAxis: { type: "value" },
      series: [{ name: L.lReceived, type: "bar", data: d.hours_today }]
    });
  }

  var node = document.getElementById("stats-data");
  if (node) { draw(JSON.parse(node.textContent)); }
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  var refresh = parseInt(root.dataset.refresh || "0", 10);
  if (refresh > 0 && root.dataset.url) {
    window.setInterval(function () {
      fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d) { draw(d); } })
        .catch(function () { /* keep the last figures on the wall */ });
    }, refresh * 1000);
  }
  var clock = document.querySelector("[data-clock]");
  if (clock) {
    var tick = function () { clock.textContent = new Date().toLocaleString(document.documentElement.lang || "zh-CN"); };
    tick();
    window.setInterval(tick, 1000);
  }
})();
