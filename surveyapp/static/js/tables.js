// Wide tables (macros/tables.html): when a table is wider than its region, say so above it
// ("scroll sideways"), so people on a phone know there are more columns. Progressive enhancement:
// without this script the region still scrolls, by keyboard too, and its edge shadows show it.
(function () {
  "use strict";
  var hint = document.body.getAttribute("data-scroll-hint") || "";
  function update() {
    document.querySelectorAll(".table-scroll").forEach(function (region) {
      var note = region.previousElementSibling;
      var hasNote = note && note.classList.contains("scroll-hint");
      var overflowing = region.scrollWidth > region.clientWidth + 1;
      if (overflowing && !hasNote && hint) {
        note = document.createElement("p");
        note.className = "scroll-hint";
        note.textContent = hint;
        region.parentNode.insertBefore(note, region);
      } else if (!overflowing && hasNote) {
        note.remove();
      }
    });
  }
  update();
  window.addEventListener("resize", update);
})();
