// Interview kits: print and copy buttons. (Refused changes, 409 and 422, come back with their
// message and are swapped in like successes: `responseHandling` in base.html says so for every page.)
// (htmx itself moves focus to the element with the same id after a swap, and to [autofocus].)
// Loaded only on kit pages; every page works without it.
(function () {
  "use strict";

  function copy(button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.querySelector("[data-copy-status]");
    if (!input) return;
    function done() {
      button.textContent = "Copied";
      if (status) status.textContent = "Link copied to the clipboard.";
      window.setTimeout(function () {
        button.textContent = "Copy";
      }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        input.select();
      });
    } else {
      input.select();
      if (document.execCommand && document.execCommand("copy")) done();
    }
  }

  function wire(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button);
      });
    });
    root.querySelectorAll("[data-share-url]").forEach(function (input) {
      if (input.dataset.wired) return;
      input.dataset.wired = "1";
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
  });
  document.addEventListener("htmx:load", function (event) {
    wire(event.target);
  });
})();
