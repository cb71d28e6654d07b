// Show or hide questions whose show_if depends on an answer on the same page.
// Hidden questions have their inputs disabled, so they are not sent. Without JavaScript every
// question stays visible and the server checks the rule on save.
(function () {
  "use strict";
  var form = document.querySelector("form.questionnaire");
  if (!form) { return; }
  var dependents = form.querySelectorAll("[data-show-if-item]");
  if (!dependents.length) { return; }

  function answerOf(name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value !== "") {
        values.push(input.value);
      }
    });
    return values;
  }

  function holds(block) {
    var values = answerOf(block.dataset.showIfItem);
    var op = block.dataset.showIfOp;
    var expected = block.dataset.showIfValue;
    if (!values.length || values.indexOf("na") !== -1) { return false; }
    if (op === "equals") { return values[0] === expected; }
    if (op === "not_equals") { return values[0] !== expected; }
    if (op === "selected") { return values.indexOf(expected) !== -1; }
    if (op === "above") { return parseFloat(values[0]) > parseFloat(expected); }
    if (op === "below") { return parseFloat(values[0]) < parseFloat(expected); }
    return true;
  }

  function update() {
    dependents.forEach(function (block) {
      if (!form.querySelector('[name="' + block.dataset.showIfItem + '"]')) { return; }
      var show = holds(block);
      block.hidden = !show;
      block.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  form.addEventListener("change", update);
  update();
})();

// An exclusive option ("none of these", data-exclusive) clears the other choices of its question,
// and choosing another option clears it. Without JavaScript the server refuses the combination.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked) { return; }
    var group = box.closest("fieldset");
    if (!group || !group.querySelector("input[data-exclusive]")) { return; }
    group.querySelectorAll('input[type="checkbox"][name="' + box.name + '"]').forEach(function (other) {
      if (other === box) { return; }
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) { other.checked = false; }
    });
  });
})();
