// The practice session page: the countdown, autosave with honest status, and keyboard grading.
// The server owns the clock: the page only counts down from the seconds-left it was given.
(function () {
  "use strict";

  var THRESHOLDS = [
    [300, "5 minutes left"],
    [60, "1 minute left"],
    [10, "10 seconds left"],
  ];

  function formatClock(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  // Countdown --------------------------------------------------------------------------------
  function startCountdown(clock) {
    if (clock.dataset.started) return;
    clock.dataset.started = "1";
    var display = clock.querySelector("[data-countdown-display]");
    var announce = clock.querySelector("[data-countdown-announce]");
    var end = performance.now() + Number(clock.dataset.secondsLeft) * 1000;
    var announced = {};
    THRESHOLDS.forEach(function (t) {
      if (Number(clock.dataset.secondsLeft) <= t[0]) announced[t[0]] = true;
    });

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
        timeUp();
        return;
      }
      window.setTimeout(tick, 250);
    }
    tick();
  }

  function timeUp() {
    var form = document.querySelector("[data-answer-form]");
    if (!form || form.dataset.timeUp) return;
    form.dataset.timeUp = "1";
    var box = form.querySelector("textarea");
    box.readOnly = true;
    setStatus(form, "Time is up. Submitting your answer…", "pending");
    prepareSubmit(form);
    // Submit through htmx when it is there, as a plain form post otherwise.
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  // Autosave ---------------------------------------------------------------------------------
  var LOGGED_OUT =
    "Not saved: you were logged out. Your text is still here; log in again in another tab and saving resumes.";

  function setStatus(form, text, kind) {
    var status = form.querySelector("[data-save-status]");
    if (!status) return;
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function csrfToken(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function prepareSubmit(form) {
    var state = form._autosave;
    if (!state) return;
    state.stopped = true;
    form.querySelector("[data-revision]").value = String(state.revision + 1);
  }

  function startAutosave(form) {
    if (form._autosave) return;
    var box = form.querySelector("textarea[data-autosave-url]");
    if (!box) return;
    var state = {
      revision: Number(box.dataset.savedRevision) || 0, // the newest revision typed here
      acked: Number(box.dataset.savedRevision) || 0, // the newest the server acknowledged
      timer: null,
      inFlight: false,
      backoff: 1000,
      stopped: false,
    };
    form._autosave = state;

    function schedule(delay) {
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(send, delay);
    }

    function send() {
      if (state.stopped || state.inFlight || state.acked >= state.revision) return;
      state.inFlight = true;
      var sent = state.revision;
      var body = new FormData();
      body.append("answer", box.value);
      body.append("revision", String(sent));
      fetch(box.dataset.autosaveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (data) {
              handle(response.status, data, sent);
            });
        })
        .catch(function () {
          state.inFlight = false;
          retryLater("Not saved: offline or the server is unreachable. Retrying…");
        });
    }

    function retryLater(text) {
      setStatus(form, text, "error");
      schedule(state.backoff);
      state.backoff = Math.min(state.backoff * 2, 30000);
    }

    function handle(status, data, sent) {
      state.inFlight = false;
      if (status === 200) {
        state.acked = Math.max(state.acked, sent);
        state.backoff = 1000;
        if (state.acked >= state.revision) {
          var at = data.saved_at ? new Date(data.saved_at).toLocaleTimeString() : "";
          setStatus(form, "Saved" + (at ? " at " + at : ""), "saved");
        } else {
          schedule(0);
        }
      } else if (status === 409 && data.status === "stale") {
        state.stopped = true;
        setStatus(
          form,
          "Opened in another tab: a newer version was saved there. Continue in that tab, or reload this one.",
          "conflict"
        );
      } else if (status === 409) {
        state.stopped = true;
        setStatus(form, data.message || "This answer is closed.", "conflict");
        if (data.status === "late" || data.status === "closed") {
          window.setTimeout(function () {
            window.location.reload();
          }, 2500);
        }
      } else if (status === 422) {
        setStatus(form, "Not saved: " + (data.message || "the answer cannot be stored."), "error");
      } else if (status === 401) {
        setStatus(form, LOGGED_OUT, "error");
        schedule(5000);
      } else if (status === 403) {
        // The CSRF token rotated (logged in again elsewhere): fetch a fresh one, then retry.
        fetch(box.dataset.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) {
            return r.ok ? r.json() : Promise.reject(r.status);
          })
          .then(function (data) {
            form.querySelector("input[name=csrfmiddlewaretoken]").value = data.token;
            schedule(0);
          })
          .catch(function () {
            setStatus(form, LOGGED_OUT, "error");
            schedule(5000);
          });
      } else {
        retryLater("Not saved (error " + status + "). Retrying…");
      }
    }

    box.addEventListener("input", function () {
      if (state.stopped) return;
      state.revision += 1;
      setStatus(form, "Unsaved changes…", "pending");
      schedule(1000);
    });
    window.addEventListener("online", function () {
      state.backoff = 1000;
      schedule(0);
    });
    form.addEventListener("submit", function () {
      prepareSubmit(form);
    });
  }

  window.addEventListener("beforeunload", function (event) {
    var form = document.querySelector("[data-answer-form]");
    var state = form && form._autosave;
    if (state && !state.stopped && state.acked < state.revision) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Grading ----------------------------------------------------------------------------------
  var GRADE_NAMES = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };

  function suggest(form) {
    var boxes = form.querySelectorAll("[data-key-point]");
    var out = form.querySelector("[data-suggestion]");
    if (!boxes.length || !out) return;
    var ticked = Array.prototype.filter.call(boxes, function (b) {
      return b.checked;
    }).length;
    var share = ticked / boxes.length;
    var grade = share >= 1 ? 4 : share >= 0.75 ? 3 : share >= 0.4 ? 2 : 1;
    out.textContent =
      "You ticked " + ticked + " of " + boxes.length + " key points: that suggests " + GRADE_NAMES[grade] + ". You decide.";
    form.querySelectorAll("[data-grade]").forEach(function (b) {
      b.classList.toggle("grade-suggested", Number(b.dataset.grade) === grade);
    });
  }

  function startGrading(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form.addEventListener("change", function () {
      suggest(form);
    });
    suggest(form);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" && target.type === "text")) return;
    if (!/^[1-4]$/.test(event.key)) return;
    var button = document.querySelector('[data-grade-form] [data-grade="' + event.key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  // Wiring -----------------------------------------------------------------------------------
  function init(root) {
    root.querySelectorAll("[data-countdown]").forEach(startCountdown);
    root.querySelectorAll("[data-answer-form]").forEach(startAutosave);
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
    var heading = document.querySelector("#stage [data-focus-on-swap]");
    if (heading) heading.focus();
  });
})();
