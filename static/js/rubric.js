// The weighted rubric on the reveal stage: a grade suggested live from the ticked key points
// (weighted must / should / bonus) and red flags. The rule is the one in questions/rubric.py,
// whose docstring explains it; keep the two in step (tests/browser/test_rubric_browser.py checks).
(function () {
  "use strict";

  var POINTS = { must: 3, should: 2, bonus: 1 };
  // [grade, numerator, denominator]: the share of must and should points each grade needs.
  var THRESHOLDS = [
    [4, 1, 1],
    [3, 3, 4],
    [2, 2, 5],
  ];
  var RED_FLAG_CAP = 2;
  var NAMES = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };

  function kindOf(weight) {
    return Object.prototype.hasOwnProperty.call(POINTS, weight) ? weight : "must";
  }

  // weights: one per key point; ticked: indexes; redFlagsTicked: a count. Null without points.
  function suggestGrade(weights, ticked, redFlagsTicked) {
    if (!weights.length) return null;
    var kinds = weights.map(kindOf);
    var chosen = {};
    ticked.forEach(function (i) {
      if (i >= 0 && i < kinds.length) chosen[i] = true;
    });
    var got = 0;
    var full = 0;
    var all = 0;
    var missedMust = false;
    kinds.forEach(function (kind, i) {
      all += POINTS[kind];
      if (kind !== "bonus") full += POINTS[kind];
      if (chosen[i]) got += POINTS[kind];
      else if (kind === "must") missedMust = true;
    });
    if (!full) full = all;
    var grade = 1;
    for (var t = 0; t < THRESHOLDS.length; t++) {
      if (got * THRESHOLDS[t][2] >= full * THRESHOLDS[t][1]) {
        grade = THRESHOLDS[t][0];
        break;
      }
    }
    if (grade === 4 && missedMust) grade = 3;
    if (redFlagsTicked > 0) grade = Math.min(grade, RED_FLAG_CAP);
    return grade;
  }

  function describe(boxes, flags, grade) {
    var counts = {};
    boxes.forEach(function (box) {
      var kind = kindOf(box.dataset.weight);
      counts[kind] = counts[kind] || [0, 0];
      counts[kind][1] += 1;
      if (box.checked) counts[kind][0] += 1;
    });
    var parts = [];
    [
      ["must", "must-have"],
      ["should", "should-have"],
      ["bonus", "bonus point"],
    ].forEach(function (k) {
      var c = counts[k[0]];
      if (c) parts.push(c[0] + " of " + c[1] + " " + k[1] + (c[1] === 1 ? "" : "s"));
    });
    var text = "You ticked " + parts.join(", ");
    if (flags > 0) text += " and " + flags + " red flag" + (flags === 1 ? "" : "s") + " (at most Hard)";
    return text + ": that suggests " + NAMES[grade] + ". You decide.";
  }

  function update(form) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll("[data-key-point]"));
    var out = form.querySelector("[data-rubric-suggestion]");
    if (!boxes.length || !out) return;
    var ticked = [];
    boxes.forEach(function (box, i) {
      if (box.checked) ticked.push(i);
    });
    var flags = form.querySelectorAll("[data-red-flag]:checked").length;
    var weights = boxes.map(function (box) {
      return box.dataset.weight || "must";
    });
    var grade = suggestGrade(weights, ticked, flags);
    out.textContent = describe(boxes, flags, grade);
    form.dataset.suggestedGrade = String(grade);
    form.querySelectorAll("[data-grade]").forEach(function (button) {
      button.classList.toggle("grade-suggested", Number(button.dataset.grade) === grade);
    });
  }

  function start(form) {
    if (form.dataset.rubricReady) return;
    form.dataset.rubricReady = "1";
    // This script supersedes the first edition's unweighted suggestion line.
    form.querySelectorAll("[data-suggestion]").forEach(function (old) {
      old.hidden = true;
    });
    form.addEventListener("change", function () {
      update(form);
    });
    update(form);
  }

  function init(root) {
    if (root.matches && root.matches("[data-grade-form]")) start(root);
    root.querySelectorAll("[data-grade-form]").forEach(start);
  }

  window.InterviewPrepRubric = { suggestGrade: suggestGrade };
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
})();
