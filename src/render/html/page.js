"use strict";
// Interaction only: the page reads the same without it. Tooltips for the treemap's symbols
// (their names come from the report embedded below, so the page carries them once), sorting
// by a table's headers, and Escape to leave a zoomed crate. No request leaves the page.
(function () {
  var report = null;
  try {
    report = JSON.parse(document.getElementById("aotcheck-report").textContent);
  } catch (e) {
    report = null;
  }

  // A count with thousands separators, as the page's other counts are.
  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  // Bytes as the report's own text writes them: 512 B, 1.35 MiB, 12.3 KiB, 150 MiB.
  function size(n) {
    var units = ["KiB", "MiB", "GiB", "TiB"];
    if (n < 1024) { return n + " B"; }
    var v = n / 1024, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
    return v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2) + " " + units[u];
  }

  function symbolText(el) {
    var fig = el.closest("figure.treemap");
    if (!report || !fig) { return null; }
    var a = report.artifacts[Number(fig.id.slice(3))];
    var at = el.getAttribute("data-r").split(".");
    var m = a && a.binary.crate_symbols[Number(at[0])];
    if (!m) { return null; }
    var k = Number(at[1]);
    if (k >= m.symbols.length) {
      return thousands(m.more) + " more, " + size(m.more_vm_size) + ": the smaller symbols of " + m.crate;
    }
    var r = m.symbols[k];
    var t = r.name + "\n" + size(r.vm_size) + " loaded, " + size(r.file_size) + " in the file · " +
      (r.section || "no section") + " · " + r.confidence + "\ncrate " + m.crate;
    if (r.instantiated_in) { t += " · instantiated in " + r.instantiated_in; }
    if (r.retained_size != null) { t += "\nretained " + size(r.retained_size); }
    return t + "\n(click to zoom into the crate)";
  }

  var tip = document.createElement("div");
  tip.className = "tip";
  tip.hidden = true;
  document.body.appendChild(tip);
  document.addEventListener("mousemove", function (ev) {
    var el = ev.target.closest && ev.target.closest("[data-r]");
    var t = el ? symbolText(el) : null;
    if (!t) { tip.hidden = true; return; }
    tip.textContent = t;
    tip.hidden = false;
    var x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    var y = ev.clientY + 16;
    if (y + tip.offsetHeight > window.innerHeight) { y = ev.clientY - tip.offsetHeight - 10; }
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, y) + "px";
  });

  function key(td) {
    var v = td.getAttribute("data-v");
    if (v === null) { return td.textContent.toLowerCase(); }
    var n = parseFloat(v);
    return isNaN(n) ? -Infinity : n;
  }

  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var desc = th.getAttribute("aria-sort") !== "descending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      var o = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -o : o;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.classList.add("sorter");
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(table, col, th); }
      });
    });
  });

  document.addEventListener("keydown", function (ev) {
    var m = /^#z-(\d+)-\d+$/.exec(location.hash);
    if (ev.key === "Escape" && m) { location.hash = "#tm-" + m[1]; }
  });

  // Printed (or saved as PDF), every folded section is open, and closed again after: a
  // printout has nothing to click (the style sheet shows them too where scripts do not run).
  // Not a table cell's list (a crate's entry points), whose count its summary gives.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) {
      return !d.open && !d.closest("td");
    });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
