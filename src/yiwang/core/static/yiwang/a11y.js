// Accessibility toggles (无障碍): large text and high contrast, remembered on this device.
(function () {
  var root = document.documentElement;
  function apply(name, on) {
    root.classList.toggle("a11y-" + name, on);
    document.querySelectorAll('[data-a11y="' + name + '"]').forEach(function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  ["large", "contrast"].forEach(function (name) {
    apply(name, localStorage.getItem("a11y-" + name) === "1");
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-a11y]");
    if (!b) return;
    var name = b.getAttribute("data-a11y");
    var on = !root.classList.contains("a11y-" + name);
    localStorage.setItem("a11y-" + name, on ? "1" : "0");
    apply(name, on);
  });
})();

// Small behaviours that would otherwise be inline handlers, which the Content-Security-Policy forbids:
// <select data-autosubmit> submits its form on change; <button data-print> prints the page.
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target.closest && e.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.submit();
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-print]");
    if (b) { e.preventDefault(); window.print(); }
  });
})();
