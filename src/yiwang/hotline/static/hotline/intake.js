// The operator's intake page: while the operator types, the caller's history, the knowledge base, similar open
// orders and the routing proposal fill in beside the form (through the hotline API, with the session). Keyboard:
// Ctrl+Enter records and dispatches; Alt+K reaches the knowledge search (accesskey); a found answer's button copies
// it into the answer field. Without this script every panel has a button that does the same on the server.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  if (!form) return;
  var api = form.dataset.api, orders = form.dataset.orders, t = form.dataset;
  var $ = function (sel) { return form.querySelector(sel); };
  var key = $("[data-intake-key]");
  if (key && !key.value) key.value = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  form.querySelectorAll("[data-nojs]").forEach(function (b) { b.hidden = true; });

  function debounce(fn, ms) {
    var timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }
  function get(path, params) {
    var q = new URLSearchParams(params).toString();
    return fetch(api + path + (q ? "?" + q : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }
  function post(path, body) {
    var csrf = $("input[name=csrfmiddlewaretoken]").value;
    return fetch(api + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }
  function text(tag, s, cls) {
    var e = document.createElement(tag);
    e.textContent = s;
    if (cls) e.className = cls;
    return e;
  }
  function link(number) {
    var a = document.createElement("a");
    a.href = orders + encodeURIComponent(number) + "/";
    a.textContent = number;
    return a;
  }
  function fill(box, items, empty) {
    box.replaceChildren();
    if (!items.length) { box.appendChild(text("p", empty, "muted")); return; }
    var ul = document.createElement("ul");
    ul.className = "hl-history";
    items.forEach(function (li) { ul.appendChild(li); });
    box.appendChild(ul);
  }
  var val = function (name) { var e = form.elements[name]; return e ? (e.value || "").trim() : ""; };
  var typeVal = function () { var c = form.querySelector("input[name=order_type]:checked"); return c ? c.value : ""; };

  // Caller history.
  var history = $("[data-history]"), nameIn = form.elements.caller_name;
  var lookup = debounce(function () {
    var phone = val("caller_phone").replace(/[^0-9-]/g, "");
    if (phone.length < 7) return;
    get("callers", { phone: phone }).then(function (d) {
      if (!d) return;
      if (!d.known) { fill(history, [], t.tNew); return; }
      if (nameIn && !nameIn.value && d.name) nameIn.value = d.name;
      fill(history, d.orders.map(function (o) {
        var li = document.createElement("li");
        li.appendChild(link(o.number));
        li.appendChild(document.createTextNode(" " + o.title));
        return li;
      }), t.tNorders);
      findDups();
    });
  }, 300);
  form.elements.caller_phone.addEventListener("input", lookup);

  // Knowledge base.
  var kb = $("[data-kb]"), kbq = form.elements.kb_q, answer = form.elements.answer, kbKey = form.elements.knowledge;
  function searchKb(q) {
    if (!q) return;
    get("knowledge/search", { q: q, limit: 6 }).then(function (hits) {
      if (!hits) return;
      fill(kb, hits.map(function (h) {
        var li = document.createElement("li");
        var d = document.createElement("details");
        d.appendChild(text("summary", h.title));
        d.appendChild(text("p", h.answer));
        li.appendChild(d);
        var b = text("button", t.tUse, "btn btn-secondary");
        b.type = "button";
        b.addEventListener("click", function () {
          answer.value = h.answer;
          kbKey.value = h.key;
          answer.focus();
          b.textContent = t.tUsed;
        });
        li.appendChild(b);
        return li;
      }), t.tNone);
    });
  }
  kbq.addEventListener("input", debounce(function () { searchKb(kbq.value.trim()); }, 250));
  kbq.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); searchKb(kbq.value.trim()); }
  });
  var content = form.elements.content;
  content.addEventListener("input", debounce(function () {
    if (!kbq.value.trim()) searchKb(content.value.trim().slice(0, 24));
  }, 600));

  // Duplicates.
  var dups = $("[data-dups]");
  function findDups() {
    var cat = val("category");
    if (!cat || !(val("address") || val("content") || val("latitude"))) return;
    var params = { category: cat, address: val("address"), content: val("content").slice(0, 300) };
    if (val("latitude") && val("longitude")) { params.latitude = val("latitude"); params.longitude = val("longitude"); }
    if (val("caller_phone")) params.caller_phone = val("caller_phone");
    get("duplicates", params).then(function (list) {
      if (!list) return;
      fill(dups, list.map(function (s) {
        var li = document.createElement("li");
        li.appendChild(link(s.number));
        li.appendChild(document.createTextNode(" " + s.title + " "));
        var why = s.reason === "place" ? s.distance + " " + t.tAway : s.reason === "address" ? t.tAddress : t.tCaller;
        li.appendChild(text("span", why, "muted"));
        return li;
      }), t.tNodup);
    });
  }
  var dupsLater = debounce(findDups, 500);
  ["category", "address", "content", "latitude", "longitude"].forEach(function (n) {
    form.elements[n].addEventListener("input", dupsLater);
    form.elements[n].addEventListener("change", dupsLater);
  });

  // Routing proposal.
  var dept = form.elements.department, proposal = $("[data-proposal]"), touched = false;
  dept.addEventListener("change", function () { touched = true; });
  var propose = debounce(function () {
    var cat = val("category");
    if (!cat) return;
    post("routing/propose", { category: cat, division: val("division"), text: val("content"), order_type: typeVal() })
      .then(function (p) {
        if (!p || !p.department) { proposal.textContent = ""; return; }
        proposal.textContent = t.tRule + " “" + p.rule + "”: " + p.department_name;
        if (!touched) {
          var opt = dept.querySelector('option[data-code="' + p.department + '"]');
          if (opt) dept.value = opt.value;
        }
      });
  }, 400);
  ["category", "division", "content"].forEach(function (n) { form.elements[n].addEventListener("change", propose); });
  form.querySelectorAll("input[name=order_type]").forEach(function (r) { r.addEventListener("change", propose); });
  content.addEventListener("input", propose);

  // Ctrl+Enter: record and dispatch; Alt+A: answer on the spot; Alt+K: the knowledge search (whatever the browser
  // does with access keys).
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.querySelector("[data-primary]").click();
    } else if (e.altKey && !e.ctrlKey && (e.key === "a" || e.key === "A")) {
      e.preventDefault();
      form.querySelector("button[value=answer]").click();
    } else if (e.altKey && !e.ctrlKey && (e.key === "k" || e.key === "K")) {
      e.preventDefault();
      kbq.focus();
    }
  });
})();
