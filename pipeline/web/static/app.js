// certriage reviewer UI: keyboard triage, finding highlights, logged reveal. No framework.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function go(a) { if (a && a.href) { window.location.href = a.href; } }

  // ---- queue: j/k move the selection, Enter opens, / searches
  function initQueue() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]"));
    var sel = -1;
    function select(i) {
      if (!rows.length) { return; }
      sel = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, j) { r.classList.toggle("sel", j === sel); });
      rows[sel].scrollIntoView({ block: "nearest" });
    }
    rows.forEach(function (r, i) {
      r.addEventListener("click", function (e) {
        if (e.target.closest("a")) { return; }
        window.location.href = r.getAttribute("data-href");
      });
      r.addEventListener("mouseenter", function () { sel = i; rows.forEach(function (x, j) { x.classList.toggle("sel", j === i); }); });
    });
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
      if (e.key === "j") { select(sel + 1); e.preventDefault(); }
      else if (e.key === "k") { select(sel - 1); e.preventDefault(); }
      else if (e.key === "Enter" && sel >= 0) { window.location.href = rows[sel].getAttribute("data-href"); }
      else if (e.key === "/") { var q = document.querySelector("input[name=q]"); if (q) { q.focus(); e.preventDefault(); } }
    });
  }

  // ---- applicant: highlight a finding's boxes and pages
  function initApplicant() {
    var items = Array.prototype.slice.call(document.querySelectorAll("li.finding"));
    var current = -1;
    function highlight(i, scroll) {
      current = i;
      items.forEach(function (li, j) { li.classList.toggle("active", j === i); });
      document.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
      var sel = '[data-findings~="' + i + '"]';
      var hits = Array.prototype.slice.call(document.querySelectorAll(".ov" + sel + ", figure.page" + sel));
      hits.forEach(function (el) {
        el.classList.add("hl");
        var fig = el.closest("figure.page");
        if (fig) { fig.classList.add("has-hl"); }
      });
      if (scroll && hits.length) { hits[0].scrollIntoView({ block: "center", behavior: "smooth" }); }
    }
    items.forEach(function (li, i) {
      li.addEventListener("click", function (e) {
        var link = e.target.closest("a");
        if (link && !link.classList.contains("ref")) { return; }  // evidence crops open normally
        if (link && link.classList.contains("other")) { return; }
        if (link) { e.preventDefault(); }
        highlight(i, !link);
        if (link) {
          var fig = document.getElementById(link.getAttribute("data-page"));
          var box = fig && fig.querySelector('.ov[data-findings~="' + i + '"]');
          (box || fig).scrollIntoView({ block: "center", behavior: "smooth" });
        }
      });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { highlight(i, true); } });
    });
    document.querySelectorAll(".dochead a.ref").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        var fig = document.getElementById(a.getAttribute("data-page"));
        if (fig) { fig.scrollIntoView({ block: "start", behavior: "smooth" }); }
      });
    });
    if (items.length) { highlight(0, false); }

    document.querySelectorAll("input[data-toggle]").forEach(function (cb) {
      cb.addEventListener("change", function () { body.classList.toggle("hide-" + cb.getAttribute("data-toggle"), !cb.checked); });
    });

    var form = document.getElementById("decide");
    var note = document.getElementById("note");
    function decide(value) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "decision"; input.value = value;
      form.appendChild(input);
      form.querySelectorAll("button.act").forEach(function (b) { b.disabled = true; });
      form.submit();
    }
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (typing(e.target)) { if (e.key === "Escape") { e.target.blur(); } return; }
      var keys = { a: "approve", r: "reject", m: "more" };
      if (keys[e.key] && form) { e.preventDefault(); decide(keys[e.key]); }
      else if (e.key === "j") { go(document.getElementById("next")); }
      else if (e.key === "k") { go(document.getElementById("prev")); }
      else if (e.key === "f" && items.length) { highlight((current + 1) % items.length, true); }
      else if (e.key === "n" && note) { e.preventDefault(); note.focus(); }
    });

    var reveal = document.getElementById("reveal");
    if (reveal) {
      reveal.addEventListener("click", function () {
        reveal.disabled = true;
        fetch(reveal.getAttribute("data-url"), { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (data) {
            document.querySelectorAll("[data-secret]").forEach(function (el) {
              var v = data.values[parseInt(el.getAttribute("data-secret"), 10)];
              if (v !== undefined) { el.textContent = v; el.classList.add("revealed"); }
            });
            reveal.textContent = "已显示（已记录）";
          })
          .catch(function () { reveal.disabled = false; reveal.textContent = "显示失败，请重试"; });
      });
    }
  }

  function init() {
    if (body.classList.contains("queue-page")) { initQueue(); }
    if (body.classList.contains("applicant-page")) { initApplicant(); }
    var toast = document.getElementById("toast");
    if (toast) { setTimeout(function () { toast.classList.add("gone"); }, 3500); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
