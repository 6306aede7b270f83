/* Apply form: show or hide conditional fields, tick "upload" when a file is chosen, submit once, kiosk idle sign-out.
   Everything works without it: the server ignores hidden fields and checks everything again. */
(function () {
  "use strict";
  var form = document.querySelector(".apply-form");
  if (!form) return;

  function valueOf(name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    var out = [], single = null, isBox = false, isMulti = false;
    inputs.forEach(function (el) {
      if (el.type === "checkbox") {
        if (inputs.length === 1) { isBox = true; single = el.checked; }
        else { isMulti = true; if (el.checked) out.push(el.value); }
      } else if (el.type === "radio") { if (el.checked) single = el.value; }
      else { single = el.value; }
    });
    if (isBox) return single;
    if (isMulti) return out;
    return single;
  }
  function matches(actual, expected) {
    if (Array.isArray(expected)) {
      if (Array.isArray(actual)) return actual.some(function (a) { return expected.indexOf(a) >= 0; });
      return expected.indexOf(actual) >= 0;
    }
    if (Array.isArray(actual)) return actual.indexOf(expected) >= 0;
    if (typeof expected === "boolean") return Boolean(actual) === expected;
    return actual !== null && String(actual) === String(expected);
  }
  function refresh() {
    form.querySelectorAll("[data-show-if]").forEach(function (row) {
      var cond = JSON.parse(row.getAttribute("data-show-if"));
      var show = Object.keys(cond).every(function (name) {
        var other = document.getElementById("row-" + name);
        if (other && other.hidden) return false;
        return matches(valueOf(name), cond[name]);
      });
      row.hidden = !show;
    });
  }
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
  refresh();

  form.querySelectorAll("input[type=file][data-selects]").forEach(function (input) {
    input.addEventListener("change", function () {
      var radio = form.querySelector('input[type=radio][name="' + input.getAttribute("data-selects") + '"][value="upload"]');
      if (radio && input.files.length) radio.checked = true;
    });
  });

  var sending = false;
  form.addEventListener("submit", function (ev) {
    if (sending) { ev.preventDefault(); return; }
    sending = true;
    var btn = ev.submitter;
    if (btn) {
      /* Keep the clicked button's value: a disabled button would not be sent. */
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = btn.name; hidden.value = btn.value;
      form.appendChild(hidden);
    }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); });
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  var idle = parseInt(form.getAttribute("data-idle") || "0", 10);
  var signOut = document.getElementById("kiosk-sign-out");
  if (idle > 0 && signOut) {
    var timer, warn;
    var warning = signOut.querySelector("[data-idle-warning]");
    var reset = function () {
      clearTimeout(timer); clearTimeout(warn);
      if (warning) warning.hidden = true;
      warn = setTimeout(function () { if (warning) warning.hidden = false; }, Math.max(idle - 20, 1) * 1000);
      timer = setTimeout(function () { signOut.submit(); }, idle * 1000);
    };
    ["click", "keydown", "touchstart", "input"].forEach(function (e) { document.addEventListener(e, reset, true); });
    reset();
  }
})();
