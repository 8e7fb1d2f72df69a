// A never-lose autosave for one textarea: the protocol of the practice answer box, as a small
// helper any page can attach (the interviewer's notes use it).
//
// The server owns the revision. Each save says which revision its text was based on (`base`) and
// which page wrote it (`writer`); the server applies it only if that is still true (200 with the
// new revision), else answers 409 with the text it holds ("conflict") or says the text is closed.
// The page never overwrites text it has not seen: on a conflict both texts are shown and the
// person chooses. Every failure (offline, lost response, logged out, stale token, rate limit)
// keeps the text on screen, says why, and retries.
//
// Markup: a form with a textarea[data-autosave-url][data-state-url][data-saved-revision],
// hidden inputs [data-base] and [data-writer], a [data-save-status] element and a
// <template data-conflict-template> holding the conflict panel.
(function () {
  "use strict";

  var LOGGED_OUT = "you were logged out. Your text is still here: log in again in another tab and this page carries on.";
  var TOKEN_URL = "/practice/token/";

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
  }

  function retryAfter(response, fallback) {
    var seconds = Number(response && response.headers && response.headers.get("Retry-After"));
    return seconds > 0 ? seconds * 1000 : fallback;
  }

  // A fresh CSRF token, after a login in another tab rotated it; every form on the page gets it.
  function refreshToken() {
    return fetch(TOKEN_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(r.status);
      })
      .then(function (data) {
        document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
          input.value = data.token;
        });
        return data.token;
      });
  }

  function attach(form, options) {
    if (form._autosave) return form._autosave;
    options = options || {};
    var box = form.querySelector("textarea[data-autosave-url]");
    var statusEl = form.querySelector("[data-save-status]");
    var baseInput = form.querySelector("[data-base]");
    var writerInput = form.querySelector("[data-writer]");
    var closedMessage = options.closedMessage || "Closed: no more changes are taken.";
    var state = {
      base: Number(box.dataset.savedRevision) || 0,
      acked: box.defaultValue,
      writer: randomId(),
      timer: null,
      inFlight: false,
      backoff: 1000,
      closed: box.readOnly,
      conflict: null,
      tokenRetried: false,
    };
    form._autosave = state;
    writerInput.value = state.writer;
    baseInput.value = String(state.base);
    form.querySelectorAll("[data-no-js-only]").forEach(function (el) {
      el.hidden = true;
    });

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
      if (state.closed || state.conflict || state.inFlight || !dirty()) return;
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
        headers: { "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value, Accept: "application/json" },
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
            });
        })
        .catch(function () {
          // The save may or may not have arrived: the next one from this page is accepted either
          // way (the server knows this page wrote the last revision).
          state.inFlight = false;
          retryLater("Not saved: offline or the server is unreachable. Your text is kept here; retrying…");
        });
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
        state.closed = true;
        box.readOnly = true;
        setStatus((data.message || closedMessage) + (dirty() ? " The text in this box was not saved: copy anything you need." : ""), "conflict");
      } else if (status === 422) {
        setStatus("Not saved: " + (data.message || "the text cannot be stored."), "error");
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

    function enterConflict(theirs, revision, when) {
      window.clearTimeout(state.timer);
      state.conflict = { theirs: theirs, revision: revision };
      var panel = form.querySelector("[data-conflict]");
      if (!panel) {
        var template = form.querySelector("[data-conflict-template]");
        panel = template.content.firstElementChild.cloneNode(true);
        box.before(panel);
        panel.addEventListener("click", function (event) {
          var button = event.target.closest("[data-resolve]");
          if (button) resolve(button.dataset.resolve, panel);
        });
      }
      panel.querySelector("[data-conflict-theirs]").textContent = theirs;
      panel.querySelector("[data-conflict-mine]").textContent = box.value;
      panel.querySelector("[data-conflict-when]").textContent = when ? "at " + when : "";
      box.readOnly = true;
      setStatus("Not saved: changed in another tab. Choose which version to keep.", "conflict");
      panel.querySelector("[data-resolve]").focus();
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
      box.readOnly = false;
      box.focus();
      if (dirty()) {
        setStatus("Saving your choice…", "pending");
        send();
      } else {
        setStatus("Kept the saved version.", "saved");
      }
    }

    // What the server holds now, against what this page shows (Back, focus, another tab).
    var lastCheck = 0;
    function reconcile(force) {
      if (state.closed || state.inFlight) return;
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
          if (!data || state.inFlight) return;
          if (!data.writable) {
            state.closed = true;
            box.readOnly = true;
            setStatus(closedMessage, "conflict");
            return;
          }
          if (data.revision === state.base) {
            if (dirty() && !state.conflict) schedule(0);
            return;
          }
          if (state.conflict) {
            if (state.conflict.revision !== data.revision) enterConflict(data.text, data.revision, data.saved_at_display);
          } else if (!dirty() || box.value === data.text) {
            box.value = data.text;
            state.acked = data.text;
            setBase(data.revision);
            setStatus("Updated with the version saved in another tab at " + data.saved_at_display + ".", "saved");
          } else {
            enterConflict(data.text, data.revision, data.saved_at_display);
          }
        })
        .catch(function () {
          /* offline: the next save reports it */
        });
    }

    box.addEventListener("input", function () {
      if (state.closed || state.conflict) return;
      setStatus("Unsaved changes…", "pending");
      schedule(1000);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // the plain form post is for pages without JavaScript
      schedule(0);
    });
    window.addEventListener("online", function () {
      state.backoff = 1000;
      schedule(0);
    });
    window.addEventListener("focus", function () {
      reconcile(false);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") reconcile(false);
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) reconcile(true);
    });
    window.addEventListener("beforeunload", function (event) {
      if (state.conflict || (!state.closed && dirty())) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    // The browser may have restored an older text into the box (Back): show both, save nothing.
    if (box.value !== box.defaultValue) {
      enterConflict(box.defaultValue, state.base, box.dataset.savedAt);
    }
    state.flush = function () {
      schedule(0);
    };
    state.dirty = dirty;
    return state;
  }

  window.IPAutosave = { attach: attach, refreshToken: refreshToken };
})();
