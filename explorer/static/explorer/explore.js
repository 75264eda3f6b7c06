/* The explorer's map and timeline, both fed by the aggregates API with the page's filters:
   the map from per-place counts (per admin1 when a selection spans more places than one answer
   holds), clustered on a grid in the browser; the timeline from per-period counts. */
(function () {
  "use strict";

  var CLUSTER_PIXELS = 44; // places closer than this on screen share one circle

  function aggregateUrl(element, extra) {
    var query = element.dataset.query;
    return element.dataset.aggregateUrl + "?" + (query ? query + "&" : "") + extra;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      });
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function dominantType(types) {
    var best = null;
    Object.keys(types).forEach(function (type) {
      if (best === null || types[type] > types[best]) { best = type; }
    });
    return best;
  }

  /* Rows (place or admin1 × event type) into one entry per location. */
  function locations(rows, level) {
    var byId = {};
    rows.forEach(function (row) {
      var id = row[level + "_id"];
      if (id == null || row.latitude == null || row.longitude == null) { return; }
      var entry = byId[id] || (byId[id] = {
        id: id, name: row[level], country: row.country, lat: row.latitude, lng: row.longitude,
        events: 0, fatalities: 0, types: {}
      });
      entry.events += row.events;
      entry.fatalities += row.fatalities;
      entry.types[row.event_type] = (entry.types[row.event_type] || 0) + row.events;
    });
    return Object.keys(byId).map(function (id) { return byId[id]; });
  }

  function radius(fatalities) { return 5 + Math.min(25, 2 * Math.sqrt(fatalities)); }

  function drawMap(element) {
    var colours = JSON.parse(element.dataset.colours);
    var status = document.getElementById("map-status");
    var base = ChronicleBasemap(element);
    var map = base.map;
    var layer = L.layerGroup().addTo(map);
    var points = [];
    var level = "place";

    function placeUrl(id) {
      var query = element.dataset.query.split("&").filter(function (part) {
        return part && part.indexOf("place=") !== 0;
      });
      query.push("place=" + encodeURIComponent(id));
      return element.dataset.exploreUrl + "?" + query.join("&");
    }

    function popup(cluster) {
      if (cluster.members.length === 1) {
        var entry = cluster.members[0];
        var lines = Object.keys(entry.types).sort().map(function (type) {
          return "<li>" + escapeHtml(type) + ": " + entry.types[type] + "</li>";
        }).join("");
        return "<strong>" + escapeHtml(entry.name) + "</strong>" +
          (entry.country && entry.country !== entry.name ? ", " + escapeHtml(entry.country) : "") +
          "<br>" + entry.events + " events, " + entry.fatalities + " fatalities<ul>" + lines + "</ul>" +
          '<a href="' + escapeHtml(placeUrl(entry.id)) + '">Events here</a>';
      }
      return cluster.members.length + " places: " + cluster.events + " events, " +
        cluster.fatalities + " fatalities. Click again or zoom in to separate them.";
    }

    function cluster() {
      layer.clearLayers();
      var cells = {};
      points.forEach(function (entry) {
        var pixel = map.project([entry.lat, entry.lng], map.getZoom());
        var key = Math.floor(pixel.x / CLUSTER_PIXELS) + ":" + Math.floor(pixel.y / CLUSTER_PIXELS);
        var cell = cells[key] || (cells[key] = { members: [], events: 0, fatalities: 0, lat: 0, lng: 0, types: {} });
        cell.members.push(entry);
        cell.events += entry.events;
        cell.fatalities += entry.fatalities;
        cell.lat += entry.lat * entry.events;
        cell.lng += entry.lng * entry.events;
        Object.keys(entry.types).forEach(function (type) {
          cell.types[type] = (cell.types[type] || 0) + entry.types[type];
        });
      });
      var drawn = 0;
      Object.keys(cells).forEach(function (key) {
        var cell = cells[key];
        var center = [cell.lat / cell.events, cell.lng / cell.events];
        var several = cell.members.length > 1;
        var marker = L.circleMarker(center, {
          renderer: base.renderer,
          radius: radius(cell.fatalities) + (several ? 3 : 0),
          color: several ? "#222" : "#ffffff",
          weight: several ? 2 : 1,
          fillColor: colours[dominantType(cell.types)] || "#555",
          fillOpacity: 0.85
        }).bindPopup(popup(cell));
        if (several) {
          marker.on("dblclick", function () {
            map.fitBounds(L.latLngBounds(cell.members.map(function (m) { return [m.lat, m.lng]; })).pad(0.3));
          });
        }
        marker.addTo(layer);
        drawn += 1;
      });
      element.dataset.circles = String(drawn);
    }

    function load(by) {
      return getJson(aggregateUrl(element, "by=" + by + ",event_type")).then(function (answer) {
        if (!answer.ok && by === "place") { return load("admin1"); } // over the places an answer holds
        if (!answer.ok) { throw new Error(JSON.stringify(answer.body)); }
        level = by;
        return answer.body.results;
      });
    }

    Promise.all([load(element.dataset.level || "place"), base.outlines]).then(function (results) {
      points = locations(results[0], level);
      if (points.length) {
        map.fitBounds(L.latLngBounds(points.map(function (p) { return [p.lat, p.lng]; })).pad(0.2), { maxZoom: 7 });
      }
      map.on("zoomend", cluster);
      cluster();
      element.dataset.points = String(points.length);
      element.dataset.level = level;
      status.textContent = points.length
        ? points.length + (level === "place" ? (points.length === 1 ? " place" : " places")
          : " first-level divisions (too many events to map place by place: filter further)") +
          "; circles sized by fatalities, coloured by the most frequent event type."
        : "No events with coordinates match these filters.";
    }).catch(function (error) {
      status.textContent = "The map could not be loaded: " + error.message;
    });
  }

  function drawTimeline(canvas) {
    var colours = JSON.parse(canvas.dataset.colours);
    var status = document.getElementById("timeline-status");
    var period = canvas.dataset.period;
    getJson(aggregateUrl(canvas, "by=event_type&period=" + period + "&fill=1")).then(function (answer) {
      if (!answer.ok) { throw new Error(JSON.stringify(answer.body)); }
      var rows = answer.body.results;
      var periods = [], seen = {}, byType = {}, fatalities = {};
      rows.forEach(function (row) {
        if (!seen[row.period]) { seen[row.period] = true; periods.push(row.period); }
        (byType[row.event_type] || (byType[row.event_type] = {}))[row.period] = row.events;
        fatalities[row.period] = (fatalities[row.period] || 0) + row.fatalities;
      });
      periods.sort();
      var datasets = Object.keys(byType).sort().map(function (type) {
        return {
          type: "bar", label: type, stack: "events", yAxisID: "events",
          backgroundColor: colours[type] || "#555",
          data: periods.map(function (p) { return byType[type][p] || 0; })
        };
      });
      datasets.push({
        type: "line", label: "Fatalities", yAxisID: "fatalities", borderColor: "#111",
        backgroundColor: "#111", pointRadius: 2, borderWidth: 1.5,
        data: periods.map(function (p) { return fatalities[p] || 0; })
      });
      new Chart(canvas, {
        data: { labels: periods, datasets: datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            x: { stacked: true, title: { display: true, text: period === "week" ? "Week (from Saturday)" : "Month" } },
            events: { stacked: true, position: "left", beginAtZero: true, title: { display: true, text: "Events" } },
            fatalities: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "Fatalities" } }
          }
        }
      });
      canvas.dataset.periods = String(periods.length);
      status.textContent = periods.length ? "" : "No events match these filters.";
    }).catch(function (error) {
      status.textContent = "The timeline could not be loaded: " + error.message;
    });
  }

  // A shareable URL: leave the empty fields out of the query string.
  var form = document.getElementById("filters");
  if (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && !field.value) { field.disabled = true; }
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".swatch[data-colour]"), function (swatch) {
    swatch.style.backgroundColor = swatch.dataset.colour;
  });
  var mapElement = document.getElementById("map");
  if (mapElement) { drawMap(mapElement); }
  var timeline = document.getElementById("timeline");
  if (timeline) { drawTimeline(timeline); }
})();
