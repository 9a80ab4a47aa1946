// The keyboard entry grid shared by the questionnaire grid (S2) and the back-to-back appraisal grid (A3):
// - Enter (like Tab) moves to the next cell, Shift+Enter (like Shift+Tab) to the previous one; Enter on a
//   row's last cell goes to the first cell of the next row, then to the link after the grid (#entry-next).
//   Typing never moves the cursor by itself, not even in a one-key cell (a typist's Enter would skip a column).
// - A cell's text is selected when it gets the cursor, so typing replaces the prefilled value. A <select> cell
//   takes the arrow keys, or a digit for its n-th choice (the choices are numbered).
// - A row is saved when the cursor leaves it, POSTed as JSON with the CSRF token of the page's hidden input
//   (the cookie is HttpOnly); one save at a time per row, so the second carries the version the first returned.
// - The server's answer (sunshine_credit/jsonviews.py): 200 {version, values}; otherwise {code, errors}: 400
//   invalid (messages by field, shown in the row), 409 stale (the row can be reloaded), 401 logged out, 403 csrf
//   (the page's token is renewed once and the row sent again), 403 forbidden, 404 not found; 5xx a server error;
//   a rejected fetch is a network failure. Each shows its own message in the row's status.
// - #entry-unsaved (sticky) counts the rows not saved yet and retries them; leaving the page with unsaved rows
//   asks first (beforeunload).
// A page calls EntryGrid.init({grid, fields, fill(row, data), oneKey: {field: {key: value}},
// onInput(row, el)}); the messages come from the grid's data-msg-* attributes.
window.EntryGrid = (function () {
  "use strict";

  function init(options) {
    var grid = options.grid;
    var msg = grid.dataset;
    var saveUrl = msg.saveUrl;
    var tokenInput = document.querySelector("#entry-form input[name=csrfmiddlewaretoken]");
    var csrfToken = tokenInput ? tokenInput.value : "";
    var oneKey = options.oneKey || {};
    var bar = document.getElementById("entry-unsaved");

    function cells() { return Array.prototype.slice.call(grid.querySelectorAll(".entry-cell")); }
    function rows() { return Array.prototype.slice.call(grid.querySelectorAll("tr.entry-row")); }
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

    // --- the unsaved rows -------------------------------------------------------------------------------------
    function unsaved(row) {
      return row.dataset.dirty === "1" || row.dataset.state === "saving" || row.dataset.state === "error";
    }

    function showCount() {
      if (!bar) { return; }
      var n = rows().filter(unsaved).length;
      var failed = rows().filter(function (row) { return row.dataset.state === "error"; }).length;
      bar.dataset.unsaved = String(n);
      bar.classList.toggle("alert-warning", n > 0);
      bar.classList.toggle("alert-light", n === 0);
      bar.querySelector("#entry-unsaved-count").textContent =
        n === 0 ? bar.dataset.msgNone : (n === 1 ? bar.dataset.msgOne : bar.dataset.msgMany).replace("{n}", n);
      bar.querySelector("#entry-retry").hidden = failed === 0;
    }

    function markDirty(row) {
      row.dataset.dirty = "1";
      showCount();
    }

    // --- a row's status ---------------------------------------------------------------------------------------
    function button(text, className, onClick) {
      var b = document.createElement("button");
      b.type = "button";
      b.tabIndex = -1;
      b.className = "btn btn-link btn-sm p-0 ms-1 align-baseline " + className;
      b.textContent = text;
      b.addEventListener("click", onClick);
      return b;
    }

    // state: saved / saving / error; kind: why it failed (data-error), which says what the row offers.
    function setStatus(row, state, text, kind) {
      var span = document.createElement("span");
      span.dataset.state = state;
      if (kind) { span.dataset.error = kind; }
      span.className = state === "saved" ? "text-success" : (state === "saving" ? "text-muted" : "text-danger");
      span.textContent = state === "saved" ? "✓ " + text : text;
      row.dataset.state = state;
      var cell = row.querySelector(".entry-status");
      cell.replaceChildren(span);
      if (kind === "stale") {
        cell.appendChild(button(msg.msgReload, "entry-reload", function () { reloadRow(row); }));
      } else if (kind && kind !== "invalid" && kind !== "forbidden" && kind !== "not_found") {
        cell.appendChild(button(msg.msgRetry, "entry-retry-row", function () { save(row); }));
      }
      showCount();
    }

    function clearErrors(row) {
      row.querySelectorAll(".is-invalid").forEach(function (el) {
        el.classList.remove("is-invalid");
        el.removeAttribute("title");
        el.removeAttribute("aria-invalid");
      });
    }

    function showErrors(row, errors, kind) {
      var messages = [];
      Object.keys(errors).forEach(function (name) {
        var input = row.querySelector("[name=" + name + "]");
        if (input) {
          input.classList.add("is-invalid");
          input.title = errors[name];
          input.setAttribute("aria-invalid", "true");
        }
        messages.push(errors[name]);
      });
      setStatus(row, "error", messages.join(" ") || msg.msgServer, kind);
    }

    // --- the page itself, read again: a renewed CSRF token, a stale row's saved values ---------------------------
    function fetchPage() {
      return fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) { return response.text(); })
        .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
    }

    function renewToken() {
      return fetchPage().then(function (doc) {
        var input = doc.querySelector("#entry-form input[name=csrfmiddlewaretoken]");
        if (!input) { return false; }
        csrfToken = input.value;
        if (tokenInput) { tokenInput.value = csrfToken; }
        return true;
      });
    }

    function reloadRow(row) {
      setStatus(row, "saving", msg.msgReloading);
      fetchPage().then(function (doc) {
        var fresh = doc.querySelector("tr.entry-row[data-household='" + row.dataset.household + "']");
        if (!fresh) {
          setStatus(row, "error", msg.msgLogin, "logged_out");
          return;
        }
        fresh.querySelectorAll("[name]").forEach(function (el) {
          var mine = row.querySelector("[name=" + el.name + "]");
          if (mine) { mine.value = el.value; }
        });
        var net = fresh.querySelector(".entry-net");
        if (net) { row.querySelector(".entry-net").textContent = net.textContent; }
        row.dataset.version = fresh.dataset.version;
        row.dataset.dirty = "";
        clearErrors(row);
        setStatus(row, "saved", msg.msgReloaded);
      }).catch(function () {
        setStatus(row, "error", msg.msgFailed, "network");
      });
    }

    // --- saving -----------------------------------------------------------------------------------------------
    function post(body) {
      return fetch(saveUrl, {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken, "Accept": "application/json"},
        body: JSON.stringify(body)
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) {
          // Not the save endpoint's answer: a server error page, or a redirect to the login page.
          return {ok: false, status: response.status, data: {code: response.status >= 500 ? "server" : "logged_out"}};
        }
        return response.json().then(function (data) { return {ok: response.ok, status: response.status, data: data}; });
      });
    }

    function kindOf(result) {
      var code = result.data.code;
      if (result.status >= 500) { return "server"; }
      if (result.status === 401 || code === "logged_out") { return "logged_out"; }
      if (result.status === 409 || code === "stale") { return "stale"; }
      if (code === "csrf" || code === "forbidden" || code === "not_found") { return code; }
      if (result.status === 400 || result.status === 422) { return "invalid"; }
      return "server";
    }

    var GENERAL = {server: "msgServer", logged_out: "msgLogin", csrf: "msgExpired", stale: "msgStale"};

    function failed(row, result) {
      var kind = kindOf(result);
      // Sent again when the cursor leaves the row again, or by Retry; a stale row waits for Reload.
      row.dataset.dirty = kind === "stale" ? "" : "1";
      var errors = result.data.errors || {};
      if (GENERAL[kind]) {
        var text = msg[GENERAL[kind]];
        errors = {__all__: kind === "server" ? text.replace("{status}", result.status) : text};
      }
      showErrors(row, errors, kind);
    }

    function send(row, renewed) {
      var body = {household: row.dataset.household, version: Number(row.dataset.version) || 0};
      options.fields.forEach(function (name) { body[name] = row.querySelector("[name=" + name + "]").value; });
      row.dataset.dirty = "";
      setStatus(row, "saving", msg.msgSaving);
      return post(body).then(function (result) {
        if (!result.ok && result.data.code === "csrf" && !renewed) {
          // The page's token is stale (a new login meanwhile): take the page's new one and send once more.
          return renewToken().then(function (ok) {
            if (ok) { return send(row, true); }
            failed(row, {ok: false, status: 401, data: {code: "logged_out"}});
          });
        }
        clearErrors(row);
        if (result.ok) {
          row.dataset.version = result.data.version;
          if (!row.contains(document.activeElement)) { options.fill(row, result.data); }  // not while typing
          setStatus(row, "saved", msg.msgSaved);
        } else {
          failed(row, result);
        }
      }).catch(function () {
        row.dataset.dirty = "1";
        clearErrors(row);
        setStatus(row, "error", msg.msgFailed, "network");
      });
    }

    function save(row) {
      row.pending = (row.pending || Promise.resolve()).then(function () { return send(row); });
    }

    // --- the keyboard -----------------------------------------------------------------------------------------
    function pick(select, key) {
      var index = Number(key) - 1;
      if (index >= 0 && index < select.options.length && select.selectedIndex !== index) {
        select.selectedIndex = index;
        markDirty(rowOf(select));
      }
    }

    grid.addEventListener("focusin", function (event) {
      if (event.target.classList.contains("entry-cell") && event.target.select) { event.target.select(); }
    });
    grid.addEventListener("input", function (event) {
      var row = rowOf(event.target);
      if (!row) { return; }
      markDirty(row);
      if (options.onInput) { options.onInput(row, event.target); }
    });
    grid.addEventListener("change", function (event) {
      var row = rowOf(event.target);
      if (row) { markDirty(row); }
    });
    grid.addEventListener("keydown", function (event) {
      var cell = event.target;
      if (!cell.classList.contains("entry-cell") || event.isComposing) { return; }
      var keys = oneKey[cell.name];
      var plain = !event.ctrlKey && !event.altKey && !event.metaKey;
      if (event.key === "Enter") {
        event.preventDefault();
        move(cell, event.shiftKey ? -1 : 1);
      } else if (cell.tagName === "SELECT" && plain && /^[1-9]$/.test(event.key)) {
        event.preventDefault();  // a digit picks the n-th choice
        pick(cell, event.key);
      } else if (keys && plain && event.key in keys) {
        event.preventDefault();  // a one-key cell: the key fills it
        cell.value = keys[event.key];
        cell.select();
        markDirty(rowOf(cell));
      }
    });
    grid.addEventListener("focusout", function (event) {
      var row = rowOf(event.target);
      if (!row || row.dataset.dirty !== "1") { return; }
      if (event.relatedTarget && row.contains(event.relatedTarget)) { return; }
      save(row);
    });
    if (bar) {
      bar.querySelector("#entry-retry").addEventListener("click", function () {
        rows().filter(function (row) {
          return row.dataset.state === "error" && row.dataset.dirty === "1";
        }).forEach(save);
      });
    }
    // Leaving the page with the cursor still in a row: send it anyway (keepalive outlives the page).
    window.addEventListener("pagehide", function () {
      grid.querySelectorAll("tr.entry-row[data-dirty='1']").forEach(function (row) { save(row); });
    });
    // …and ask first while any row is not saved (typed, being sent, or refused).
    window.addEventListener("beforeunload", function (event) {
      if (rows().some(unsaved)) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    showCount();

    // Start where typing begins: the first row not saved yet.
    var first = grid.querySelector("tr.entry-row[data-version='0'] .entry-cell") || grid.querySelector(".entry-cell");
    if (first) { first.focus(); }
  }

  function formatYuan(value) {
    if (value === null || value === undefined || value === "" || isNaN(value)) { return ""; }
    return Number(value).toLocaleString("en-US", {maximumFractionDigits: 2});
  }

  return {init: init, formatYuan: formatYuan};
}());
