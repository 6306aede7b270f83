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
