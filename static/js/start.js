// The start form: show Minutes only for the clocks that use it, and the interview/practice mode
// only for a time limit on the whole session.
(function () {
  "use strict";

  function update(form) {
    var field = form.querySelector("[data-minutes-field]");
    var checked = form.querySelector("input[name=clock]:checked");
    if (!field || !checked) return;
    var clocks = (form.getAttribute("data-minutes-clocks") || "").split(" ");
    field.hidden = clocks.indexOf(checked.value) === -1;
    form.querySelectorAll("[data-mode-field]").forEach(function (mode) {
      mode.hidden = checked.value !== "session";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-minutes-clocks]");
    if (!form) return;
    update(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "clock") update(form);
    });
  });
})();
