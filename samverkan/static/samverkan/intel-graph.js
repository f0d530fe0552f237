/* The network graph: reads nodes and edges from the page's JSON endpoint and draws
   them with cytoscape.js. The same facts are in the tables below the graph. */
(function () {
  "use strict";

  var COLOURS = {
    item: "#10346b", phone: "#a4161a", email: "#7a4b00", url: "#005a9c", handle: "#5b2a86",
    name: "#1e6b34", vehicle: "#4a5160", image_hash: "#8a3b12", address: "#2f5d62"
  };

  function start() {
    var container = document.getElementById("intel-graph");
    var status = document.getElementById("intel-graph-status");
    if (!container || typeof window.cytoscape !== "function") {
      return;
    }
    var linkBase = container.getAttribute("data-link-base");
    fetch(container.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (graph) {
        var elements = [];
        graph.nodes.forEach(function (node) {
          elements.push({ group: "nodes", data: {
            id: node.id, label: node.label, kind: node.kind, url: node.url || "",
            glue: node.data && node.data.glue ? "yes" : "no"
          } });
        });
        graph.edges.forEach(function (edge) {
          elements.push({ group: "edges", data: {
            id: edge.id, source: edge.source, target: edge.target, kind: edge.kind,
            label: edge.kind === "linked" ? edge.label : "", weight: edge.weight || 0
          } });
        });
        var cy = window.cytoscape({
          container: container,
          elements: elements,
          wheelSensitivity: 0.3,
          style: [
            { selector: "node", style: {
              "label": "data(label)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 90,
              "width": 14, "height": 14, "color": "#1b1e23",
              "background-color": function (n) { return COLOURS[n.data("kind")] || "#4a5160"; }
            } },
            { selector: "node[kind = 'item']", style: { "shape": "round-rectangle", "width": 18, "height": 18 } },
            { selector: "node[glue = 'yes']", style: { "border-width": 3, "border-color": "#ffbf47" } },
            { selector: "edge", style: { "width": 1, "line-color": "#c9ced6", "curve-style": "haystack" } },
            { selector: "edge[kind = 'linked']", style: {
              "line-color": "#10346b", "curve-style": "bezier", "label": "data(label)", "font-size": 8,
              "width": function (e) { return Math.max(1.5, Math.min(8, (e.data("weight") || 6) / 3)); }
            } },
            { selector: ":selected", style: { "border-width": 4, "border-color": "#ffbf47" } },
            { selector: ".filtered", style: { "display": "none" } },
            { selector: ".faded", style: { "opacity": 0.12 } },
            { selector: "node.focus", style: { "border-width": 4, "border-color": "#ffbf47", "font-size": 11, "font-weight": "bold" } }
          ],
          // The force-directed layout reads best, but is slow past a few hundred nodes.
          layout: elements.length < 600
            ? { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000, numIter: 600 }
            : { name: "concentric", animate: false, minNodeSpacing: 6,
                concentric: function (n) { return n.data("kind") === "item" ? 2 : 1; }, levelWidth: function () { return 1; } }
        });
        var controls = controlsFor(cy, container, status);
        // The first tap focuses a node on its neighbours; a second tap on it opens the item.
        cy.on("tap", "node", function (event) {
          var node = event.target;
          if (node.hasClass("focus")) {
            var url = node.data("url");
            if (url) { window.location.assign(url); }
            return;
          }
          controls.focus(node.id());
        });
        cy.on("tap", function (event) {
          if (event.target === cy) { controls.focus(""); }
        });
        cy.on("tap", "edge[kind = 'linked']", function (event) {
          if (linkBase) { window.location.assign(linkBase + event.target.id().slice(2) + "/"); }
        });
        if (controls.element) { controls.element.hidden = false; }
        if (status) {
          status.textContent = container.getAttribute("data-drawn")
            .replace("%(nodes)s", String(graph.nodes.length)).replace("%(edges)s", String(graph.edges.length));
        }
      })
      .catch(function () {
        if (status) { status.textContent = container.getAttribute("data-failed"); }
      });
  }

  /* Zoom, the filter by kind of evidence and the focus on a node's neighbours. */
  function controlsFor(cy, container, status) {
    var element = document.getElementById("graph-controls");
    var select = document.getElementById("graph-focus");
    function say(text) { if (status) { status.textContent = text; } }
    function focus(id) {
      cy.elements().removeClass("faded focus");
      if (select) { select.value = id; }
      var node = id ? cy.getElementById(id) : null;
      if (!node || node.empty()) {
        cy.fit(cy.elements(":visible"), 20);
        say(container.getAttribute("data-unfocused"));
        return;
      }
      var near = node.closedNeighborhood();
      cy.elements().not(near).addClass("faded");
      node.addClass("focus");
      cy.fit(near, 40);
      say(container.getAttribute("data-focused")
        .replace("__NODE__", node.data("label")).replace("__N__", String(node.neighborhood("node").length)));
    }
    if (!element) { return { element: null, focus: focus }; }
    element.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "fit") { cy.fit(cy.elements(":visible"), 20); return; }
        var level = cy.zoom() * (how === "in" ? 1.4 : 1 / 1.4);
        cy.zoom({ level: level, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
      });
    });
    element.querySelectorAll("input[name=evidence]").forEach(function (box) {
      box.addEventListener("change", function () {
        var kind = box.value;
        var chosen = kind === "linked" ? cy.edges("[kind = 'linked']") : cy.nodes("[kind = '" + kind + "']");
        if (box.checked) { chosen.removeClass("filtered"); } else { chosen.addClass("filtered"); }
      });
    });
    if (select) {
      select.addEventListener("change", function () { focus(select.value); });
    }
    return { element: element, focus: focus };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
