// The review screen: select a field, show its page with its box highlighted, zoom on it;
// keys for next/previous field, accept and approve. Everything works without it too.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Every page's box layer takes the pixel size of its image, the frame the boxes are in.
    document.querySelectorAll(".sheet img").forEach(function (img) {
      function size() {
        var svg = img.parentElement.querySelector("svg");
        if (img.naturalWidth) svg.setAttribute("viewBox", "0 0 " + img.naturalWidth + " " + img.naturalHeight);
        if (current) drawZoom(current);
      }
      if (img.complete) size();
      img.addEventListener("load", size);
    });

    var fields = Array.prototype.slice.call(document.querySelectorAll("form.field"));
    if (!fields.length) return;
    var current = null;
    var pages = document.querySelectorAll(".page");
    var zoom = document.getElementById("zoom");
    var zoomLabel = document.getElementById("zoom-label");

    function pageOf(form) {
      return document.querySelector('.page[data-doc="' + form.dataset.doc + '"][data-page="' + form.dataset.page + '"]')
        || document.querySelector('.page[data-doc="' + form.dataset.doc + '"]');
    }

    function box(form) {
      var b = (form.dataset.box || "").split(",").map(Number);
      return b.length === 4 && !isNaN(b[0]) ? b : null;
    }

    function drawZoom(form) {
      if (!zoom) return;
      var ctx = zoom.getContext("2d");
      ctx.fillStyle = "#fafafa";
      ctx.fillRect(0, 0, zoom.width, zoom.height);
      var page = pageOf(form);
      var img = page && page.querySelector("img");
      var b = box(form);
      var label = form.querySelector("label");
      zoomLabel.textContent = (label ? label.textContent : "") + (b ? "" : " — tidak ada kotak pada halaman");
      if (!img || !b || !img.complete || !img.naturalWidth) return;
      var pad = Math.max(20, b[3]);
      var sx = Math.max(0, b[0] - pad), sy = Math.max(0, b[1] - pad);
      var sw = Math.min(img.naturalWidth - sx, b[2] + 2 * pad), sh = Math.min(img.naturalHeight - sy, b[3] + 2 * pad);
      var scale = Math.min(zoom.width / sw, zoom.height / sh);
      var dw = sw * scale, dh = sh * scale;
      var dx = (zoom.width - dw) / 2, dy = (zoom.height - dh) / 2;
      ctx.drawImage(img, sx, sy, sw, sh, dx, dy, dw, dh);
      ctx.strokeStyle = "#e0a800";
      ctx.lineWidth = 3;
      ctx.strokeRect(dx + (b[0] - sx) * scale, dy + (b[1] - sy) * scale, b[2] * scale, b[3] * scale);
    }

    function select(form, focus) {
      if (current) current.classList.remove("selected");
      document.querySelectorAll("rect.selected").forEach(function (r) { r.classList.remove("selected"); });
      current = form;
      form.classList.add("selected");
      var page = pageOf(form);
      pages.forEach(function (p) { p.classList.toggle("shown", p === page); });
      var rect = document.querySelector('rect[data-key="' + form.dataset.key + '"]');
      if (rect) {
        rect.classList.add("selected");
        var img = page.querySelector("img");
        var b = box(form);
        var viewer = document.querySelector(".viewer");
        if (b && img && img.naturalHeight) {
          var y = page.offsetTop + (b[1] / img.naturalHeight) * img.clientHeight - viewer.clientHeight / 2;
          viewer.scrollTop = Math.max(0, y);
        }
      }
      drawZoom(form);
      if (focus !== false) {
        var input = form.querySelector("input.value");
        if (input) { input.focus(); input.select(); }
      }
      form.scrollIntoView({ block: "nearest" });
    }

    function move(step) {
      var i = fields.indexOf(current);
      var next = fields[Math.min(fields.length - 1, Math.max(0, i + step))];
      select(next);
    }

    fields.forEach(function (form, i) {
      form.addEventListener("focusin", function () { if (current !== form) select(form, false); });
      form.addEventListener("click", function () { if (current !== form) select(form, false); });
      form.addEventListener("submit", function () {
        var next = fields[i + 1];
        var hidden = form.querySelector('input[name="next_key"]');
        if (hidden && next) hidden.value = next.dataset.key;
      });
    });
    document.querySelectorAll("rect[data-key]").forEach(function (rect) {
      rect.addEventListener("click", function () {
        var form = document.getElementById("f-" + rect.dataset.key);
        if (form) select(form);
      });
    });

    document.addEventListener("keydown", function (e) {
      var typing = e.target.matches && e.target.matches("input, textarea, select");
      if ((e.altKey && e.key === "ArrowDown") || (!typing && e.key === "j")) { e.preventDefault(); move(1); }
      else if ((e.altKey && e.key === "ArrowUp") || (!typing && e.key === "k")) { e.preventDefault(); move(-1); }
      else if (e.altKey && (e.key === "a" || e.key === "A")) {
        var accept = current && current.querySelector("button.accept");
        if (accept) { e.preventDefault(); accept.click(); }
      } else if (e.altKey && (e.key === "s" || e.key === "S")) {
        var approve = document.getElementById("approve");
        if (approve) { e.preventDefault(); approve.click(); }
      }
    });

    var wanted = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var firstLow = document.querySelector("form.field.low");
    select(wanted && wanted.matches("form.field") ? wanted : (firstLow || fields[0]));
  });
})();
