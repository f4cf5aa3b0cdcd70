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
