// A coordinates picker that works offline: a plain grid drawn around the city centre (no tile server), a marker
// placed by click, touch or the arrow keys, the device's position when it offers one, and two number fields that
// stay in step. Without JavaScript the two fields alone do the job.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function setup(box) {
    var lat0 = parseFloat(box.dataset.lat), lon0 = parseFloat(box.dataset.lon), span = parseFloat(box.dataset.span);
    var latIn = box.querySelector('input[name="latitude"]'), lonIn = box.querySelector('input[name="longitude"]');
    var canvas = box.querySelector("[data-map-canvas]"), status = box.querySelector("[data-map-status]");
    var locate = box.querySelector("[data-map-locate]");
    var W = 400, H = 300, south = lat0 - span * 0.375, north = lat0 + span * 0.375;
    var west = lon0 - span / 2, east = lon0 + span / 2;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, "aria-hidden": "true", focusable: "false" });
    for (var i = 1; i < 8; i++) {
      svg.appendChild(el("line", { x1: i * W / 8, y1: 0, x2: i * W / 8, y2: H, stroke: "#c5d3bd", "stroke-width": 1 }));
      svg.appendChild(el("line", { x1: 0, y1: i * H / 6, x2: W, y2: i * H / 6, stroke: "#c5d3bd", "stroke-width": 1 }));
    }
    svg.appendChild(el("circle", { cx: W / 2, cy: H / 2, r: 3, fill: "#6b7280" }));
    var marker = el("g", { visibility: "hidden" });
    marker.appendChild(el("circle", { r: 9, fill: "#b3140f", "fill-opacity": 0.25, stroke: "#b3140f", "stroke-width": 2 }));
    marker.appendChild(el("circle", { r: 3, fill: "#b3140f" }));
    svg.appendChild(marker);
    canvas.appendChild(svg);
    canvas.hidden = false;
    function show() {
      var la = parseFloat(latIn.value), lo = parseFloat(lonIn.value);
      if (isNaN(la) || isNaN(lo) || la < south || la > north || lo < west || lo > east) {
        marker.setAttribute("visibility", "hidden");
        return;
      }
      var x = (lo - west) / (east - west) * W, y = (north - la) / (north - south) * H;
      marker.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
      marker.setAttribute("visibility", "visible");
    }
    function put(la, lo, say) {
      latIn.value = la.toFixed(6);
      lonIn.value = lo.toFixed(6);
      show();
      if (say) status.textContent = latIn.value + ", " + lonIn.value;
    }
    svg.addEventListener("click", function (e) {
      var r = svg.getBoundingClientRect();
      var x = (e.clientX - r.left) / r.width, y = (e.clientY - r.top) / r.height;
      put(north - y * (north - south), west + x * (east - west), true);
    });
    canvas.addEventListener("keydown", function (e) {
      var la = parseFloat(latIn.value), lo = parseFloat(lonIn.value), step = span / 200;
      if (isNaN(la) || isNaN(lo)) { la = lat0; lo = lon0; }
      var moves = { ArrowUp: [step, 0], ArrowDown: [-step, 0], ArrowLeft: [0, -step], ArrowRight: [0, step] };
      if (moves[e.key]) {
        e.preventDefault();
        put(la + moves[e.key][0], lo + moves[e.key][1], true);
      } else if (e.key === "Enter") {
        e.preventDefault();
        put(la, lo, true);
      }
    });
    latIn.addEventListener("input", show);
    lonIn.addEventListener("input", show);
    if (navigator.geolocation && locate) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        status.textContent = locate.dataset.wait || "…";
        navigator.geolocation.getCurrentPosition(function (p) {
          put(p.coords.latitude, p.coords.longitude, true);
        }, function () {
          status.textContent = locate.dataset.failed || "";
        }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }
    show();
  }
  document.querySelectorAll(".hl-map").forEach(setup);
})();
