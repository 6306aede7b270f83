/* Type-ahead for the search box: fills the native <datalist> from /api/v1/catalog/suggest.
   The page works without it; a datalist keeps keyboard and screen-reader behaviour native. */
(function () {
  "use strict";
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) { return; }
  var timer = null, last = "";
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (timer) { clearTimeout(timer); }
    if (!q || q === last) { return; }
    timer = setTimeout(function () {
      last = q;
      fetch(input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value.trim() !== q) { return; }
          var seen = {};
          list.textContent = "";
          (data.suggestions || []).forEach(function (s) {
            if (seen[s.name]) { return; }
            seen[s.name] = true;
            var opt = document.createElement("option");
            opt.value = s.name;
            list.appendChild(opt);
          });
        })
        .catch(function () {});
    }, 180);
  });
})();

/* On a phone, the results and the home page's popular items open the phone guide (/m/items/…), whose materials
   fit the screen; wider screens keep the desktop guide. Without JavaScript every link still works. */
(function () {
  "use strict";
  if (window.__ywPhoneGuides || !window.matchMedia) { return; }
  window.__ywPhoneGuides = true;
  var narrow = window.matchMedia("(max-width: 640px)");
  var guide = /^\/items\/([^\/?#]+)\/$/, phone = /^\/m\/items\/([^\/?#]+)\/$/;
  function apply() {
    var links = document.querySelectorAll(".result-title a, .popular-list a");
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href") || "", m;
      if (narrow.matches && (m = guide.exec(href))) { links[i].setAttribute("href", "/m/items/" + m[1] + "/"); }
      else if (!narrow.matches && (m = phone.exec(href))) { links[i].setAttribute("href", "/items/" + m[1] + "/"); }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", apply); } else { apply(); }
  if (narrow.addEventListener) { narrow.addEventListener("change", apply); }
}());
