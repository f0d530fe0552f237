/* The map (planning/map.html): areas' outlines (or tiles), points from the JSON endpoint,
   clusters per layer and a heat layer. Text goes in with textContent, never as HTML. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var strings = JSON.parse(document.getElementById("map-strings").textContent);
  var status = document.getElementById("map-status");
  // maxZoom: without tiles the map has none, and the clusters and the heat layer need one.
  var map = L.map(el, { zoomControl: true, minZoom: 4, maxZoom: 18 }).setView([59.33, 18.06], 10);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var areaNames = {};
  var areas = L.geoJSON(null, {
    style: function () { return { className: "map-area" }; },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(function () { return areaNames[feature.properties.code] || feature.properties.code; }, { className: "map-area-label", sticky: true });
    }
  }).addTo(map);

  function popup(point) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = point.label;
    box.appendChild(title);
    if (point.count && point.layer !== "venues" && point.layer !== "tips") {
      var count = document.createElement("div");
      count.textContent = point.count + " " + (point.layer === "networks" ? strings.items : strings.encounters);
      box.appendChild(count);
    }
    if (point.approximate) {
      var approx = document.createElement("div");
      approx.className = "help";
      approx.textContent = strings.approximate;
      box.appendChild(approx);
    }
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = strings.open;
    box.appendChild(document.createElement("br"));
    box.appendChild(link);
    return box;
  }

  function marker(point) {
    var text = point.layer === "encounters" || point.layer === "networks" ? String(point.count) : "";
    var icon = L.divIcon({ className: "map-marker map-marker--" + point.layer, html: "<span></span>", iconSize: [22, 22] });
    var m = L.marker([point.lat, point.lon], { icon: icon, title: point.label, keyboard: true });
    m.on("add", function () { var span = m.getElement() && m.getElement().querySelector("span"); if (span) { span.textContent = text; } });
    m.bindPopup(function () { return popup(point); });
    return m;
  }

  var overlays = {};
  var control = L.control.layers(null, {}, { collapsed: window.innerWidth < 700 }).addTo(map);

  function show(data) {
    Object.keys(data.areas || {}).forEach(function (code) { areaNames[code] = data.areas[code]; });
    var groups = {};
    var heat = [];
    data.points.forEach(function (point) {
      if (data.layers.indexOf(point.layer) !== -1) {
        if (!groups[point.layer]) { groups[point.layer] = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 }); }
        groups[point.layer].addLayer(marker(point));
      }
      if (point.layer === "encounters" || point.layer === "tips") { heat.push([point.lat, point.lon, Math.min(1, 0.2 + point.count / 20)]); }
    });
    Object.keys(groups).forEach(function (layer) {
      groups[layer].addTo(map);
      overlays[layer] = groups[layer];
      control.addOverlay(groups[layer], strings[layer] || layer);
    });
    if (data.layers.indexOf("heat") !== -1 && heat.length && L.heatLayer) {
      var heatLayer = L.heatLayer(heat, { radius: 25, blur: 20, maxZoom: 14 }).addTo(map);
      control.addOverlay(heatLayer, strings.heat);
    }
    var shown = data.points.filter(function (p) { return data.layers.indexOf(p.layer) !== -1; });
    if (shown.length) {
      map.fitBounds(L.latLngBounds(shown.map(function (p) { return [p.lat, p.lon]; })).pad(0.2), { maxZoom: 15 });
    }
    var counts = Object.keys(data.counts).map(function (k) { return (strings[k] || k) + ": " + data.counts[k]; });
    status.textContent = counts.join(" · ");
    el.dataset.loaded = String(data.points.length);
  }

  fetch(el.dataset.areas, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (geo) {
      areas.addData(geo);
      /* The view follows the points (show); the areas only colour the map. */
    })
    .catch(function () { /* the points still show */ });
  fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(show)
    .catch(function () { status.textContent = strings.error; el.dataset.loaded = "error"; });
})();
