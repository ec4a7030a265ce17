/**
 * The console's only script, served as a static asset with a nonce and an integrity hash (no inline script runs
 * under the CSP). Every page works without it; it adds: busy feedback on submit, destination dropdowns filled from
 * the connection's option endpoints, live slug and key-name feedback, and polling of a sync while a run is in flight.
 * Plain ES2017, no build step: it is sent as written.
 */
export const CONSOLE_SCRIPT = `"use strict";
(function () {
  document.documentElement.classList.add("js");

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // Busy feedback, and no double submits while the server works.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.busy === "1") { event.preventDefault(); return; }
    form.dataset.busy = "1";
    form.setAttribute("aria-busy", "true");
    var button = event.submitter;
    if (button && button.dataset.busyLabel) {
      button.setAttribute("aria-disabled", "true");
      button.dataset.idleLabel = button.textContent;
      button.textContent = button.dataset.busyLabel;
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    each("form[data-busy]", null, function (form) {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
      each("[aria-disabled=true]", form, function (button) {
        button.removeAttribute("aria-disabled");
        if (button.dataset.idleLabel) button.textContent = button.dataset.idleLabel;
      });
    });
  });

  // Destination: organization, project and environment lists follow the selections above them.
  each("[data-destination]", null, function (box) {
    var selects = {
      connection: box.querySelector("select[name=connectionId]"),
      organization: box.querySelector("select[name=organizationId]"),
      project: box.querySelector("select[name=qoveryProjectId]"),
      environment: box.querySelector("select[name=qoveryEnvironmentId]")
    };
    var chain = ["connection", "organization", "project", "environment"];
    var urls = { organization: box.dataset.organizationsUrl, project: box.dataset.projectsUrl, environment: box.dataset.environmentsUrl };
    var placeholders = { organization: "Select an organization", project: "Select a project", environment: "None: sync at the project level" };
    var generation = 0;

    function errorOf(level) { return box.querySelector("[data-live-error=" + level + "]"); }
    function setError(level, text) {
      var el = errorOf(level);
      if (el) el.textContent = text || "";
      selects[level].setAttribute("aria-invalid", text ? "true" : "false");
    }
    function fill(level, options, text) {
      var select = selects[level];
      while (select.options.length) select.remove(0);
      select.add(new Option(text, ""));
      (options || []).forEach(function (o) { select.add(new Option(o.name, o.id)); });
    }
    function resetBelow(level) {
      chain.slice(chain.indexOf(level) + 1).forEach(function (below) { fill(below, [], placeholders[below]); setError(below, ""); });
    }
    function load(level) {
      var url = urls[level]
        .replace("{connection}", encodeURIComponent(selects.connection.value))
        .replace("{organization}", encodeURIComponent(selects.organization.value))
        .replace("{project}", encodeURIComponent(selects.project.value));
      var mine = ++generation;
      var select = selects[level];
      select.setAttribute("aria-busy", "true");
      fill(level, [], "Loading…");
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
        .then(function (result) {
          if (mine !== generation) return;
          if (!result.ok) throw new Error(result.body && result.body.error ? result.body.error : "Could not load the list from Qovery");
          fill(level, result.body.options, placeholders[level]);
          if (level === "organization" && result.body.options.length === 1) {
            select.value = result.body.options[0].id;
            load("project");
          }
        })
        .catch(function (error) {
          if (mine !== generation) return;
          fill(level, [], placeholders[level]);
          setError(level, error.message);
        })
        .then(function () { select.removeAttribute("aria-busy"); });
    }
    chain.slice(0, 3).forEach(function (level) {
      if (!selects[level]) return;
      selects[level].addEventListener("change", function () {
        setError(level, "");
        resetBelow(level);
        if (selects[level].value) load(chain[chain.indexOf(level) + 1]);
      });
    });
  });

  // Slug rules, checked as the user types.
  each("input[data-slug-check]", null, function (input) {
    var feedback = document.getElementById(input.dataset.slugFeedback);
    var max = Number(input.dataset.slugMax || "256");
    function suggestion(value) {
      return value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    }
    function check() {
      var value = input.value.trim();
      var problem = "";
      if (!value) problem = "A name is required.";
      else if (value.length > max) problem = "At most " + max + " characters.";
      else if (/[^a-z0-9-]/.test(value)) problem = "Only lowercase letters, numbers and hyphens are allowed.";
      else if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(value)) problem = "Hyphens go between letters or numbers: not first, not last, never two in a row.";
      var hint = suggestion(value);
      if (problem && hint && hint !== value) problem += " Try \\u201c" + hint.slice(0, max) + "\\u201d.";
      feedback.textContent = problem || "\\u2713 This name is valid.";
      feedback.className = problem ? "error" : "hint";
    }
    input.addEventListener("input", check);
  });

  // Key names: what a source key becomes in Qovery.
  each("[data-key-preview]", null, function (box) {
    var output = box.querySelector("[data-key-preview-output]");
    var prefix = box.querySelector("input[name=keyPrefix]");
    var suffix = box.querySelector("input[name=keySuffix]");
    var environment = box.dataset.environment || "dev";
    function render() {
      var key = prefix.value.trim() + "DATABASE_URL" + suffix.value.trim();
      output.textContent = key.split("{{environment}}").join(environment);
    }
    prefix.addEventListener("input", render);
    suffix.addEventListener("input", render);
  });

  // A sync with a run in flight: follow its status, then load the settled page (run history, messages).
  each("[data-poll-url]", null, function (box) {
    if (box.dataset.active !== "true") return;
    var badge = box.querySelector("[data-sync-badge]");
    var progress = box.querySelector("[data-sync-progress]");
    var delay = 1000;
    var started = Date.now();
    function poll() {
      fetch(box.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (res) {
          if (res.status === 404 && box.dataset.goneUrl) { window.location.assign(box.dataset.goneUrl); return null; }
          if (res.status === 401) { window.location.reload(); return null; }
          return res.ok ? res.json() : null;
        })
        .then(function (state) {
          if (state && !state.active) { window.location.replace(box.dataset.settledUrl || window.location.href); return; }
          if (state && badge) {
            badge.className = "badge " + state.badge.tone;
            badge.textContent = "";
            var spinner = document.createElement("span");
            spinner.className = "spinner";
            spinner.setAttribute("aria-hidden", "true");
            badge.appendChild(spinner);
            badge.appendChild(document.createTextNode(" " + state.badge.label));
          }
          if (state && progress) progress.textContent = state.progress;
          if (Date.now() - started < 10 * 60 * 1000) {
            delay = Math.min(delay * 1.3, 5000);
            setTimeout(poll, delay);
          }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, delay);
  });
})();
`;
