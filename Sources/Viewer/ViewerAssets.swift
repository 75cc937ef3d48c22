/// The viewer's script and style sheet, served as `/assets/viewer.js` and `/assets/viewer.css`.
///
/// The script opens the slide's Deep Zoom pyramid in OpenSeadragon, adds one tiled image per
/// overlay layer (PNG tiles with alpha over the same pyramid), toggles them with the checkboxes,
/// sets their opacity with the slider, draws the colour bar of the shown heat map, and reports the
/// word under the pointer (or clicked, or at the centre with the `i` key) from `/data/<id>.json`.
/// `?layers=words,topbags&opacity=0.8` sets the initial layers and opacity.
/// It records what it has drawn in `data-` attributes of `<body>` (`data-drawn-slide`,
/// `data-drawn-overlays`, `data-errors`) so tests can read them from the DOM.
enum ViewerAssets {
    static let script = #"""
    "use strict";
    (function () {
      var body = document.body;
      var errors = [];
      function recordError(message) {
        errors.push(String(message));
        body.setAttribute("data-errors", errors.join(" | "));
      }
      window.addEventListener("error", function (event) { recordError(event.message); });
      var slideID = body.getAttribute("data-slide");
      var info = document.getElementById("word-info");
      var opacity = document.getElementById("opacity");
      var legendBar = document.querySelector("#legend .bar");
      var legendLow = document.getElementById("legend-low");
      var legendHigh = document.getElementById("legend-high");
      var drawn = { slide: 0, overlays: 0 };

      fetch("/data/" + encodeURIComponent(slideID) + ".json").then(function (response) {
        if (!response.ok) { throw new Error("slide data: HTTP " + response.status); }
        return response.json();
      }).then(start).catch(function (error) { recordError(error); info.textContent = "Cannot load the slide: " + error; });

      function start(data) {
        var viewer = OpenSeadragon({
          id: "view",
          prefixUrl: "/static/images/",
          tileSources: data.dzi,
          showNavigator: true,
          maxZoomPixelRatio: 2,
          visibilityRatio: 1,
          constrainDuringPan: true,
          zoomPerScroll: 2,
          timeout: 120000
        });
        var layers = {};
        var boxes = document.querySelectorAll("input[data-layer]");
        // ?layers=a,b&opacity=x set the initial state (shareable links; the browser test uses them).
        var query = new URLSearchParams(window.location.search);
        if (query.has("layers")) {
          var wanted = query.get("layers").split(",");
          Array.prototype.forEach.call(boxes, function (box) { box.checked = wanted.indexOf(box.getAttribute("data-layer")) >= 0; });
        }
        var requestedOpacity = parseFloat(query.get("opacity"));
        if (requestedOpacity >= 0 && requestedOpacity <= 1) { opacity.value = String(requestedOpacity); }

        function isShown(name) {
          var box = document.querySelector("input[data-layer='" + name + "']");
          return box !== null && box.checked;
        }
        function applyOpacity() {
          Object.keys(layers).forEach(function (name) {
            layers[name].setOpacity(isShown(name) ? parseFloat(opacity.value) : 0);
          });
          updateLegend();
        }
        function updateLegend() {
          var heat = isShown("words") ? ["words", data.word_score_range, "word score"]
            : isShown("bags") ? ["bags", data.bag_score_range, "bag score"] : null;
          if (heat === null) {
            legendBar.parentNode.hidden = true;
            return;
          }
          legendBar.parentNode.hidden = false;
          legendBar.style.background = "linear-gradient(to right, " + data.colormap.join(", ") + ")";
          legendLow.textContent = heat[1][0].toPrecision(3);
          legendHigh.textContent = heat[1][1].toPrecision(3) + " (" + heat[2] + ")";
        }

        viewer.addHandler("tile-drawn", function (event) {
          if (event.tiledImage === viewer.world.getItemAt(0)) { drawn.slide += 1; } else { drawn.overlays += 1; }
          body.setAttribute("data-drawn-slide", String(drawn.slide));
          body.setAttribute("data-drawn-overlays", String(drawn.overlays));
        });
        viewer.addHandler("open-failed", function (event) { recordError("open failed: " + event.message); });
        viewer.addHandler("open", function () {
          data.layers.forEach(function (layer) {
            viewer.addTiledImage({
              tileSource: layer.dzi,
              opacity: 0,
              success: function (event) { layers[layer.name] = event.item; applyOpacity(); },
              error: function (event) { recordError("overlay " + layer.name + ": " + event.message); }
            });
          });
        });
        Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", applyOpacity); });
        opacity.addEventListener("input", applyOpacity);
        updateLegend();

        function describe(point) {
          var x = point.x, y = point.y;
          for (var i = 0; i < data.words.length; i += 1) {
            var w = data.words[i];
            if (x >= w[0] && x < w[0] + w[2] && y >= w[1] && y < w[1] + w[3]) {
              var bag = data.bags.find(function (b) { return b[6] === w[6]; });
              return "Word score " + w[4].toPrecision(4) + ", rank " + (w[5] + 1) + " of " + data.word_count
                + (w[7] ? " (top)" : "") + "; bag " + w[6]
                + (bag ? " (score " + bag[4].toPrecision(4) + ", rank " + (bag[5] + 1) + " of " + data.bag_count + ")" : "")
                + " at (" + Math.round(x) + ", " + Math.round(y) + ")";
            }
          }
          return "No word at (" + Math.round(x) + ", " + Math.round(y) + ")";
        }
        function slideItem() { return viewer.world.getItemAt(0); }
        new OpenSeadragon.MouseTracker({
          element: viewer.canvas,
          moveHandler: function (event) {
            if (slideItem() && data.words.length > 0) { info.textContent = describe(slideItem().viewerElementToImageCoordinates(event.position)); }
          }
        });
        viewer.addHandler("canvas-click", function (event) {
          if (event.quick && slideItem()) { info.textContent = describe(slideItem().viewerElementToImageCoordinates(event.position)); }
        });
        viewer.canvas.addEventListener("keydown", function (event) {
          if (event.key === "i" && slideItem()) { info.textContent = describe(slideItem().viewportToImageCoordinates(viewer.viewport.getCenter())); }
        });
      }
    })();
    """#

    static let style = #"""
    :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 16px; line-height: 1.45; }
    body { margin: 0; color: #1b1b1b; background: #fafafa; }
    a { color: #0645ad; }
    a:focus-visible, input:focus-visible, #view:focus-within { outline: 3px solid #ff8c00; outline-offset: 2px; }
    main.index { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
    main.index table { border-collapse: collapse; width: 100%; }
    main.index th, main.index td { padding: 0.4rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }
    main.index thead th { background: #eee; position: sticky; top: 0; }
    main.index tbody tr:hover { background: #f0f4ff; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; }
    td.correct { color: #0a6b0a; font-weight: 600; }
    td.wrong { color: #b00020; font-weight: 600; }
    body.viewer { display: flex; height: 100vh; overflow: hidden; }
    #panel { width: 20rem; flex: none; overflow-y: auto; padding: 1rem; box-sizing: border-box; background: #fff; border-right: 1px solid #ccc; }
    #panel h1 { font-size: 1.2rem; word-break: break-all; margin: 0.3rem 0; }
    #panel h2 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
    #panel dl { display: grid; grid-template-columns: auto 1fr; gap: 0.2rem 0.8rem; margin: 0; }
    #panel dd { margin: 0; font-weight: 600; }
    .probabilities { width: 100%; border-collapse: collapse; margin-top: 0.5rem; }
    .probabilities th { text-align: left; font-weight: normal; }
    .probabilities meter { width: 6rem; }
    ul.layers { list-style: none; padding: 0; margin: 0; }
    ul.layers li { padding: 0.15rem 0; }
    label.opacity { display: block; margin-top: 0.6rem; }
    label.opacity input { width: 100%; }
    #legend { display: flex; align-items: center; gap: 0.4rem; margin-top: 0.6rem; font-size: 0.85rem; }
    #legend .bar { flex: 1; height: 0.9rem; border: 1px solid #888; }
    #legend[hidden] { display: none; }
    #word-info { min-height: 4.5rem; font-variant-numeric: tabular-nums; }
    .dimensions { color: #555; margin: 0; }
    #view { flex: 1; height: 100vh; background: #222; }
    """#
}
