/* The planner's desk: the map beside the week board, selection in both directions, and drag and drop.
 *
 * Everything here is an enhancement of a page that works without it: the board is the list the map mirrors, and
 * every drag has a form twin (the stop's "Move" form, which a drop fills in and sends). The data comes from the
 * board's own markup (data-* attributes), so the map can never show another week than the board. Names are put
 * into the page with textContent only: nothing is parsed as HTML. Loaded with `defer`, after Leaflet.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var notices = document.querySelector(".notices");
  if (notices) {
    var close = notices.querySelector(".close-notices");
    close.hidden = false;
    close.addEventListener("click", function () { notices.remove(); });
  }

  var board = document.getElementById("board");
  if (!board) {
    return;
  }
  var stops = Array.prototype.slice.call(board.querySelectorAll("li.stop"));
  var colours = {};
  board.querySelectorAll("th[data-vehicle]").forEach(function (th) {
    colours[th.dataset.vehicle] = th.dataset.colour;
    var swatch = th.querySelector(".swatch");
    if (swatch) {
      swatch.style.background = th.dataset.colour;
    }
  });

  function stopKey(li) {
    return li.dataset.vehicle + "|" + li.dataset.day + "|" + li.dataset.place;
  }

  /* ---- the map ---- */
  var mapBox = document.getElementById("desk-map");
  var markers = {};
  var map = null;
  if (mapBox && window.L) {
    map = L.map(mapBox, { maxZoom: 12 });
    if (mapBox.dataset.tilesUrl) {
      L.tileLayer(mapBox.dataset.tilesUrl, { attribution: mapBox.dataset.tilesAttribution, maxZoom: 12 }).addTo(map);
    }
    fit(stops); // a view first: Leaflet draws vector layers only on a map that has one
    var routes = {};
    stops.forEach(function (li) {
      (routes[li.dataset.vehicle] = routes[li.dataset.vehicle] || []).push(li);
    });
    Object.keys(routes).forEach(function (vehicle) {
      var line = routes[vehicle]
        .slice()
        .sort(function (a, b) { return Number(a.dataset.order) - Number(b.dataset.order); })
        .map(function (li) { return [Number(li.dataset.lat), Number(li.dataset.lon)]; });
      L.polyline(line, { color: colours[vehicle], weight: 2, opacity: 0.6, interactive: false }).addTo(map);
    });
    stops.forEach(function (li) {
      var point = [Number(li.dataset.lat), Number(li.dataset.lon)];
      var colour = colours[li.dataset.vehicle] || "#0b3d91";
      var marker = L.circleMarker(point, { radius: 7, color: "#1d232a", weight: 1, fillColor: colour, fillOpacity: 0.9 });
      var tip = document.createElement("span");
      tip.textContent = li.dataset.order + ". " + li.dataset.label + " · " + li.dataset.vehicle + " · " + li.dataset.day;
      marker.bindTooltip(tip);
      marker.on("click", function () {
        select([li], false);
        li.scrollIntoView({ block: "nearest", inline: "nearest" });
        var button = li.querySelector("button.stop-name");
        if (button) {
          button.focus({ preventScroll: true });
        }
      });
      marker.addTo(map);
      markers[stopKey(li)] = marker;
    });
  }

  function fit(selected) {
    if (!map) {
      return;
    }
    if (!selected.length) {
      map.setView([40.3, 47.7], 7);
      return;
    }
    var bounds = L.latLngBounds(selected.map(function (li) { return [Number(li.dataset.lat), Number(li.dataset.lon)]; }));
    map.fitBounds(bounds, { maxZoom: 10, padding: [30, 30] });
  }

  /* ---- selection, both ways ---- */
  var current = [];
  function select(chosen, moveMap) {
    current.forEach(function (li) {
      li.classList.remove("selected");
      var marker = markers[stopKey(li)];
      if (marker) {
        marker.setStyle({ radius: 7, weight: 1, color: "#1d232a" });
      }
    });
    current = chosen;
    chosen.forEach(function (li) {
      li.classList.add("selected");
      var marker = markers[stopKey(li)];
      if (marker) {
        marker.setStyle({ radius: 11, weight: 4, color: "#f5a623" });
        marker.bringToFront();
      }
    });
    if (moveMap) {
      fit(chosen);
      if (chosen.length === 1 && markers[stopKey(chosen[0])]) {
        markers[stopKey(chosen[0])].openTooltip();
      }
    }
  }

  board.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-select]");
    if (button) {
      if (button.dataset.select === "stop") {
        select([button.closest("li.stop")], true);
      } else {
        select(stops.filter(function (li) { return li.dataset.vehicle === button.dataset.vehicle; }), true);
      }
      return;
    }
    if (event.target.closest("button, a, select, input, summary, form")) {
      return;
    }
    var cell = event.target.closest("td.cell");
    if (cell) {
      select(Array.prototype.slice.call(cell.querySelectorAll("li.stop")), true);
    }
  });

  /* A link to a cell (a displacing stop in the requests left out, or the page's return after an edit) selects the
     cell's stops on the map too. */
  function selectLinkedCell() {
    var cell = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (cell && cell.matches("td.cell")) {
      select(Array.prototype.slice.call(cell.querySelectorAll("li.stop")), true);
    }
  }
  window.addEventListener("hashchange", selectLinkedCell);
  selectLinkedCell();

  /* ---- drag and drop: a drop fills in the stop's Move form and sends it ---- */
  if (board.dataset.editable !== "true") {
    return;
  }
  var dragged = null;
  function clearTargets() {
    board.querySelectorAll("td.drop-target").forEach(function (td) { td.classList.remove("drop-target"); });
  }
  stops.forEach(function (li) {
    if (li.getAttribute("draggable") !== "true") {
      return;
    }
    li.addEventListener("dragstart", function (event) {
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", stopKey(li));
    });
    li.addEventListener("dragend", function () {
      li.classList.remove("dragging");
      dragged = null;
      clearTargets();
    });
  });
  function target(event) {
    var cell = event.target.closest("td.cell.service");
    if (!dragged || !cell) {
      return null;
    }
    if (cell.dataset.vehicle === dragged.dataset.vehicle && cell.dataset.day === dragged.dataset.day) {
      return null;
    }
    return cell;
  }
  board.addEventListener("dragover", function (event) {
    var cell = target(event);
    if (cell) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearTargets();
      cell.classList.add("drop-target");
    }
  });
  board.addEventListener("drop", function (event) {
    var cell = target(event);
    if (!cell) {
      return;
    }
    event.preventDefault();
    var form = dragged.querySelector("form.move-form");
    if (!form) {
      return;
    }
    form.querySelector("select[name=to_vehicle]").value = cell.dataset.vehicle;
    form.querySelector("select[name=to_day]").value = cell.dataset.day;
    cell.classList.add("drop-sent");
    form.submit();
  });

  window.seferDesk = { map: map, markers: markers, select: select };
})();
