// Signature capture for assisted handling: the person signs in the canvas; on submit the drawing goes into the
// hidden "signature" field as a PNG data URL. No inline script (strict CSP); without JavaScript, SMS consent works.
(function () {
  "use strict";
  function init() {
    var pad = document.getElementById("sig-pad");
    var out = document.getElementById("sig-data");
    var form = document.getElementById("assist-form");
    if (!pad || !out || !form) { return; }
    var ctx = pad.getContext("2d");
    var drawing = false, drawn = false;
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function at(e) {
      var r = pad.getBoundingClientRect();
      return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
    }
    pad.addEventListener("pointerdown", function (e) {
      drawing = true; var p = at(e); ctx.beginPath(); ctx.moveTo(p.x, p.y);
      if (pad.setPointerCapture) { pad.setPointerCapture(e.pointerId); }
      e.preventDefault();
    });
    pad.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = at(e); ctx.lineTo(p.x, p.y); ctx.stroke(); drawn = true; e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      pad.addEventListener(t, function () { drawing = false; });
    });
    document.getElementById("sig-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, pad.width, pad.height); drawn = false; out.value = "";
    });
    form.addEventListener("submit", function () {
      out.value = drawn ? pad.toDataURL("image/png") : "";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
