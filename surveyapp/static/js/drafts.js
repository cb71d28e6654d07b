// Unsaved answers survive (surveyapp/drafts.py explains the server's side).
// - What is typed on a questionnaire page is kept in local storage under "surveyapp.draft.<response>.<page>"
//   (no name, no e-mail: only the response id), restored when the page is opened again after a lost
//   connection, an expired session or a closed tab, with a visible note.
// - Page tabs, header links and the language switcher save the page first: the form is submitted as a
//   draft save with a "next" address. Without JavaScript the links simply navigate and the form works.
// - The server names the copies to forget (saved pages, submitted responses) in <body data-clear-drafts>;
//   signing out forgets every copy.
// - After a refused page, focus and scroll go to the first marked question.
// - An invitee's private resume link gets a copy button.
(function () {
  "use strict";
  var PREFIX = "surveyapp.draft.";
  var MAX_AGE = 14 * 24 * 3600 * 1000;
  var storage = null;
  try {
    storage = window.localStorage;
    storage.getItem(PREFIX);
  } catch (error) {
    storage = null;  // storage disabled: the page still works, nothing is kept
  }

  function keys() {
    var found = [];
    if (!storage) { return found; }
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) { found.push(key); }
    }
    return found;
  }

  function forget(prefix) {
    keys().forEach(function (key) {
      if (key === prefix || key.indexOf(prefix + ".") === 0) { storage.removeItem(key); }
    });
  }

  function read(key) {
    try { return JSON.parse(storage.getItem(key)); } catch (error) { return null; }
  }

  // Copies the server says are saved or submitted; copies too old to be wanted.
  (document.body.getAttribute("data-clear-drafts") || "").split(" ").forEach(function (marker) {
    var parts = marker.split(":");
    if (parts.length !== 2 || !storage) { return; }
    if (parts[1] === "*") { forget(PREFIX + parts[0]); } else { storage.removeItem(PREFIX + parts[0] + "." + parts[1]); }
  });
  keys().forEach(function (key) {
    var copy = read(key);
    if (!copy || typeof copy.t !== "number" || Date.now() - copy.t > MAX_AGE) { storage.removeItem(key); }
  });
  document.querySelectorAll("form[data-forget-drafts]").forEach(function (signOut) {
    signOut.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) { forget(PREFIX.slice(0, -1)); }  // not when the respondent stayed (below)
    });
  });

  // An invitee's resume link.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(input.id + "-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      function done() { if (status) { status.textContent = button.getAttribute("data-copied"); } }
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  var form = document.querySelector("form[data-draft-key]");
  if (!form) { return; }
  var key = PREFIX + form.getAttribute("data-draft-key");
  var version = form.getAttribute("data-draft-version");
  var SKIP = { csrf_token: true, action: true, next: true };

  function fields() {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && !SKIP[element.name] && element.type !== "file" && element.type !== "hidden" &&
        element.type !== "submit" && element.type !== "button" && !/__remove$/.test(element.name);
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (element) {
      var list = values[element.name] || (values[element.name] = []);
      if (element.type === "radio" || element.type === "checkbox") {
        if (element.checked) { list.push(element.value); }
      } else if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.selectedOptions, function (option) { list.push(option.value); });
      } else if (element.value !== "") {
        list.push(element.value);
      }
    });
    return values;
  }

  function apply(values) {
    fields().forEach(function (element) {
      if (!Object.prototype.hasOwnProperty.call(values, element.name)) { return; }
      var list = values[element.name];
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = list.indexOf(element.value) !== -1;
      } else if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = list.indexOf(option.value) !== -1;
        });
      } else {
        element.value = list.length ? list[0] : "";
      }
    });
  }

  var saved = JSON.stringify(snapshot());  // the answers as the server rendered them
  function dirty() { return JSON.stringify(snapshot()) !== saved; }

  function keep() {
    if (!storage) { return; }
    if (dirty()) {
      try {
        storage.setItem(key, JSON.stringify({ v: version, t: Date.now(), a: snapshot() }));
      } catch (error) { /* storage full: nothing kept */ }
    } else {
      storage.removeItem(key);
    }
  }

  var copy = storage ? read(key) : null;
  if (copy && copy.v !== version) {
    storage.removeItem(key);  // typed over answers that were saved again since: outdated
  } else if (copy && copy.a && form.hasAttribute("data-restore") && JSON.stringify(copy.a) !== saved) {
    apply(copy.a);
    form.dispatchEvent(new Event("change", { bubbles: true }));  // show_if questions follow (respond.js)
    document.getElementById("draft-restored").hidden = false;
  }
  if (storage && form.hasAttribute("data-refused")) {
    // A refused page shows answers that are not saved: keep them over the state saved now, so leaving and
    // coming back restores them (the copy made when they were sent may be over an older state).
    try {
      storage.setItem(key, JSON.stringify({ v: version, t: Date.now(), a: snapshot() }));
    } catch (error) { /* storage full: nothing kept */ }
  }
  var leaving = false;  // set while a link's click submits the form with a "next" address
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("submit", function () {
    if (!leaving) { form.elements.next.value = ""; }
    leaving = false;
    keep();
  });
  window.addEventListener("pageshow", function () { form.elements.next.value = ""; });  // back/forward cache

  // Signing out deletes the copy this browser keeps: with answers not saved on this page, ask first
  // (a capture listener, so it runs before the sign-out form's own listener above).
  document.querySelectorAll("form[data-forget-drafts]").forEach(function (signOut) {
    signOut.addEventListener("submit", function (event) {
      if ((dirty() || form.hasAttribute("data-refused")) && !window.confirm(form.getAttribute("data-sign-out-message"))) {
        event.preventDefault();
      }
    }, true);
  });

  // Leaving through a page tab, a header link or the language switcher saves the page first.
  var save = form.querySelector('button[name="action"][value="save"]');
  var links = document.querySelectorAll(".steps a[href], .site-header a[href]");
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey ||
          event.altKey || link.origin !== window.location.origin || link.hash && link.pathname === window.location.pathname) {
        return;
      }
      if (form.hasAttribute("data-refused")) {
        // This page was refused: saving again would be refused too. Ask; the browser keeps a copy.
        if (!window.confirm(form.getAttribute("data-leave-message"))) { event.preventDefault(); }
        return;
      }
      if (!dirty()) { return; }
      event.preventDefault();
      form.elements.next.value = link.pathname + link.search;
      leaving = true;
      if (form.requestSubmit && save) { form.requestSubmit(save); } else { keep(); form.submit(); }
    });
  });

  // After a refused page: the first marked question, in view and focused (its message says what is missing).
  var marked = form.querySelector(".question.has-error");
  if (marked) {
    var input = marked.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
    marked.scrollIntoView({ block: "start" });
    if (input) { input.focus({ preventScroll: true }); }
  }
})();
