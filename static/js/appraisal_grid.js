// A3 back-to-back appraisal grid: keyboard only, each row saved when the cursor leaves it.
// - Enter (like Tab) moves to the next cell, Shift+Enter back; the rating takes one key (1–4) and moves on.
// - A cell's text is selected when it gets the cursor, so typing replaces the value.
// - Rows are POSTed as JSON with the CSRF token of the page's hidden input (the cookie is HttpOnly).
// - The server answers with this reviewer's own saved values only.
(function () {
  "use strict";
  var grid = document.getElementById("appraisal-grid");
  if (!grid) { return; }
  var saveUrl = grid.dataset.saveUrl;
  var tokenInput = document.querySelector("#entry-form input[name=csrfmiddlewaretoken]");
  var csrfToken = tokenInput ? tokenInput.value : "";
  var FIELDS = ["amount", "withhold_reasons", "rating"];
  var RATING_KEYS = {"1": true, "2": true, "3": true, "4": true};

  function cells() { return Array.prototype.slice.call(grid.querySelectorAll("input.entry-cell")); }
  function rowOf(el) { return el && el.closest ? el.closest("tr.entry-row") : null; }

  function formatYuan(value) {
    if (value === null || value === undefined || value === "") { return ""; }
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

  function setStatus(row, state, text) {
    var span = document.createElement("span");
    span.dataset.state = state;
    span.className = state === "saved" ? "text-success" : (state === "saving" ? "text-muted" : "text-danger");
    span.textContent = state === "saved" ? "✓ " + text : text;
    row.querySelector(".entry-status").replaceChildren(span);
  }

  function showErrors(row, errors) {
    var messages = [];
    Object.keys(errors).forEach(function (name) {
      var input = row.querySelector("[name=" + name + "]");
      if (input) { input.classList.add("is-invalid"); input.title = errors[name]; }
      messages.push(errors[name]);
    });
    setStatus(row, "error", messages.join(" "));
  }

  function clearErrors(row) {
    row.querySelectorAll(".is-invalid").forEach(function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("title");
    });
  }

  function fillSaved(row, data) {
    row.dataset.version = data.version;
    if (row.contains(document.activeElement)) { return; }  // the reviewer is typing in it again
    row.querySelector("[name=amount]").value = formatYuan(data.values.amount);
    row.querySelector("[name=withhold_reasons]").value = data.values.withhold_reasons.join(" ");
    row.querySelector("[name=rating]").value = data.values.rating || "";
  }

  function send(row) {
    var body = {household: row.dataset.household, version: Number(row.dataset.version) || 0};
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
        if (result.status === 400) { row.dataset.dirty = "1"; }
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
    if (row) { row.dataset.dirty = "1"; }
  });
  grid.addEventListener("keydown", function (event) {
    var cell = event.target;
    if (!cell.classList.contains("entry-cell") || event.isComposing) { return; }
    if (event.key === "Enter") {
      event.preventDefault();
      move(cell, event.shiftKey ? -1 : 1);
    } else if (cell.name === "rating" && !event.ctrlKey && !event.altKey && !event.metaKey
               && event.key in RATING_KEYS) {
      event.preventDefault();
      cell.value = event.key;
      rowOf(cell).dataset.dirty = "1";
      move(cell, 1);
    }
  });
  grid.addEventListener("focusout", function (event) {
    var row = rowOf(event.target);
    if (!row || row.dataset.dirty !== "1") { return; }
    if (event.relatedTarget && row.contains(event.relatedTarget)) { return; }
    save(row);
  });
  window.addEventListener("pagehide", function () {
    grid.querySelectorAll("tr.entry-row[data-dirty='1']").forEach(function (row) { save(row); });
  });

  var first = grid.querySelector("tr.entry-row[data-version='0'] input.entry-cell") ||
              grid.querySelector("input.entry-cell");
  if (first) { first.focus(); }
}());
