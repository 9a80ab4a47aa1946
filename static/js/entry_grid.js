// The keyboard entry grid shared by the questionnaire grid (S2) and the back-to-back appraisal grid (A3):
// - Enter (like Tab) moves to the next cell, Shift+Enter (like Shift+Tab) to the previous one; Enter on a
//   row's last cell goes to the first cell of the next row, then to the link after the grid (#entry-next).
// - A cell's text is selected when it gets the cursor, so typing replaces the prefilled value.
// - A row is saved when the cursor leaves it, POSTed as JSON with the CSRF token of the page's hidden input
//   (the cookie is HttpOnly); one save at a time per row, so the second carries the version the first returned.
// - The server's answer: 200 {version, values}, 400 {errors: {field: message}}, 409 {errors} (stale).
// A page calls EntryGrid.init({grid, fields, fill(row, data), oneKey: {field: {key: value}}, onInput(row, el)}).
window.EntryGrid = (function () {
  "use strict";

  function init(options) {
    var grid = options.grid;
    var saveUrl = grid.dataset.saveUrl;
    var tokenInput = document.querySelector("#entry-form input[name=csrfmiddlewaretoken]");
    var csrfToken = tokenInput ? tokenInput.value : "";
    var oneKey = options.oneKey || {};

    function cells() { return Array.prototype.slice.call(grid.querySelectorAll("input.entry-cell")); }
    function rowOf(el) { return el && el.closest ? el.closest("tr.entry-row") : null; }

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
        if (input) { input.classList.add("is-invalid"); input.title = errors[name]; }
        messages.push(errors[name]);
      });
      setStatus(row, "error", messages.join(" "));
    }

    function send(row) {
      var body = {household: row.dataset.household, version: Number(row.dataset.version) || 0};
      options.fields.forEach(function (name) { body[name] = row.querySelector("[name=" + name + "]").value; });
      row.dataset.dirty = "";
      setStatus(row, "saving", grid.dataset.msgSaving);
      return fetch(saveUrl, {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken, "Accept": "application/json"},
        body: JSON.stringify(body)
      }).then(function (response) {
        if ((response.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
          // Not the save endpoint's answer: the session ended and the login page came back.
          return {ok: false, status: 401, data: {errors: {__all__: grid.dataset.msgLogin}}};
        }
        return response.json().then(function (data) { return {ok: response.ok, status: response.status, data: data}; });
      }).then(function (result) {
        clearErrors(row);
        if (result.ok) {
          row.dataset.version = result.data.version;
          if (!row.contains(document.activeElement)) { options.fill(row, result.data); }  // not while typing
          setStatus(row, "saved", grid.dataset.msgSaved);
        } else {
          if (result.status === 400 || result.status === 401) { row.dataset.dirty = "1"; }  // leaving again retries
          showErrors(row, result.data.errors || {});
        }
      }).catch(function () {
        row.dataset.dirty = "1";
        setStatus(row, "error", grid.dataset.msgFailed);
      });
    }

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
      if (options.onInput) { options.onInput(row, event.target); }
    });
    grid.addEventListener("change", function (event) {
      var row = rowOf(event.target);
      if (row) { row.dataset.dirty = "1"; }
    });
    grid.addEventListener("keydown", function (event) {
      var cell = event.target;
      if (!cell.classList.contains("entry-cell") || event.isComposing) { return; }
      var keys = oneKey[cell.name];
      if (event.key === "Enter") {
        event.preventDefault();
        move(cell, event.shiftKey ? -1 : 1);
      } else if (keys && !event.ctrlKey && !event.altKey && !event.metaKey && event.key in keys) {
        event.preventDefault();  // a one-key cell: the key fills it and the cursor moves on
        cell.value = keys[event.key];
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
    // Leaving the page with the cursor still in a row: send it anyway (keepalive outlives the page).
    window.addEventListener("pagehide", function () {
      grid.querySelectorAll("tr.entry-row[data-dirty='1']").forEach(function (row) { save(row); });
    });

    // Start where typing begins: the first row not saved yet.
    var first = grid.querySelector("tr.entry-row[data-version='0'] input.entry-cell") ||
                grid.querySelector("input.entry-cell");
    if (first) { first.focus(); }
  }

  function formatYuan(value) {
    if (value === null || value === undefined || value === "" || isNaN(value)) { return ""; }
    return Number(value).toLocaleString("en-US", {maximumFractionDigits: 2});
  }

  return {init: init, formatYuan: formatYuan};
}());
