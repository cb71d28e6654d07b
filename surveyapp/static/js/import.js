// Account import: say it is working while the accounts are created (about a second each), and when the
// passwords file has downloaded (the server sets a short-lived cookie) reload to show how many were created.
(function () {
  "use strict";
  var form = document.getElementById("account-import");
  if (!form) return;
  var COOKIE = "account_import_done";
  form.addEventListener("submit", function () {
    var status = form.querySelector(".import-status");
    var button = form.querySelector("button[type=submit]");
    status.textContent = form.getAttribute("data-working");
    window.setTimeout(function () { button.disabled = true; }, 0);
    var timer = window.setInterval(function () {
      if (document.cookie.split("; ").indexOf(COOKIE + "=1") === -1) return;
      window.clearInterval(timer);
      document.cookie = COOKIE + "=; Max-Age=0; path=" + window.location.pathname + "; SameSite=Strict";
      window.location.assign(window.location.pathname);
    }, 500);
  });
})();
