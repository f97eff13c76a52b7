/* jianzheng pages: charts (Apache ECharts), the live operation stream (server-sent events),
   the CSRF header for htmx requests and the phone menu. Served by the application itself;
   the pages allow no inline script, so chart data arrives as JSON blocks read here. */
(function () {
  "use strict";

  var PALETTE = ["#1f5fa8", "#b8282e", "#1e7b45", "#a86200", "#5b4b9a", "#2a8c9e", "#7a8594", "#c2185b"];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests that change something carry the page's CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var baseText = { fontFamily: getComputedStyle(document.body).fontFamily, color: "#1d2733" };

  // Company names on a category axis: slanted and shortened on a phone, level on a wide screen.
  function categoryLabels(narrow) {
    return narrow ? { interval: 0, rotate: 35, width: 80, overflow: "truncate", fontSize: 11 }
                  : { interval: 0, width: 120, overflow: "truncate" };
  }

  var builders = {
    stages: function (data) {
      var rows = data.filter(function (d) { return d.count > 0; });
      return {
        color: PALETTE,
        textStyle: baseText,
        grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#edf1f5" } } },
        yAxis: { type: "category", inverse: true, data: rows.map(function (d) { return d.label; }),
                 axisTick: { show: false } },
        series: [{ type: "bar", barMaxWidth: 22, data: rows.map(function (d) {
          var failed = d.stage === "failed" || d.stage === "cancelled";
          return { value: d.count, itemStyle: { color: failed ? "#b8282e" : "#1f5fa8" } };
        }), label: { show: true, position: "right", color: "#0d2c54" } }]
      };
    },
    volume: function (data) {
      return {
        color: ["#1f5fa8", "#b8282e"],
        textStyle: baseText,
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        legend: { top: 0, data: [data.label_estimated, data.label_awarded] },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", splitLine: { lineStyle: { color: "#edf1f5" } } },
        series: [
          { name: data.label_estimated, type: "bar", barMaxWidth: 28, data: data.estimated },
          { name: data.label_awarded, type: "line", smooth: true, symbolSize: 7, data: data.awarded }
        ]
      };
    },
    prices: function (data, narrow) {
      // Points, not bars: close prices need a scaled axis, and bars on a scaled axis mislead.
      return {
        color: ["#1f5fa8"],
        textStyle: baseText,
        grid: { left: 8, right: 88, top: 24, bottom: 8, containLabel: true },
        tooltip: { trigger: "item" },
        xAxis: { type: "category", data: data.bidders, axisLabel: categoryLabels(narrow) },
        yAxis: { type: "value", scale: true, splitLine: { lineStyle: { color: "#edf1f5" } } },
        series: [{
          name: data.label_price, type: "scatter", symbolSize: 16, data: data.prices,
          label: { show: true, position: "top", color: "#0d2c54" },
          markLine: { symbol: "none", lineStyle: { color: "#b8282e", type: "dashed" },
                      label: { formatter: data.label_estimate + " {c}" }, data: [{ yAxis: data.estimate }] }
        }]
      };
    },
    alerts: function (data) {
      var colours = { high: "#b8282e", medium: "#d08a1e", low: "#1f5fa8", info: "#9aa5b1" };
      return {
        textStyle: baseText,
        grid: { left: 8, right: 24, top: 30, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#edf1f5" } } },
        yAxis: { type: "category", inverse: true, data: data.indicators,
                 axisLabel: { width: 150, overflow: "truncate" } },
        series: data.series.map(function (s) {
          return { name: s.label, type: "bar", stack: "alerts", barMaxWidth: 22, data: s.counts,
                   itemStyle: { color: colours[s.severity] } };
        })
      };
    },
    scores: function (data, narrow) {
      return {
        color: ["#1e7b45"],
        textStyle: baseText,
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.bidders, axisLabel: categoryLabels(narrow) },
        yAxis: { type: "value", max: 100, splitLine: { lineStyle: { color: "#edf1f5" } } },
        series: [{ name: data.label, type: "bar", barMaxWidth: 36, data: data.scores,
                   label: { show: true, position: "top" } }]
      };
    }
  };

  var charts = [];

  function drawCharts() {
    if (typeof window.echarts === "undefined") { return; }
    var nodes = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (node) {
      var build = builders[node.getAttribute("data-chart")];
      var data = readJson(node.getAttribute("data-source"));
      if (!build || data === null) { return; }
      var chart = window.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(build(data, node.clientWidth < 560));
      node.setAttribute("data-chart-ready", "true");
      charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  function liveState(state, kind) {
    if (!state) { return; }
    state.textContent = state.getAttribute("data-text-" + kind);
    state.className = "live-state" + (kind === "live" ? " is-live" : kind === "down" ? " is-down" : "");
    state.setAttribute("data-state", kind);
  }

  function prepend(list, html, max) {
    var holder = document.createElement("ol");
    holder.innerHTML = html;  // a fragment rendered and escaped by the server's templates
    var item = holder.firstElementChild;
    if (!item) { return null; }
    item.classList.add("is-new");
    list.insertBefore(item, list.firstChild);
    while (list.children.length > max) { list.removeChild(list.lastChild); }
    return item;
  }

  function alertStream() {
    var list = document.querySelector("[data-alert-stream]");
    if (!list || typeof window.EventSource === "undefined") { return; }
    var state = document.querySelector('[data-live-state="alerts"]');
    var max = parseInt(list.getAttribute("data-max") || "30", 10);
    var source = new EventSource(list.getAttribute("data-alert-stream"));
    source.addEventListener("open", function () { liveState(state, "live"); });
    source.addEventListener("error", function () { liveState(state, source.readyState === 2 ? "down" : "connecting"); });
    source.addEventListener("alert", function (event) {
      if (prepend(list, event.data, max)) {
        var empty = document.querySelector("[data-no-alerts]");
        if (empty) { empty.parentNode.removeChild(empty); }
      }
    });
    source.addEventListener("alert-status", function (event) {
      var change = JSON.parse(event.data);
      var items = list.querySelectorAll("[data-alert-id]");
      Array.prototype.forEach.call(items, function (item) {
        if (item.getAttribute("data-alert-id") !== change.alert_id) { return; }
        var badge = item.querySelector("[data-alert-status]");
        if (badge) {
          badge.textContent = change.label;
          badge.setAttribute("data-alert-status", change.status);
        }
      });
    });
  }

  function liveStream() {
    var list = document.querySelector("[data-stream]");
    if (!list || typeof window.EventSource === "undefined") { return; }
    var state = document.querySelector('[data-live-state="operations"]');
    var counter = document.querySelector("[data-live-count]");
    var max = parseInt(list.getAttribute("data-max") || "40", 10);

    var source = new EventSource(list.getAttribute("data-stream"));
    source.addEventListener("open", function () { liveState(state, "live"); });
    source.addEventListener("error", function () { liveState(state, source.readyState === 2 ? "down" : "connecting"); });
    source.addEventListener("operation", function (event) {
      if (prepend(list, event.data, max) && counter && event.lastEventId) { counter.textContent = event.lastEventId; }
    });
  }

  function phoneMenu() {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("mainnav");
    if (!button || !nav) { return; }
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    phoneMenu();
    drawCharts();
    liveStream();
    alertStream();
  });
})();
