// A never-lose autosave for one textarea: the compare-and-swap protocol that the practice answer
// box (practice.js) and the interviewer's notes (interview.js) both use.
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
// <template data-conflict-template> holding the conflict panel; an element on the page carries
// [data-token-url] (where a fresh CSRF token comes from).
(function () {
  "use strict";

  var LOGGED_OUT = "you were logged out. Your text is still here: log in again in another tab and this page carries on.";

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

  // A fresh CSRF token, after a login in another tab rotated it; every form on the page (and htmx)
  // gets it.
  function refreshToken() {
    var holder = document.querySelector("[data-token-url]");
    if (!holder) return Promise.reject(0);
    return fetch(holder.dataset.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
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

  // Every attached box; page-wide events act on those still on the page (an htmx swap may have
  // replaced a form, and its state goes with it).
  var attached = [];

  // options:
  //   scope        where the conflict panel and its template live (default: the form)
  //   place(panel) puts a new conflict panel on the page (default: just before the textarea)
  //   noun         what the text is, in messages ("this answer was", "these notes were")
//   closedMessage   what a closed text says when the server gives no message
  //   onClosed(data)  the server takes no more saves (a 409 that is not a conflict)
  //   onNotWritable() a check finds the text closed while nothing was sent
  //   afterResponse() after every answer to a save, or its failure
  // The returned state also carries: send, schedule, setStatus, dirty, flush, enterConflict,
  // reconcile, and the flags `submitting` and `timeIsUp` that a page's own submit sets.
  function attach(form, options) {
    if (form._autosave) return form._autosave;
    options = options || {};
    var box = form.querySelector("textarea[data-autosave-url]");
    if (!box) return null;
    var scope = options.scope || form;
    var noun = options.noun || "this text was";
    var statusEl = form.querySelector("[data-save-status]");
    var baseInput = form.querySelector("[data-base]");
    var writerInput = form.querySelector("[data-writer]");
    var serverConflict = scope.querySelector("[data-conflict]");
    var state = {
      form: form,
      box: box,
      base: Number(box.dataset.savedRevision) || 0, // the revision this page's text is based on
      acked: box.defaultValue, // the text the server holds at that revision
      writer: randomId(), // this page; a reload or a Back navigation is a new page
      timer: null,
      inFlight: false,
      backoff: 1000,
      submitting: false, // the page's own submit is on its way
      closed: box.readOnly, // the server will take no more saves for this text
      timeIsUp: false,
      conflict: null, // {theirs, revision} while the person chooses
      tokenRetried: false,
    };
    form._autosave = state;
    attached.push(state);
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
    function closed(data) {
      if (options.onClosed) return options.onClosed(data);
      state.closed = true;
      window.clearTimeout(state.timer);
      box.readOnly = true;
      setStatus(
        (data.message || options.closedMessage || "Closed: no more changes are taken.") + (dirty() ? " The text in this box was not saved: copy anything you need." : ""),
        "conflict"
      );
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
      var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      fetch(box.dataset.autosaveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
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
              if (options.afterResponse) options.afterResponse();
            });
        })
        .catch(function () {
          // The save may or may not have reached the server: the next one, from this same
          // page, is accepted either way (the server knows this page wrote the last revision).
          state.inFlight = false;
          retryLater("Not saved: offline or the server is unreachable. Your text is kept here; retrying…");
          if (options.afterResponse) options.afterResponse();
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
        closed(data);
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

    // Conflicts: both texts side by side; the person keeps one, the other, or both to edit.
    function enterConflict(theirs, revision, when) {
      window.clearTimeout(state.timer);
      state.conflict = { theirs: theirs, revision: revision };
      var panel = scope.querySelector("[data-conflict]");
      if (!panel) {
        var template = scope.querySelector("[data-conflict-template]");
        panel = template.content.firstElementChild.cloneNode(true);
        if (options.place) options.place(panel);
        else box.before(panel);
      }
      panel.querySelector("[data-conflict-theirs]").textContent = theirs;
      panel.querySelector("[data-conflict-mine]").textContent = box.value;
      if (when) panel.querySelector("[data-conflict-when]").textContent = "at " + when;
      wireConflict(panel);
      box.readOnly = true;
      setStatus("Not saved: " + noun + " changed in another tab. Choose which version to keep.", "conflict");
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
            if (options.onNotWritable) options.onNotWritable();
            else closed({});
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

    box.addEventListener("input", function () {
      if (state.closed || state.conflict) return;
      setStatus("Unsaved changes…", "pending");
      schedule(1000);
    });

    state.send = send;
    state.schedule = schedule;
    state.setStatus = setStatus;
    state.dirty = dirty;
    state.alive = alive;
    state.enterConflict = enterConflict;
    state.reconcile = reconcile;
    state.flush = function () {
      schedule(0);
    };
    state.online = function () {
      state.backoff = 1000;
      schedule(0);
    };

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
      var label = scope.querySelector("[data-conflict] h4 + [data-conflict-mine]");
      if (label) label.previousElementSibling.textContent = "Text your browser restored (not saved)";
    }
    return state;
  }

  // Page-wide events, registered once for every box on the page.
  function each(callback) {
    attached = attached.filter(function (state) {
      return state.alive();
    });
    attached.forEach(callback);
  }
  window.addEventListener("online", function () {
    each(function (state) {
      state.online();
    });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    each(function (state) {
      state.reconcile(false);
    });
  });
  window.addEventListener("focus", function () {
    each(function (state) {
      state.reconcile(false);
    });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return; // restored from the back-forward cache: check what is saved
    each(function (state) {
      state.reconcile(true);
    });
  });
  // Leaving with text the server does not hold: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    var unsaved = false;
    each(function (state) {
      if (state.conflict || state.dirty()) unsaved = true;
    });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  window.IPAutosave = { attach: attach, refreshToken: refreshToken, retryAfter: retryAfter, LOGGED_OUT: LOGGED_OUT };
})();
