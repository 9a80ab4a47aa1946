// S2 questionnaire entry grid (static/js/entry_grid.js does the keyboard and the saving):
// 成员务工: 1/y/是 or 0/n/否 fills it with 是/否; like every cell, Enter moves on (typing never does, so a typist's
// Enter after each value keeps every later value in its own column). The credit representative is a <select>:
// arrow keys or the member's number. Net assets are previewed as amounts are typed.
(function () {
  "use strict";
  var grid = document.getElementById("entry-grid");
  if (!grid) { return; }
  var formatYuan = window.EntryGrid.formatYuan;
  var AMOUNTS = ["total_assets", "total_liabilities", "net_income", "amount"];
  // The cell shows the interface language's yes/no (是/否, Yes/No); the server reads either, and 1/0, y/n.
  var YES = grid.dataset.wordYes || "是", NO = grid.dataset.wordNo || "否";

  // Roughly the grammar of sunshine_credit/lib/money.py:parse_amount (full-width forms read as ASCII), for the
  // net-assets preview only; the server decides.
  function parseAmount(text) {
    var raw = String(text || "").normalize("NFKC").replace(/[\s,元]/g, "");
    if (raw === "") { return null; }
    var match = /^(\d+(?:\.\d*)?|\.\d+)([万萬wW])?$/.exec(raw);
    if (!match) { return NaN; }
    return Number(match[1]) * (match[2] ? 10000 : 1);
  }

  function showNet(row) {
    var assets = parseAmount(row.querySelector("[name=total_assets]").value);
    var debts = parseAmount(row.querySelector("[name=total_liabilities]").value);
    row.querySelector(".entry-net").textContent = (assets === null || debts === null) ? "" : formatYuan(assets - debts);
  }

  window.EntryGrid.init({
    grid: grid,
    fields: ["representative", "business_codes", "members_away", "total_assets", "total_liabilities", "net_income",
             "amount", "withhold_reasons"],
    oneKey: {members_away: {"1": YES, "y": YES, "Y": YES, "是": YES, "0": NO, "n": NO, "N": NO, "否": NO}},
    onInput: function (row, el) { if (el.classList.contains("entry-amount")) { showNet(row); } },
    fill: function (row, data) {
      AMOUNTS.forEach(function (name) { row.querySelector("[name=" + name + "]").value = formatYuan(data.values[name]); });
      row.querySelector("[name=business_codes]").value = data.values.business_codes.join(" ");
      row.querySelector("[name=withhold_reasons]").value = data.values.withhold_reasons.join(" ");
      row.querySelector("[name=members_away]").value = data.values.members_away ? YES : NO;
      row.querySelector(".entry-net").textContent = formatYuan(data.net_assets);
    }
  });
}());
