// Signatures drawn on the phone's screen (issue 16, C1): every <canvas class="signature-pad" data-target="ID">
// takes pointer strokes (finger, pen or mouse) and writes the drawing as a PNG data URL into the hidden input ID,
// which the server checks (PNG signature bytes, size, strict base64). A "Clear" button (data-pad="canvas id") wipes
// it. Nothing is sent until something has been drawn. Our own small file: no third-party code.
(function () {
  "use strict";

  function setUp(canvas) {
    var target = document.getElementById(canvas.dataset.target);
    var context = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;

    function fit() {
      // Draw in device pixels so the strokes stay sharp; keep what was drawn when the phone turns.
      var ratio = window.devicePixelRatio || 1, box = canvas.getBoundingClientRect();
      var keep = drawn ? canvas.toDataURL("image/png") : null;
      canvas.width = Math.max(1, Math.round(box.width * ratio));
      canvas.height = Math.max(1, Math.round(box.height * ratio));
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5; context.lineCap = "round"; context.lineJoin = "round"; context.strokeStyle = "#111";
      if (keep) {
        var picture = new Image();
        picture.onload = function () { context.drawImage(picture, 0, 0, box.width, box.height); };
        picture.src = keep;
      }
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {x: event.clientX - box.left, y: event.clientY - box.top};
    }

    function save() {
      target.value = drawn ? canvas.toDataURL("image/png") : "";
      canvas.classList.toggle("signed", drawn);
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      try { canvas.setPointerCapture(event.pointerId); } catch (ignored) { /* a pointer the browser no longer tracks */ }
      drawing = true; last = point(event);
      context.beginPath(); context.arc(last.x, last.y, 1.2, 0, 2 * Math.PI); context.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var next = point(event);
      context.beginPath(); context.moveTo(last.x, last.y); context.lineTo(next.x, next.y); context.stroke();
      last = next; drawn = true;
    });
    function stop() { if (drawing) { drawing = false; save(); } }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    canvas.clear = function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false; save();
    };
    fit();
    if (target.value.indexOf("data:image/png;base64,") === 0) {
      // The form came back with an error elsewhere: show the signature already drawn, keep it.
      var kept = new Image(), box = canvas.getBoundingClientRect();
      kept.onload = function () { context.drawImage(kept, 0, 0, box.width, box.height); drawn = true; save(); };
      kept.src = target.value;
    }
    window.addEventListener("resize", fit);
  }

  document.querySelectorAll("canvas.signature-pad").forEach(setUp);
  document.querySelectorAll("button.signature-clear").forEach(function (button) {
    button.addEventListener("click", function () {
      var canvas = document.getElementById(button.dataset.pad);
      if (canvas && canvas.clear) { canvas.clear(); }
    });
  });
})();
