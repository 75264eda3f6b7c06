/* The event page's small map: the event's place on the offline basemap. */
(function () {
  "use strict";
  var element = document.getElementById("event-map");
  if (!element) { return; }
  var latitude = parseFloat(element.dataset.latitude);
  var longitude = parseFloat(element.dataset.longitude);
  var base = ChronicleBasemap(element, { scrollWheelZoom: false });
  base.map.setView([latitude, longitude], 5);
  base.outlines.then(function () {
    L.circleMarker([latitude, longitude], {
      renderer: base.renderer,
      radius: 7,
      color: "#222",
      weight: 1,
      fillColor: element.dataset.colour,
      fillOpacity: 0.9
    }).bindTooltip(element.dataset.label).addTo(base.map);
    element.dataset.drawn = "1";
  });
})();
