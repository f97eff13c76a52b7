/* The opening hall page: countdowns on the server's clock and the live bidders table.
   The hall's state arrives from the API's public event stream as JSON; every text is put
   into the page with textContent, never as HTML, so a company name cannot inject markup. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function cell(row, text, label, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (label) { td.setAttribute("data-label", label); }
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function headers(table) {
    return Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
  }

  function yuan(fen) {
    var sign = fen < 0 ? "-" : "";
    var abs = Math.abs(fen);
    var whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = ("0" + (abs % 100)).slice(-2);
    return sign + "¥" + whole + "." + cents;
  }

  // The page's clock is the server's: the difference is taken once, when the page loads.
  var data = readJson("hall-data");
  if (!data) { return; }
  var labels = data.labels;
  var offset = Date.parse(data.now) - Date.now();

  function remaining(ms) {
    if (ms <= 0) { return labels.passed; }
    var seconds = Math.floor(ms / 1000);
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var hh = ("0" + Math.floor(rest / 3600)).slice(-2);
    var mm = ("0" + Math.floor((rest % 3600) / 60)).slice(-2);
    var ss = ("0" + (rest % 60)).slice(-2);
    return (days > 0 ? days + " " + labels.days + " " : "") + hh + ":" + mm + ":" + ss;
  }

  function tick() {
    var now = Date.now() + offset;
    Array.prototype.forEach.call(document.querySelectorAll("[data-countdown]"), function (node) {
      var target = node.getAttribute("data-target");
      var value = node.querySelector("[data-countdown-value]");
      if (!value) { return; }
      if (!target) { value.textContent = "—"; return; }
      var left = Date.parse(target) - now;
      value.textContent = remaining(left);
      node.classList.toggle("is-over", left <= 0);
    });
  }

  function renderBidders(hall) {
    var body = document.querySelector("[data-hall-bidders]");
    if (!body) { return; }
    var names = headers(body.parentNode);
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (!hall.bidders.length) {
      var empty = document.createElement("tr");
      empty.setAttribute("data-empty", "");
      cell(empty, labels.none, null, "muted").setAttribute("colspan", "5");
      body.appendChild(empty);
    }
    hall.bidders.forEach(function (b) {
      var row = document.createElement("tr");
      row.setAttribute("data-bidder", b.bidder_id);
      row.setAttribute("data-signed-in", b.signed_in ? "true" : "false");
      cell(row, b.name, null, "cell-head");
      cell(row, b.sealed ? labels.sealed : labels.plain, names[1]);
      var signed = cell(row, "", names[2]);
      var badge = document.createElement("span");
      badge.className = "badge " + (b.signed_in ? "status-ok" : "status-pending");
      badge.textContent = b.signed_in ? labels.yes : labels.no;
      signed.appendChild(badge);
      var decryption = labels.decryption[b.decryption] || b.decryption;
      if (b.escrow_requested) { decryption += " · " + labels.escrow + " " + b.escrow_shares; }
      cell(row, decryption, names[3]);
      cell(row, labels.status[b.status] || b.status, names[4]);
      body.appendChild(row);
    });
    var counts = document.querySelector("[data-hall-counts]");
    if (counts) {
      var signedIn = hall.bidders.filter(function (b) { return b.signed_in; }).length;
      counts.textContent = counts.textContent.replace(/\d+\s*\/\s*\d+/, signedIn + " / " + hall.bidders.length);
    }
  }

  function renderResults(hall) {
    var body = document.querySelector("[data-hall-results]");
    if (!body || !hall.results) { return; }
    var names = headers(body.parentNode);
    var byId = {};
    hall.bidders.forEach(function (b) { byId[b.bidder_id] = b.name; });
    while (body.firstChild) { body.removeChild(body.firstChild); }
    hall.results.forEach(function (r) {
      var row = document.createElement("tr");
      row.setAttribute("data-result", r.bidder_id);
      cell(row, byId[r.bidder_id] || r.bidder_id, null, "cell-head");
      cell(row, yuan(r.price_fen), names[1], "num");
      cell(row, String(r.duration_days), names[2], "num");
      cell(row, r.quality || "", names[3]);
      body.appendChild(row);
    });
    var wrap = document.querySelector("[data-results-wrap]");
    var pending = document.querySelector("[data-results-pending]");
    if (wrap) { wrap.hidden = false; }
    if (pending) { pending.hidden = true; }
  }

  function renderClock(hall) {
    var release = document.querySelector('[data-countdown="release"]');
    if (release) {
      // Once the bids are opened the key-release window no longer matters.
      release.setAttribute("data-target", hall.stage === "bidding" && hall.release_until ? hall.release_until : "");
    }
    var stage = document.querySelector("[data-hall-stage] [data-stage]");
    if (stage && labels.stage[hall.stage] && stage.getAttribute("data-stage") !== hall.stage) {
      stage.textContent = labels.stage[hall.stage];
      stage.className = "badge stage stage-" + hall.stage;
      stage.setAttribute("data-stage", hall.stage);
    }
    tick();
  }

  function liveState(kind) {
    var state = document.querySelector('[data-live-state="hall"]');
    if (!state) { return; }
    state.textContent = state.getAttribute("data-text-" + kind);
    state.className = "live-state" + (kind === "live" ? " is-live" : kind === "down" ? " is-down" : "");
    state.setAttribute("data-state", kind);
  }

  function follow() {
    var holder = document.querySelector("[data-hall-stream]");
    if (!holder || typeof window.EventSource === "undefined") { return; }
    var source = new EventSource(holder.getAttribute("data-hall-stream"));
    source.addEventListener("open", function () { liveState("live"); });
    source.addEventListener("error", function () { liveState(source.readyState === 2 ? "down" : "connecting"); });
    source.addEventListener("hall", function (event) {
      var hall = JSON.parse(event.data);
      renderBidders(hall);
      renderResults(hall);
      renderClock(hall);
      holder.setAttribute("data-last-seq", String(hall.last_seq));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    follow();
  });
})();
