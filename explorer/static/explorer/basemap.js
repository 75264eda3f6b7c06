/* Chronicle's offline basemap: Leaflet drawing on canvas (no tiles, no WebGL) over the Natural
   Earth country outlines shipped with the project (world-atlas, converted by topojson-client). */
(function () {
  "use strict";

  function basemap(element, options) {
    var map = L.map(element, Object.assign({
      preferCanvas: true,
      worldCopyJump: false,
      minZoom: 1,
      maxZoom: 12,
      attributionControl: true
    }, options || {}));
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    map.setView([20, 20], 2);
    var renderer = L.canvas({ padding: 0.2 });
    var outlines = fetch(element.dataset.topology, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (topology) {
        var countries = topojson.feature(topology, topology.objects.countries);
        L.geoJSON(countries, {
          renderer: renderer,
          interactive: false,
          style: { color: "#8a8f98", weight: 0.6, fillColor: "#eef0f2", fillOpacity: 1 }
        }).addTo(map);
      });
    return { map: map, renderer: L.canvas({ padding: 0.2 }), outlines: outlines };
  }

  window.ChronicleBasemap = basemap;
})();
