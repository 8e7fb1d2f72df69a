// Site-wide behaviour: when an htmx request fails, say so instead of doing nothing.
(function () {
  "use strict";

  // The server prints times in this zone unless the account names another (Account settings).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  } catch (e) { /* no Intl: the server's default zone */ }

  function showError(text) {
    var box = document.getElementById("htmx-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  function hideError() {
    var box = document.getElementById("htmx-error");
    if (box) box.hidden = true;
  }

  document.addEventListener("htmx:responseError", function (event) {
    // Elements that handle their own errors (the autosave status) opt out.
    if (event.target.closest("[data-own-errors]")) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401 || status === 403) {
      showError("Your session has ended or this action is not allowed. Log in again, then retry.");
    } else if (status === 404) {
      showError("That item no longer exists. Reload the page.");
    } else if (status === 429) {
      showError("Too many requests. Wait a moment and try again.");
    } else {
      showError("Something went wrong (error " + status + "). Nothing was changed; please try again.");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.target.closest("[data-own-errors]")) return;
    showError("The server could not be reached. Check your connection and try again.");
  });

  // Wide code, formulas and tables scroll sideways: a box that scrolls must take keyboard focus
  // (tabindex=0) so that it can be scrolled without a mouse. Checked again when <details> open.
  var SCROLLERS = ".prose pre, .prose .math-block, .prose table, .table-scroll, .chart-scroll";

  function markScrollable(root) {
    root.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { markScrollable(document); });
  window.addEventListener("resize", function () { markScrollable(document); });
  document.addEventListener("toggle", function (event) {
    if (event.target.open) markScrollable(event.target);
  }, true);
  document.addEventListener("htmx:afterSettle", function (event) { markScrollable(event.target); });

  // A form that came back with errors: focus its summary, so the problems are read out first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });

  // A summary link to a group of radios or checkboxes focuses the group's first input.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target || target.matches("input, select, textarea")) return;
    var first = target.querySelector("input, select, textarea");
    if (first) {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      first.focus();
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) hideError();
  });
})();
