// Live hall pages without reloading (no inline script: a strict Content-Security-Policy is fine).
// An element with data-live-url is polled with If-None-Match; the server answers 304 until something shown changes.
//   data-live="display"  the calling screen: latest call, recent calls, waiting per line; reads new calls aloud
//   data-live="ticket"   a number's phone page: state, window, people ahead; vibrates when called
//   data-live="console"  a window's console: waiting count and the next numbers; reloads when its ticket changes
(function () {
  "use strict";

  function text(el, value) { if (el && el.textContent !== String(value)) el.textContent = value; }

  function spaced(s) { return String(s).split("").join(" "); }

  // --- speech (the screen reads calls aloud; browsers allow it only after one click on the page) ---------------
  var speech = { on: false, voice: null };
  function pickVoice() {
    if (!window.speechSynthesis) return;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (/^zh(-|_)?(CN|Hans)?/i.test(voices[i].lang)) { speech.voice = voices[i]; return; }
    }
  }
  function say(message) {
    if (!speech.on || !window.speechSynthesis) return;
    var u = new SpeechSynthesisUtterance(message);
    u.lang = "zh-CN";
    u.rate = 0.9;
    if (speech.voice) u.voice = speech.voice;
    window.speechSynthesis.speak(u);
  }
  if (window.speechSynthesis) {
    pickVoice();
    window.speechSynthesis.onvoiceschanged = pickVoice;
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-speech-toggle]");
    if (!b) return;
    speech.on = !speech.on;
    b.setAttribute("aria-pressed", speech.on ? "true" : "false");
    text(b, speech.on ? b.getAttribute("data-on-label") : b.getAttribute("data-off-label"));
    if (speech.on) say(b.getAttribute("data-test-phrase") || "");
  });

  // --- renderers -------------------------------------------------------------------------------------------------
  var seenCalls = null;

  function callPhrase(root, call) {
    var template = root.getAttribute(call.recall ? "data-say-recall" : "data-say") || "{number} {window}";
    return template.replace("{number}", spaced(call.number)).replace("{window}", spaced(call.window));
  }

  function renderDisplay(root, data) {
    var calls = data.calls || [];
    var latest = calls[0];
    text(root.querySelector("[data-latest-number]"), latest ? latest.number : "—");
    text(root.querySelector("[data-latest-window]"), latest ? latest.window : "—");
    var list = root.querySelector("[data-calls]");
    if (list) {
      var tpl = root.querySelector("template[data-call-row]");
      list.textContent = "";
      var rows = parseInt(root.getAttribute("data-rows") || "8", 10);
      calls.slice(1, rows).forEach(function (c) {
        var row = tpl.content.cloneNode(true);
        text(row.querySelector("[data-number]"), c.number);
        text(row.querySelector("[data-window]"), c.window);
        text(row.querySelector("[data-at]"), c.at);
        list.appendChild(row);
      });
    }
    (data.lines || []).forEach(function (line) {
      text(root.querySelector('[data-waiting="' + line.code + '"]'), line.waiting);
    });
    text(root.querySelector("[data-open-windows]"), data.open_windows);
    // Announce calls not announced yet (by event id: a call committed late is still read once).
    var ids = calls.map(function (c) { return c.id; });
    if (seenCalls === null) {
      seenCalls = ids;
      return;
    }
    var fresh = calls.filter(function (c) { return seenCalls.indexOf(c.id) < 0; }).reverse();
    seenCalls = ids.concat(seenCalls).slice(0, 64);
    if (fresh.length) {
      var banner = root.querySelector("[data-latest]");
      if (banner) {
        banner.classList.remove("flash");
        void banner.offsetWidth;
        banner.classList.add("flash");
      }
      var announce = root.querySelector("[data-announce]");
      fresh.forEach(function (c) {
        var phrase = callPhrase(root, c);
        if (announce) text(announce, phrase);
        say(phrase);
      });
    }
  }

  function renderTicket(root, data) {
    var before = root.getAttribute("data-state");
    text(root.querySelector("[data-state-label]"), data.state_label);
    text(root.querySelector("[data-ahead]"), data.ahead);
    text(root.querySelector("[data-estimate]"), data.estimate_minutes);
    text(root.querySelector("[data-window]"), data.window);
    root.setAttribute("data-state", data.state);
    document.querySelectorAll("[data-show-when]").forEach(function (el) {
      el.hidden = el.getAttribute("data-show-when").split(" ").indexOf(data.state) < 0;
    });
    if (data.state === "called" && before !== "called") {
      if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
      var announce = root.querySelector("[data-announce]");
      if (announce) text(announce, root.getAttribute("data-called-text").replace("{window}", data.window));
    }
  }

  function renderConsole(root, data) {
    text(root.querySelector("[data-waiting-count]"), data.waiting);
    var list = root.querySelector("[data-upcoming]");
    if (list) text(list, (data.upcoming || []).join("  ") || "—");
    var shownCurrent = root.getAttribute("data-current") || "";
    var shownStatus = root.getAttribute("data-status") || "";
    if (data.current !== shownCurrent || data.status !== shownStatus) window.location.reload();
  }

  var renderers = { display: renderDisplay, ticket: renderTicket, console: renderConsole };

  function poll(root) {
    var url = root.getAttribute("data-live-url");
    var every = parseInt(root.getAttribute("data-live-interval") || "3000", 10);
    var render = renderers[root.getAttribute("data-live")];
    var etag = null;
    var failures = 0;
    function tick() {
      if (document.hidden && root.getAttribute("data-live") !== "display") {
        window.setTimeout(tick, every);
        return;
      }
      var headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (r.status === 304) return null;
          if (!r.ok) throw new Error("HTTP " + r.status);
          etag = r.headers.get("ETag");
          return r.json();
        })
        .then(function (data) {
          failures = 0;
          root.removeAttribute("data-offline");
          if (data) render(root, data);
        })
        .catch(function () {
          failures += 1;
          root.setAttribute("data-offline", "true");
        })
        .then(function () {
          window.setTimeout(tick, every * Math.min(8, 1 + failures));
        });
    }
    tick();
  }

  document.querySelectorAll("[data-live-url]").forEach(poll);

  // A kiosk slip returns to the kiosk's start after a while, for the next person.
  var back = document.querySelector("[data-return-to]");
  if (back) {
    window.setTimeout(function () {
      window.location.assign(back.getAttribute("data-return-to"));
    }, 1000 * parseInt(back.getAttribute("data-return-after") || "20", 10));
  }

  // Print buttons (the kiosk slip, an appointment).
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });
})();
