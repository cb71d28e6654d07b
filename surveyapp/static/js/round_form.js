// The round form: show only the departments of the chosen agency (the server refuses the others anyway).
(function () {
  "use strict";
  var select = document.querySelector("select[data-round-agency]");
  if (!select) { return; }
  var mapping = JSON.parse(select.dataset.departments || "{}");
  var boxes = document.querySelectorAll("input[name=department_ids]");

  function follow() {
    var allowed = mapping[select.value] || [];
    boxes.forEach(function (box) {
      var show = allowed.indexOf(parseInt(box.value, 10)) !== -1;
      var row = box.closest(".choice") || box.parentElement;
      row.hidden = !show;
      if (!show) { box.checked = false; }
    });
  }
  select.addEventListener("change", follow);
  follow();
}());
