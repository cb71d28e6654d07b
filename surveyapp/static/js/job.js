// Poll a bulk export's status and update the progress bar until it finishes; then reload the page, which
// the server renders with only what applies (download when the ZIP is ready, retry when something is missing).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = document.getElementById("job-progress");
  var label = document.getElementById("job-label");
  var status = document.getElementById("job-status");
  var failures = document.getElementById("job-failures");
  var template = label.textContent.replace(/\d+/, "{done}").replace(/\d+/, "{total}");

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.max = job.total || 1;
        bar.value = job.done;
        label.textContent = template.replace("{done}", job.done).replace("{total}", job.total);
        status.textContent = job.status_label;
        failures.textContent = "";
        Object.keys(job.failures).forEach(function (code) {
          var item = document.createElement("li");
          item.textContent = code + ": " + job.failures[code];
          failures.appendChild(item);
        });
        if (job.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
