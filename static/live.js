// Live dashboards: on each projection position the server announces, refetch
// this page and swap every element marked data-live (same id) in place.
(function () {
  "use strict";
  var live = document.querySelectorAll("[data-live]");
  if (!live.length || !window.EventSource) { return; }
  var last = null, busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) { el.innerHTML = fresh.innerHTML; }
        });
        document.body.setAttribute("data-position", last);
      })
      .finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var source = new EventSource("/dashboard/live");
  source.addEventListener("position", function (e) {
    if (last !== null && e.data !== last) { last = e.data; refresh(); }
    else { last = e.data; document.body.setAttribute("data-position", last); }
  });
})();
