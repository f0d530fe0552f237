/* The shift page in the field: a send that fails is said at once and sent again,
   a venue added on the spot is confirmed in place, "use my position", and the
   link from the encounter form to the venue form. Everything here is an
   enhancement: without JavaScript the forms post and the page reloads. */
(function () {
  "use strict";
  var RETRY_SECONDS = [5, 10, 20, 30];
  var retry = { timer: null, attempt: 0 };

  function sendStatus() { return document.getElementById("encounter-send-status"); }
  function isResendForm(elt) { return elt && elt.closest && elt.closest("form[data-resend]"); }

  function stopRetry() {
    if (retry.timer) { clearTimeout(retry.timer); }
    retry.timer = null;
  }

  function markUnsent(form, text) {
    form.classList.add("is-unsent");
    var button = form.querySelector("button[type=submit]");
    if (button && button.dataset.labelRetry) {
      if (!button.dataset.labelSend) { button.dataset.labelSend = button.textContent; }
      button.textContent = button.dataset.labelRetry;
    }
    var status = sendStatus();
    if (status) { status.textContent = text; }
  }

  function failed(form) {
    stopRetry();
    var status = sendStatus();
    var seconds = RETRY_SECONDS[Math.min(retry.attempt, RETRY_SECONDS.length - 1)];
    retry.attempt += 1;
    var template = status ? status.dataset.failed : "";
    markUnsent(form, template.replace("__N__", String(seconds)));
    retry.timer = setTimeout(function () { resend(form); }, seconds * 1000);
  }

  function resend(form) {
    stopRetry();
    if (document.body.contains(form)) { form.requestSubmit(); }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = isResendForm(event.detail.elt);
    if (!form) { return; }
    stopRetry();
    var status = sendStatus();
    if (status && form.classList.contains("is-unsent")) { status.textContent = status.dataset.sending; }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = isResendForm(event.detail.elt);
    if (form) { failed(form); }
  });
  document.addEventListener("htmx:timeout", function (event) {
    var form = isResendForm(event.detail.elt);
    if (form) { failed(form); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var form = isResendForm(event.detail.elt);
    var code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!form || code === 400) { return; }
    if (code === 0 || code >= 500) { failed(form); return; }
    // Logged out, a stale form, a refusal: sending again would not help.
    stopRetry();
    var status = sendStatus();
    markUnsent(form, status ? status.dataset.refused.replace("__N__", String(code)) : "");
  });
  // Leaving the page with an entry not saved asks first (the browser's own question).
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-resend].is-unsent")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("online", function () {
    var form = document.querySelector("form[data-resend].is-unsent");
    if (form) { resend(form); }
  });

  // A refused entry (400) comes back as the panel with the errors: show it.
  // A session that ended answers with the login page (after a redirect): never
  // swap that into the panel; say the entry was not saved and keep it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var form = isResendForm(event.detail.requestConfig ? event.detail.requestConfig.elt : event.target);
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    var answered = event.detail.xhr.responseURL;
    var redirected = path && answered && new URL(answered).pathname !== new URL(path, window.location.href).pathname;
    if (redirected && target && (target.id === "encounter-panel" || target.id === "venues-panel")) {
      event.detail.shouldSwap = false;
      var status = sendStatus();
      if (form && status) {
        stopRetry();
        markUnsent(form, status.dataset.loggedOut);
      }
      return;
    }
    if (event.detail.xhr.status === 400 && target && (target.id === "encounter-panel" || target.id === "venues-panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    if (target.id === "encounter-panel") {
      stopRetry();
      retry.attempt = 0;
    }
    reveal();
    // The venue was added in place: the confirmation takes the focus, so the
    // user stays where they were and hears what happened.
    var added = document.getElementById("venue-added");
    if (added && target.id === "venues-panel") { added.focus(); }
    var details = document.getElementById("add-venue");
    var invalid = details && details.querySelector(".field--error input, .field--error select, .tap-choices input");
    if (target.id === "venues-panel" && event.detail.xhr.status === 400 && invalid) { invalid.focus(); }
  });

  function reveal() {
    if (!("geolocation" in navigator)) { return; }
    document.querySelectorAll("[data-geolocate][hidden]").forEach(function (button) { button.hidden = false; });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target.closest && target.closest("[data-geolocate]");
    if (button) {
      var form = button.closest("form");
      var status = form.querySelector("[data-geolocate-status]");
      status.textContent = button.dataset.locating || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("input[name=latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("input[name=longitude]").value = position.coords.longitude.toFixed(6);
        status.textContent = (button.dataset.found || "").replace("__N__", String(Math.round(position.coords.accuracy)));
      }, function () {
        status.textContent = button.dataset.failed || "";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      return;
    }
    var link = target.closest && target.closest("a[data-open-details]");
    if (link) {
      var details = document.querySelector(link.getAttribute("href"));
      if (details && details.tagName === "DETAILS") {
        event.preventDefault();
        details.open = true;
        details.scrollIntoView({ block: "start" });
        var first = details.querySelector("input:not([type=hidden]), select");
        if (first) { first.focus(); }
      }
    }
  });

  reveal();
}());
