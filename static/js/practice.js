// The practice session page: the clock, autosave with server-owned revisions, conflicts between
// tabs, and a visible failure path for every request the page makes.
//
// The server owns the clock and the revision. The page counts down from the seconds left it was
// given, and each save says which revision its text was based on (`base`) and which page wrote it
// (`writer`); the server applies it only if that is still true, and answers the new revision.
// Text the server acknowledged is never replaced without the candidate choosing it.
(function () {
  "use strict";

  var THRESHOLDS = [
    [300, "5 minutes left"],
    [60, "1 minute left"],
    [10, "10 seconds left"],
  ];
  var GRADE_ARM_MS = 1000; // grade keys work only after the buttons have been on screen this long

  function formatClock(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function stage() {
    return document.getElementById("stage");
  }

  function showStageError(text) {
    var box = document.querySelector("#stage [data-stage-error]");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function reloadStage() {
    var el = stage();
    if (!el || !window.htmx) {
      window.location.reload();
      return;
    }
    window.htmx.ajax("GET", el.dataset.sessionUrl, { target: "#stage", swap: "outerHTML" });
  }

  var autosave = window.IPAutosave;
  var LOGGED_OUT = autosave.LOGGED_OUT;

  // The clock ------------------------------------------------------------------------------------
  function startCountdown(clock) {
    if (clock.dataset.started) return;
    clock.dataset.started = "1";
    var display = clock.querySelector("[data-countdown-display]");
    var announce = clock.querySelector("[data-countdown-announce]");
    var secondsLeft = Number(clock.dataset.secondsLeft);
    var end = performance.now() + secondsLeft * 1000;
    var announced = {};
    THRESHOLDS.forEach(function (t) {
      if (secondsLeft <= t[0]) announced[t[0]] = true;
    });
    if (clock.hasAttribute("data-paused")) {
      display.textContent = formatClock(secondsLeft);
      return; // the server stopped it while the candidate reads and grades
    }

    function tick() {
      if (!document.body.contains(clock)) return; // the stage was swapped away
      var left = Math.max(0, Math.round((end - performance.now()) / 1000));
      display.textContent = formatClock(left);
      clock.classList.toggle("clock-low", left <= 60);
      THRESHOLDS.forEach(function (t) {
        if (left <= t[0] && !announced[t[0]]) {
          announced[t[0]] = true;
          announce.textContent = t[1];
        }
      });
      if (left <= 0) {
        timeUp(clock);
        return;
      }
      window.setTimeout(tick, 250);
    }
    tick();
  }

  function timeUp(clock) {
    var form = document.querySelector("#stage [data-answer-form]");
    if (form && form._autosave) {
      form._autosave.timeUp();
      return;
    }
    if (clock.dataset.scope === "session") {
      // Reading or grading when the session's time ran out: the server closes it after the grace
      // period, and the summary shows what was answered and what was not reached.
      showStageError("The session's time is up. Opening the summary…");
      var grace = Number(stage().dataset.graceSeconds || 5);
      window.setTimeout(function () {
        window.location.assign(stage().dataset.sessionUrl);
      }, (grace + 1) * 1000);
    }
  }

  // The answer box ---------------------------------------------------------------------------------
  // Saving is autosave.js's compare-and-swap; this page adds the submit, the clock reaching zero
  // and moving on when the server takes no more saves.
  function startAnswer(form) {
    if (form._autosave) return;
    var statusEl = form.querySelector("[data-save-status]");
    var state = autosave.attach(form, {
      scope: stage(),
      place: function (panel) {
        form.before(panel);
      },
      noun: "this answer was",
      onClosed: function (data) {
        moveOn(data.message || "This answer is closed.", data.status === "late");
      },
      onNotWritable: function () {
        if (state.dirty()) state.send(); // the server keeps it as a late draft, or says it is closed
        else reloadStage();
      },
      afterResponse: submitIfWaiting,
    });
    if (!state) return;
    var box = state.box;
    state.submitBackoff = 2000;

    function submitIfWaiting() {
      if (!state.submitAfterSave) return;
      state.submitAfterSave = false;
      submitNow(true);
    }

    // The server takes no more saves (submitted in another tab, or the time ran out).
    function moveOn(message, kept) {
      state.closed = true;
      window.clearTimeout(state.timer);
      if (!state.dirty() || kept) {
        state.setStatus(message, "conflict");
        window.setTimeout(reloadStage, 2500);
        return;
      }
      box.readOnly = true;
      state.setStatus(
        "Not saved: this answer was already submitted (in another tab, or when its time was up). " +
          "The text in this box was not saved: copy anything you need, then continue.",
        "conflict"
      );
      var next = document.createElement("button");
      next.type = "button";
      next.className = "button button-secondary";
      next.textContent = "Continue without this text";
      next.addEventListener("click", function () {
        state.acked = box.value;
        reloadStage();
      });
      statusEl.after(next);
    }

    // At zero: lock the box and submit what is here, retrying until the server answers.
    state.timeUp = function () {
      if (state.timeIsUp) return;
      state.timeIsUp = true;
      box.readOnly = true;
      window.clearTimeout(state.timer);
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "time_up";
      flag.value = "1";
      form.append(flag);
      state.setStatus("Time is up. Submitting your answer…", "pending");
      submitNow();
    };

    // `again` resends the button last pressed (the question navigator's buttons say where to go).
    function submitNow(again) {
      if (!state.alive()) return;
      var button = again && form._submitter && form.contains(form._submitter) ? form._submitter : null;
      // htmx sends the button it last saw clicked or focused: tell it, without moving the focus.
      if (button) button.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
      if (form.requestSubmit) form.requestSubmit(button);
      else form.submit();
    }

    // The submit (htmx): autosave waits; a failure keeps the box and its text, says why, retries.
    // A submit while a save is on its way waits for its answer: the answer box stays writable
    // in the question navigator, so a late save must not land after the submit's text.
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.target !== form) return;
      if (state.inFlight) {
        event.preventDefault();
        state.submitAfterSave = true;
        return;
      }
      state.submitting = true;
      box.readOnly = true; // what is typed now would be swapped away unsent
      window.clearTimeout(state.timer);
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.target !== form) return;
      var xhr = event.detail.xhr;
      var status = xhr ? xhr.status : 0;
      if (event.detail.successful || status === 409 || status === 422) return; // swapped in
      state.submitting = false;
      box.readOnly = state.timeIsUp || Boolean(state.conflict);
      var what = state.timeIsUp ? "Time is up. Your answer is not submitted yet: " : "Not submitted: ";
      var delay = state.submitBackoff;
      state.submitBackoff = Math.min(state.submitBackoff * 2, 30000);
      if (status === 0) {
        state.setStatus(what + "offline or the server is unreachable. Your text is kept here; retrying every few seconds. Keep this page open.", "error");
      } else if (status === 401) {
        state.setStatus(what + LOGGED_OUT, "error");
        delay = 5000;
      } else if (status === 403 && !state.tokenRetried) {
        state.tokenRetried = true;
        state.setStatus(what + "renewing this page's security token…", "pending");
        autosave.refreshToken().then(function () {
          submitNow(true);
        }, function () {
          state.setStatus(what + LOGGED_OUT, "error");
          window.setTimeout(submitNow, 5000, true);
        });
        return;
      } else if (status === 403) {
        state.setStatus(what + "this page's security token is no longer accepted. Copy your text, then reload the page.", "error");
        return;
      } else if (status === 429) {
        state.setStatus(what + "too many requests. Retrying in a moment…", "pending");
        delay = autosave.retryAfter({ headers: { get: xhr.getResponseHeader.bind(xhr) } }, 5000);
      } else {
        state.setStatus(what + "the server answered with error " + status + ". Your text is kept here; retrying…", "error");
      }
      window.setTimeout(submitNow, delay, !state.timeIsUp);
      if (!state.timeIsUp) state.schedule(1000); // keep saving what is typed meanwhile
    });
  }

  // The other steps (grade, skip, undo): a failure says why and changes nothing ------------------
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("#stage") || form.matches("[data-answer-form]")) return;
    if (event.detail.successful) return;
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (status === 409 || status === 422) return; // the stage came back with the reason
    if (status === 0) {
      showStageError("Not done: offline or the server is unreachable. Nothing was changed; try again when you are back online.");
    } else if (status === 401) {
      showStageError("Not done: you were logged out. Log in again in another tab, then try again here.");
    } else if (status === 403 && !form.dataset.tokenRetried) {
      form.dataset.tokenRetried = "1";
      autosave.refreshToken().then(function () {
        if (form.requestSubmit) form.requestSubmit(form._submitter || null);
      }, function () {
        showStageError("Not done: you were logged out. Log in again in another tab, then try again here.");
      });
    } else if (status === 429) {
      showStageError("Not done: too many requests. Wait a moment and try again.");
    } else {
      showStageError("Not done: the server answered with error " + status + ". Nothing was changed; try again.");
    }
  });
  document.addEventListener("submit", function (event) {
    event.target._submitter = event.submitter; // to resend the same grade after a token refresh
  }, true);

  // Grading -------------------------------------------------------------------------------------
  function startGrading(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form._shownAt = performance.now(); // the suggested grade is rubric.js's
  }

  // Keys 1-4 grade only when the grade buttons are on screen and have been for a moment, with no
  // typing in that moment: keys typed through the end of the clock never grade.
  var lastTypedAt = 0;

  document.addEventListener("keydown", function (event) {
    var typedBefore = lastTypedAt;
    if (event.key && event.key.length === 1 && event.key !== " ") lastTypedAt = performance.now();
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"))) return;
    if (event.key === "u" || event.key === "U") {
      var undo = document.querySelector("#stage [data-undo]");
      if (undo && performance.now() - typedBefore >= GRADE_ARM_MS) {
        event.preventDefault();
        undo.click();
      }
      return;
    }
    if (!/^[1-4]$/.test(event.key)) return;
    var form = document.querySelector("#stage [data-grade-form]");
    if (!form) return;
    if (performance.now() - Math.max(form._shownAt || 0, typedBefore) < GRADE_ARM_MS) {
      var hint = form.querySelector("[data-key-hint]");
      if (hint) hint.textContent = "Key " + event.key + " ignored: grade keys wait a moment after typing stops. Press it again, or use the buttons.";
      return;
    }
    var button = form.querySelector('[data-grade="' + event.key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  // Wiring -----------------------------------------------------------------------------------
  function init(root) {
    root.querySelectorAll("[data-countdown]").forEach(startCountdown);
    root.querySelectorAll("[data-answer-form]").forEach(startAnswer);
    root.querySelectorAll("[data-grade-form]").forEach(startGrading);
    root.querySelectorAll("[data-no-js-only]").forEach(function (el) {
      el.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "stage") return;
    var target = document.querySelector("#stage [data-focus-on-swap]");
    if (target) target.focus();
  });
})();
