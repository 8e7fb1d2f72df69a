// The interviewer's live screen: notes autosave (autosave.js), the rubric saved as it is ticked,
// a stopwatch the interviewer starts and pauses (the server keeps it), and keyboard shortcuts.
// Without JavaScript every part is a plain form.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "checkbox" && el.type !== "radio") || el.isContentEditable);
  }

  function formatClock(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function csrf(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  // The rubric: every change is saved at once; a refusal or a failure says so and keeps the ticks.
  function startRubric(form) {
    var status = form.querySelector("[data-rubric-status]");
    var pending = null;
    function say(text, kind) {
      if (!status) return;
      status.textContent = text;
      status.dataset.kind = kind;
    }
    function save(retry) {
      var body = new FormData(form);
      body.delete("next");
      return fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(form), "HX-Request": "true" },
      })
        .then(function (response) {
          if (response.status === 204) {
            say("Saved", "saved");
            return true;
          }
          return response.text().then(function (text) {
            if (response.status === 403 && !retry) {
              return window.IPAutosave.refreshToken().then(function () {
                return save(true);
              });
            }
            if (response.status === 401) say("Not saved: you were logged out. Log in again in another tab, then change a tick to save.", "error");
            else if (response.status === 409) say("Not saved: " + (text || "this scorecard is already submitted."), "conflict");
            else say("Not saved: " + (text || "error " + response.status) + ".", "error");
            return false;
          });
        })
        .catch(function () {
          say("Not saved: offline or the server is unreachable. Retrying…", "error");
          window.clearTimeout(pending);
          pending = window.setTimeout(function () {
            save(false);
          }, 3000);
          return false;
        });
    }
    form.addEventListener("change", function () {
      say("Saving…", "pending");
      save(false);
    });
    return { save: save };
  }

  // The stopwatch: the server stores it (start, pause, reset); the page counts from what it got.
  function startTimer(el) {
    var display = el.querySelector("[data-timer-display]");
    var form = el.querySelector("[data-timer-form]");
    var elapsed = Number(el.dataset.elapsed) || 0;
    var limit = (Number(el.dataset.limit) || 0) * 60;
    var startedAt = el.hasAttribute("data-running") ? Date.now() : null;
    function now() {
      return elapsed + (startedAt ? Math.floor((Date.now() - startedAt) / 1000) : 0);
    }
    function paint() {
      var s = now();
      display.textContent = formatClock(s);
      el.classList.toggle("live-timer-over", limit > 0 && s >= limit);
    }
    paint();
    window.setInterval(paint, 1000);
    function send(action) {
      var body = new FormData();
      body.append("action", action);
      return fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(form), "HX-Request": "true", Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
    }
    function apply(data) {
      elapsed = data.elapsed;
      startedAt = data.running ? Date.now() : null;
      var toggle = form.querySelector("[data-timer-toggle]");
      toggle.value = data.running ? "pause" : "start";
      toggle.firstChild.textContent = data.running ? "Pause " : "Start ";
      paint();
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var action = event.submitter ? event.submitter.value : "start";
      send(action).then(apply, function () {
        display.textContent = formatClock(now()) + " (not saved: try again)";
      });
    });
    return {
      toggle: function () {
        form.querySelector("[data-timer-toggle]").click();
      },
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var notes = document.querySelector("[data-notes-form]");
    var rubricForm = document.querySelector("[data-rubric-form]");
    var timerEl = document.querySelector("[data-timer]");
    var autosave = notes ? window.IPAutosave.attach(notes, { noun: "these notes were", closedMessage: "This scorecard is submitted and final: add a correction instead." }) : null;
    if (autosave) {
      notes.querySelectorAll("[data-no-js-only]").forEach(function (el) {
        el.hidden = true;
      });
      notes.addEventListener("submit", function (event) {
        event.preventDefault(); // the plain form post is for pages without JavaScript
        autosave.flush();
      });
    }
    var rubric = rubricForm ? startRubric(rubricForm) : null;
    var timer = timerEl ? startTimer(timerEl) : null;
    if (rubricForm) {
      rubricForm.querySelectorAll(".live-actions button").forEach(function (b) {
        if (!b.name) b.hidden = true; // ticks save themselves; "Save and next" stays
      });
    }
    // Leaving the question: unsaved notes are saved first, then the page moves on (after 5 s
    // without an answer it moves anyway, and the browser asks before dropping the text).
    function afterNotesSaved(go) {
      if (!autosave || !autosave.dirty()) return go();
      autosave.flush();
      var waited = 0;
      var timer = window.setInterval(function () {
        waited += 100;
        if (!autosave.dirty() || waited >= 5000) {
          window.clearInterval(timer);
          go();
        }
      }, 100);
    }
    document.querySelectorAll("[data-key-next], [data-key-prev], [data-key-finish], .live-steps a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!autosave || !autosave.dirty()) return;
        event.preventDefault();
        afterNotesSaved(function () {
          window.location.href = link.href;
        });
      });
    });
    if (rubricForm) {
      rubricForm.addEventListener("submit", function (event) {
        if (rubricForm.dataset.notesSaved || !autosave || !autosave.dirty()) return;
        event.preventDefault();
        var submitter = event.submitter;
        afterNotesSaved(function () {
          rubricForm.dataset.notesSaved = "1";
          if (rubricForm.requestSubmit) rubricForm.requestSubmit(submitter || null);
          else rubricForm.submit();
        });
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && typing(event)) {
        event.target.blur();
        return;
      }
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      var go = function (selector) {
        var link = document.querySelector(selector);
        if (link) {
          event.preventDefault();
          link.click();
        }
      };
      if (event.key === "j" || event.key === "ArrowRight") go("[data-key-next]");
      else if (event.key === "k" || event.key === "ArrowLeft") go("[data-key-prev]");
      else if (event.key === "/" && notes) {
        event.preventDefault();
        notes.querySelector("textarea").focus();
      } else if (event.key === "t" && timer) {
        event.preventDefault();
        timer.toggle();
      } else if (/^[1-4]$/.test(event.key) && rubricForm) {
        var radio = rubricForm.querySelector('[data-rating="' + event.key + '"]');
        if (radio && !radio.disabled) {
          event.preventDefault();
          radio.checked = true;
          radio.focus();
          rubricForm.dispatchEvent(new Event("change"));
          if (rubric) return;
        }
      }
    });
  });
})();
