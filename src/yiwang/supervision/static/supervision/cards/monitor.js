// The monitoring page reloads itself every minute; the button pauses it (a wall screen keeps it running, a
// supervisor reading a table can stop it). No inline script: the page runs under a strict CSP.
(function () {
  "use strict";
  var button = document.querySelector("[data-refresh-toggle]");
  var timer = null;
  function start() { timer = window.setTimeout(function () { window.location.reload(); }, 60000); }
  function stop() { window.clearTimeout(timer); timer = null; }
  start();
  if (!button) { return; }
  button.addEventListener("click", function () {
    var paused = button.getAttribute("aria-pressed") === "true";
    if (paused) { start(); } else { stop(); }
    button.setAttribute("aria-pressed", paused ? "false" : "true");
  });
})();
