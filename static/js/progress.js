// Bootstrap progress bars take their width from data-progress: CSP forbids inline style attributes,
// but setting a style property from a same-origin script is allowed.
document.querySelectorAll("[data-progress]").forEach(function (bar) {
  var value = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0));
  bar.style.width = value + "%";
});
