// S2 questionnaire entry grid: keyboard only, each row saved when the cursor leaves it.
// - Enter (like Tab) moves to the next cell, Shift+Enter (like Shift+Tab) to the previous one; Enter on a
//   row's last cell goes to the first cell of the next row. Read-only cells are not in the tab order.
// - A cell's text is selected when it gets the cursor, so typing replaces the prefilled value.
// - 成员务工 takes one key: 1/y/是 or 0/n/否 fills it and moves on.
// - Rows are POSTed as JSON with the CSRF token of the page's hidden input (the cookie is HttpOnly).
(function () {
  "use strict";
  var grid = document.getElementById("entry-grid");
  if (!grid) { return; }
  var saveUrl = grid.dataset.saveUrl;
  var tokenInput = document.querySelector("#entry-form input[name=csrfmiddlewaretoken]");
  var csrfToken = tokenInput ? tokenInput.value : "";
  var FIELDS = ["business_codes", "members_away", "total_assets", "total_liabilities", "net_income", "amount",
                "withhold_reasons"];
  var YES = {"1": true, "y": true, "Y": true, "是": true};
  var NO = {"0": false, "n": false, "N": false, "否": false};

  function cells() { return Array.prototype.slice.call(grid.querySelectorAll("input.entry-cell")); }
  function rowOf(el) { return el && el.closest ? el.closest("tr.entry-row") : null; }

  // The same grammar as surveys/entry.py:parse_amount, for the net-assets preview only; the server decides.
  function parseAmount(text) {
    var raw = String(text || "").replace(/[\s，,元]/g, "");
    if (raw === "") { return null; }
    var match = /^(\d+(?:\.\d*)?|\.\d+)([万wW])?$/.exec(raw);
    if (!match) { return NaN; }
    return Number(match[1]) * (match[2] ? 10000 : 1);
  }

  function formatYuan(value) {
    if (value === null || value === undefined || value === "" || isNaN(value)) { return ""; }
    return Number(value).toLocaleString("en-US", {maximumFractionDigits: 2});
  }

  function move(from, step) {
    var all = cells();
    var index = all.indexOf(from) + step;
    if (index >= 0 && index < all.length) {
      all[index].focus();
    } else if (step > 0) {
      var after = document.getElementById("entry-next");
      if (after) { after.focus(); } else { from.blur(); }
    }
  }

  function showNet(row) {
    var assets = parseAmount(row.querySelector("[name=total_assets]").value);
    var debts = parseAmount(row.querySelector("[name=total_liabilities]").value);
    var net = (assets === null || debts === null) ? "" : formatYuan(assets - debts);
    row.querySelector(".entry-net").textContent = net;
  }

  function setStatus(row, state, text) {
    var cell = row.querySelector(".entry-status");
    var span = document.createElement("span");
    span.dataset.state = state;
    span.className = state === "saved" ? "text-success" : (state === "saving" ? "text-muted" : "text-danger");
    span.textContent = state === "saved" ? "✓ " + text : text;
    cell.replaceChildren(span);
  }

  function clearErrors(row) {
    row.querySelectorAll(".is-invalid").forEach(function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("title");
    });
  }

  function showErrors(row, errors) {
    var messages = [];
    Object.keys(errors).forEach(function (name) {
      var input = row.querySelector("[name=" + name + "]");
      if (input) {
        input.classList.add("is-invalid");
        input.title = errors[name];
      }
      messages.push(errors[name]);
    });
    setStatus(row, "error", messages.join(" "));
  }

  function fillSaved(row, data) {
    row.dataset.version = data.version;
    if (row.contains(document.activeElement)) { return; }  // the user is typing in it again
    ["total_assets", "total_liabilities", "net_income", "amount"].forEach(function (name) {
      row.querySelector("[name=" + name + "]").value = formatYuan(data.values[name]);
    });
    row.querySelector("[name=business_codes]").value = data.values.business_codes.join(" ");
    row.querySelector("[name=withhold_reasons]").value = data.values.withhold_reasons.join(" ");
    row.querySelector("[name=members_away]").value = data.values.members_away ? "是" : "否";
    row.querySelector(".entry-net").textContent = formatYuan(data.net_assets);
  }

  function send(row) {
    var body = {household: row.dataset.household, version: Number(row.dataset.version) || 0,
                representative: row.querySelector("[name=representative]").value};
    FIELDS.forEach(function (name) { body[name] = row.querySelector("[name=" + name + "]").value; });
    row.dataset.dirty = "";
    setStatus(row, "saving", grid.dataset.msgSaving);
    return fetch(saveUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, status: response.status, data: data}; });
    }).then(function (result) {
      clearErrors(row);
      if (result.ok) {
        fillSaved(row, result.data);
        setStatus(row, "saved", grid.dataset.msgSaved);
      } else {
        if (result.status === 400) { row.dataset.dirty = "1"; }  // a fix and leaving the row again retries
        showErrors(row, result.data.errors || {});
      }
    }).catch(function () {
      row.dataset.dirty = "1";
      setStatus(row, "error", grid.dataset.msgFailed);
    });
  }

  // One save at a time per row, so the second save carries the version the first one returned.
  function save(row) {
    row.pending = (row.pending || Promise.resolve()).then(function () { return send(row); });
  }

  grid.addEventListener("focusin", function (event) {
    if (event.target.classList.contains("entry-cell")) { event.target.select(); }
  });

  grid.addEventListener("input", function (event) {
    var row = rowOf(event.target);
    if (!row) { return; }
    row.dataset.dirty = "1";
    if (event.target.classList.contains("entry-amount")) { showNet(row); }
  });
  grid.addEventListener("change", function (event) {
    var row = rowOf(event.target);
    if (row) { row.dataset.dirty = "1"; }
  });

  grid.addEventListener("keydown", function (event) {
    var cell = event.target;
    if (!cell.classList.contains("entry-cell") || event.isComposing) { return; }
    if (event.key === "Enter") {
      event.preventDefault();
      move(cell, event.shiftKey ? -1 : 1);
    } else if (cell.name === "members_away" && !event.ctrlKey && !event.altKey && !event.metaKey
               && (event.key in YES || event.key in NO)) {
      event.preventDefault();
      cell.value = (event.key in YES) ? "是" : "否";
      rowOf(cell).dataset.dirty = "1";
      move(cell, 1);
    }
  });

  // A row is saved when the cursor leaves it (to another row, the link after the grid, or elsewhere).
  grid.addEventListener("focusout", function (event) {
    var row = rowOf(event.target);
    if (!row || row.dataset.dirty !== "1") { return; }
    if (event.relatedTarget && row.contains(event.relatedTarget)) { return; }
    save(row);
  });

  // Leaving the page with the cursor still in a row: send it anyway (keepalive outlives the page).
  window.addEventListener("pagehide", function () {
    grid.querySelectorAll("tr.entry-row[data-dirty='1']").forEach(function (row) { save(row); });
  });

  // Start where typing begins: the first row not saved yet for this respondent.
  var first = grid.querySelector("tr.entry-row[data-version='0'] input.entry-cell") ||
              grid.querySelector("input.entry-cell");
  if (first) { first.focus(); }
}());
