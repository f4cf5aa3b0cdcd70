// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // A reply template fills the reply box, where the official can still edit it.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.dataset || !select.dataset.fills || !select.value) { return; }
    var box = document.getElementById(select.dataset.fills);
    if (box) { box.value = select.value; box.focus(); }
  });

  // Live: when a report is filed, the figures and the list refresh in place.
  var live = document.getElementById("live");
  var url = document.body.dataset.events;
  if (!live || !url || !window.EventSource) { return; }
  var source = new EventSource(url);
  source.addEventListener("report", function () {
    if (window.htmx) {
      window.htmx.ajax("GET", window.location.href, {target: "#live", select: "#live", swap: "outerHTML"});
    } else {
      window.location.reload();
    }
  });
})();

// Maps: a report's point, or the filtered list's points; without tiles the page still works.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || !window.L) { return; }
  var map = window.L.map(box);
  window.L.tileLayer(box.dataset.tiles, {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
  if (box.dataset.lat) {
    var point = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lng)];
    window.L.marker(point).addTo(map);
    map.setView(point, 16);
    return;
  }
  fetch(box.dataset.points, {credentials: "same-origin"}).then(function (r) { return r.json(); })
    .then(function (points) {
      var bounds = [];
      points.forEach(function (p) {
        var marker = window.L.marker([p.lat, p.lng]).addTo(map);
        var link = document.createElement("a");
        link.href = p.url;
        link.textContent = p.code + " · " + p.category + " · " + p.status;
        marker.bindPopup(link);
        bounds.push([p.lat, p.lng]);
      });
      if (bounds.length) { map.fitBounds(bounds, {maxZoom: 16}); } else { map.setView([16.0, 106.0], 5); }
    });
})();
