// spsreg: small progressive enhancement. Every page works without this script; with it, forms
// get live feedback (scale scores, dose and combination checks) from the JSON API.
"use strict";
(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // POST a JSON document to the API with the session's CSRF token; resolves to the parsed reply.
  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    });
  }
  // A form marked data-live="<url>" posts its fields as JSON on every change and shows the
  // reply's "message" in the element data-live-target names (aria-live so readers hear it).
  function wireLiveForms() {
    document.querySelectorAll("form[data-live]").forEach(function (form) {
      var target = document.getElementById(form.getAttribute("data-live-target"));
      if (!target) { return; }
      var timer = null;
      function send() {
        var fields = {};
        new FormData(form).forEach(function (value, key) {
          if (key === "csrf_token") { return; }
          if (fields[key] === undefined) { fields[key] = value; }
          else { fields[key] = [].concat(fields[key], value); }
        });
        postJson(form.getAttribute("data-live"), fields).then(function (reply) {
          target.textContent = reply.data && reply.data.message ? reply.data.message : "";
          target.className = "live-result" + (reply.data && reply.data.level ? " level-" + reply.data.level : "");
        }).catch(function () { target.textContent = ""; });
      }
      form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(send, 250); });
      form.addEventListener("change", send);
    });
  }
  window.spsreg = { postJson: postJson, csrfToken: csrfToken };
  document.addEventListener("DOMContentLoaded", wireLiveForms);
})();
