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
  var LOGGED_OUT = "you were logged out. Your text is still here: log in again in another tab and this page carries on.";

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

  // A fresh CSRF token, after a login in another tab rotated it; every form on the page gets it.
  function refreshToken() {
    var el = stage();
    var url = el ? el.dataset.tokenUrl : null;
    if (!url) return Promise.reject(0);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(r.status);
      })
      .then(function (data) {
        document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
          input.value = data.token;
        });
        document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": data.token }));
        return data.token;
      });
  }

  function csrfToken(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function retryAfter(response, fallback) {
    var seconds = Number(response && response.headers && response.headers.get("Retry-After"));
    return seconds > 0 ? seconds * 1000 : fallback;
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
  }

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
  function startAnswer(form) {
    if (form._autosave) return;
    var box = form.querySelector("textarea[data-autosave-url]");
    if (!box) return;
    var statusEl = form.querySelector("[data-save-status]");
    var baseInput = form.querySelector("[data-base]");
    var writerInput = form.querySelector("[data-writer]");
    var serverConflict = document.querySelector("#stage [data-conflict]");
    var state = {
      base: Number(box.dataset.savedRevision) || 0, // the revision this page's text is based on
      acked: box.defaultValue, // the text the server holds at that revision
      writer: randomId(), // this page; a reload or a Back navigation is a new page
      timer: null,
      inFlight: false,
      backoff: 1000,
      submitting: false,
      submitBackoff: 2000,
      closed: false, // the server will take no more saves for this answer
      timeIsUp: false,
      conflict: null, // {theirs, revision} while the candidate chooses
      tokenRetried: false,
    };
    form._autosave = state;
    writerInput.value = state.writer;
    baseInput.value = String(state.base);

    function setStatus(text, kind) {
      statusEl.textContent = text;
      statusEl.dataset.kind = kind;
    }

    function dirty() {
      return box.value !== state.acked;
    }

    function setBase(revision) {
      state.base = revision;
      baseInput.value = String(revision);
    }

    function alive() {
      return document.body.contains(form);
    }

    function schedule(delay) {
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(send, delay);
    }

    function retryLater(text) {
      setStatus(text, "error");
      schedule(state.backoff);
      state.backoff = Math.min(state.backoff * 2, 30000);
    }

    function send() {
      if (!alive() || state.closed || state.conflict || state.inFlight || state.submitting) return;
      if (!dirty()) return;
      state.inFlight = true;
      var sent = box.value;
      var body = new FormData();
      body.append("answer", sent);
      body.append("base", String(state.base));
      body.append("writer", state.writer);
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
              state.inFlight = false;
              handle(response, data, sent);
              submitIfWaiting();
            });
        })
        .catch(function () {
          // The save may or may not have reached the server: the next one, from this same
          // page, is accepted either way (the server knows this page wrote the last revision).
          state.inFlight = false;
          retryLater("Not saved: offline or the server is unreachable. Your text is kept here; retrying…");
          submitIfWaiting();
        });
    }

    function submitIfWaiting() {
      if (!state.submitAfterSave) return;
      state.submitAfterSave = false;
      submitNow(true);
    }

    function handle(response, data, sent) {
      var status = response.status;
      if (status !== 403) state.tokenRetried = false;
      if (status === 200) {
        setBase(data.revision);
        state.acked = sent;
        state.backoff = 1000;
        if (dirty()) {
          setStatus("Unsaved changes…", "pending");
          schedule(1000);
        } else {
          setStatus("Saved" + (data.saved_at_display ? " at " + data.saved_at_display : ""), "saved");
        }
      } else if (status === 409 && data.status === "conflict") {
        enterConflict(data.text, data.revision, data.saved_at_display);
      } else if (status === 409) {
        moveOn(data.message || "This answer is closed.", data.status === "late");
      } else if (status === 422) {
        setStatus("Not saved: " + (data.message || "the answer cannot be stored."), "error");
      } else if (status === 401) {
        setStatus("Not saved: " + LOGGED_OUT, "error");
        schedule(5000);
      } else if (status === 403 && !state.tokenRetried) {
        state.tokenRetried = true;
        refreshToken().then(
          function () {
            schedule(0);
          },
          function () {
            setStatus("Not saved: " + LOGGED_OUT, "error");
            schedule(5000);
          }
        );
      } else if (status === 403) {
        setStatus("Not saved: this page's security token is no longer accepted. Copy your text, then reload the page.", "error");
        schedule(10000);
      } else if (status === 429) {
        setStatus("Not saved yet: saving too often. Retrying in a moment…", "pending");
        schedule(retryAfter(response, 5000));
      } else {
        retryLater("Not saved (error " + status + "). Your text is kept here; retrying…");
      }
    }

    // The server takes no more saves (submitted in another tab, or the time ran out).
    function moveOn(message, kept) {
      state.closed = true;
      window.clearTimeout(state.timer);
      if (!dirty() || kept) {
        setStatus(message, "conflict");
        window.setTimeout(reloadStage, 2500);
        return;
      }
      box.readOnly = true;
      setStatus(
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

    // Conflicts: both texts side by side; the candidate keeps one, the other, or a merge.
    function enterConflict(theirs, revision, when) {
      window.clearTimeout(state.timer);
      state.conflict = { theirs: theirs, revision: revision };
      var panel = document.querySelector("#stage [data-conflict]");
      if (!panel) {
        var template = document.querySelector("#stage [data-conflict-template]");
        panel = template.content.firstElementChild.cloneNode(true);
        form.before(panel);
      }
      panel.querySelector("[data-conflict-theirs]").textContent = theirs;
      panel.querySelector("[data-conflict-mine]").textContent = box.value;
      if (when) panel.querySelector("[data-conflict-when]").textContent = "at " + when;
      wireConflict(panel);
      box.readOnly = true;
      setStatus("Not saved: this answer was changed in another tab. Choose which version to keep.", "conflict");
      panel.querySelector("[data-resolve]").focus();
    }

    function wireConflict(panel) {
      panel.querySelectorAll("[data-js-only]").forEach(function (el) {
        el.hidden = false;
      });
      panel.querySelectorAll("[data-no-js-only]").forEach(function (el) {
        el.hidden = true;
      });
      if (panel.dataset.wired) return;
      panel.dataset.wired = "1";
      panel.addEventListener("click", function (event) {
        var button = event.target.closest("[data-resolve]");
        if (button) resolve(button.dataset.resolve, panel);
      });
    }

    function resolve(choice, panel) {
      var c = state.conflict;
      if (!c) return;
      var mine = panel.querySelector("[data-conflict-mine]").textContent;
      setBase(c.revision);
      state.acked = c.theirs;
      if (choice === "theirs") box.value = c.theirs;
      else if (choice === "merge") box.value = "[Saved version]\n" + c.theirs + "\n\n[This tab's version]\n" + mine;
      else box.value = mine;
      state.conflict = null;
      panel.remove();
      box.readOnly = state.timeIsUp;
      box.focus();
      if (dirty()) {
        setStatus("Saving your choice…", "pending");
        send();
      } else {
        setStatus("Kept the saved version.", "saved");
      }
    }

    // What the server holds now, compared with what this page shows (Back, focus, another tab).
    var lastCheck = 0;
    function reconcile(force) {
      if (!alive() || state.closed || state.submitting || state.inFlight) return;
      var now = Date.now();
      if (!force && now - lastCheck < 2000) return;
      lastCheck = now;
      fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401) {
            setStatus("Not saved: " + LOGGED_OUT, "error");
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data || !alive() || state.inFlight || state.submitting) return;
          if (!data.writable) {
            if (dirty()) send(); // the server keeps it as a late draft, or says it is closed
            else reloadStage();
            return;
          }
          if (data.revision === state.base) {
            if (dirty() && !state.conflict) schedule(0);
            return;
          }
          if (state.conflict) {
            if (state.conflict.revision !== data.revision) enterConflict(data.text, data.revision, data.saved_at_display);
          } else if (!dirty() || box.value === data.text) {
            // Nothing unsaved here: the newer saved text simply replaces the older one.
            box.value = data.text;
            state.acked = data.text;
            setBase(data.revision);
            setStatus("Updated with the version saved in another tab at " + data.saved_at_display + ".", "saved");
          } else {
            enterConflict(data.text, data.revision, data.saved_at_display);
          }
        })
        .catch(function () {
          /* offline: autosave reports it when there is something to save */
        });
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
      setStatus("Time is up. Submitting your answer…", "pending");
      submitNow();
    };

    // `again` resends the button last pressed (the question navigator's buttons say where to go).
    function submitNow(again) {
      if (!alive()) return;
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
        setStatus(what + "offline or the server is unreachable. Your text is kept here; retrying every few seconds. Keep this page open.", "error");
      } else if (status === 401) {
        setStatus(what + LOGGED_OUT, "error");
        delay = 5000;
      } else if (status === 403 && !state.tokenRetried) {
        state.tokenRetried = true;
        setStatus(what + "renewing this page's security token…", "pending");
        refreshToken().then(function () {
          submitNow(true);
        }, function () {
          setStatus(what + LOGGED_OUT, "error");
          window.setTimeout(submitNow, 5000, true);
        });
        return;
      } else if (status === 403) {
        setStatus(what + "this page's security token is no longer accepted. Copy your text, then reload the page.", "error");
        return;
      } else if (status === 429) {
        setStatus(what + "too many requests. Retrying in a moment…", "pending");
        delay = retryAfter({ headers: { get: xhr.getResponseHeader.bind(xhr) } }, 5000);
      } else {
        setStatus(what + "the server answered with error " + status + ". Your text is kept here; retrying…", "error");
      }
      window.setTimeout(submitNow, delay, !state.timeIsUp);
      if (!state.timeIsUp) schedule(1000); // keep saving what is typed meanwhile
    });

    box.addEventListener("input", function () {
      if (state.closed || state.conflict) return;
      setStatus("Unsaved changes…", "pending");
      schedule(1000);
    });
    // What the page-wide listeners below call on the answer box on screen now.
    state.online = function () {
      state.backoff = 1000;
      schedule(0);
    };
    state.reconcile = reconcile;

    // On load: the server may have rendered a conflict, or the browser may have restored an
    // older text into the box (Back): either way, show both texts instead of saving over.
    if (serverConflict) {
      var theirs = serverConflict.querySelector("[data-conflict-theirs]").textContent;
      state.acked = theirs;
      state.conflict = { theirs: theirs, revision: state.base };
      box.readOnly = true;
      wireConflict(serverConflict);
    } else if (box.value !== box.defaultValue) {
      enterConflict(box.defaultValue, state.base, box.dataset.savedAt);
      var label = document.querySelector("#stage [data-conflict] h4 + [data-conflict-mine]");
      if (label) label.previousElementSibling.textContent = "Text your browser restored (not saved)";
    }
  }

  // Page-wide events, registered once: they act on the answer box on screen now (a stage swap
  // replaces it, and the old one's state goes with it).
  function currentAnswer() {
    var form = document.querySelector("#stage [data-answer-form]");
    return form && form._autosave;
  }
  window.addEventListener("online", function () {
    var state = currentAnswer();
    if (state) state.online();
  });
  document.addEventListener("visibilitychange", function () {
    var state = currentAnswer();
    if (state && document.visibilityState === "visible") state.reconcile(false);
  });
  window.addEventListener("focus", function () {
    var state = currentAnswer();
    if (state) state.reconcile(false);
  });
  window.addEventListener("pageshow", function (event) {
    var state = currentAnswer();
    if (state && event.persisted) state.reconcile(true); // restored from the back-forward cache
  });

  window.addEventListener("beforeunload", function (event) {
    var form = document.querySelector("#stage [data-answer-form]");
    var state = form && form._autosave;
    if (state && (state.conflict || form.querySelector("textarea").value !== state.acked)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

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
      refreshToken().then(function () {
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
