// A3 back-to-back appraisal grid (static/js/entry_grid.js does the keyboard and the saving):
// the rating takes one key (1–4); Enter moves on, as in every cell (typing never moves the cursor: issue 15). The server answers with this reviewer's own values only.
(function () {
  "use strict";
  var grid = document.getElementById("appraisal-grid");
  if (!grid) { return; }
  window.EntryGrid.init({
    grid: grid,
    fields: ["amount", "withhold_reasons", "rating"],
    oneKey: {rating: {"1": "1", "2": "2", "3": "3", "4": "4"}},
    fill: function (row, data) {
      row.querySelector("[name=amount]").value = window.EntryGrid.formatYuan(data.values.amount);
      row.querySelector("[name=withhold_reasons]").value = data.values.withhold_reasons.join(" ");
      row.querySelector("[name=rating]").value = data.values.rating || "";
    }
  });
}());
