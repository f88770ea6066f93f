// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Times: the server writes UTC; show the viewer's local time first, UTC beside it.
  function localiseTimes(root) {
    root.querySelectorAll("time.dt:not([data-local])").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var local = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      el.textContent = local + " (" + el.textContent + ")";
      el.setAttribute("data-local", "1");
    });
    // A hidden field that only carries the browser's zone (registration: the candidate's own zone
    // for the times in their e-mails).
    root.querySelectorAll("input[type=hidden][data-browser-tz]").forEach(function (el) {
      try { el.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* left empty: UTC */ }
    });
    root.querySelectorAll("select[data-browser-tz]").forEach(function (el) {
      if (el.dataset.touched) return;
      try {
        var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (tz && el.querySelector('option[value="' + tz + '"]') && el.value === "UTC") el.value = tz;
      } catch (e) { /* keep UTC */ }
    });
  }
  // A zone picked by hand stays picked, whatever is swapped in later.
  document.addEventListener("change", function (evt) {
    if (evt.target.matches && evt.target.matches("select[data-browser-tz]")) evt.target.dataset.touched = "1";
  });
  document.addEventListener("DOMContentLoaded", function () { localiseTimes(document); });
  document.addEventListener("htmx:load", function (evt) { localiseTimes(evt.detail.elt.parentNode || document); });

  // "Use AI score": copy the AI's proposal into HR's score field (HR still saves it).
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-use-score]");
    if (!button) return;
    var input = document.getElementById(button.dataset.scoreInput);
    if (input) { input.value = button.dataset.useScore; input.focus(); }
  });

  // "Copy link": the button is hidden until this script runs (without it the field is selectable).
  function showCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  showCopyButtons(document);
  document.addEventListener("htmx:load", function (evt) { showCopyButtons(evt.detail.elt.parentNode || document); });
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { button.textContent = "Select and copy"; });
    } else {
      button.textContent = "Selected: press Ctrl+C";
    }
  });

  // A message in the page's message area, as the server's flashes look; `replace` clears the others.
  function addMessage(text, kind, replace, testId) {
    var box = document.getElementById("messages");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + kind;
    if (testId) p.setAttribute("data-testid", testId);
    p.textContent = text;
    if (replace) box.replaceChildren(p); else box.appendChild(p);
    return p;
  }
  function showError(message) {
    var p = addMessage(message, "error", true);
    if (p) p.setAttribute("role", "alert");
  }
  // The message of an error fragment the server aimed at #messages (handlers.error_response).
  function serverMessage(xhr) {
    if (!xhr || xhr.getResponseHeader("HX-Retarget") !== "#messages") return "";
    var alert = new DOMParser().parseFromString(xhr.responseText || "", "text/html").querySelector("[role=alert]");
    return alert ? alert.textContent.trim() : "";
  }
  // htmx does not swap 5xx or network failures: say so instead of failing silently, in the
  // server's words when it sent some (e.g. 503 "the database is busy").
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.elt && evt.detail.elt.closest("[data-autosave]")) return; // autosave has its own status line
    var xhr = evt.detail.xhr;
    showError(serverMessage(xhr) || "The server could not complete this request (" + xhr.status + "). Try again.");
  });
  document.addEventListener("htmx:sendError", function (evt) {
    if (evt.detail.elt && evt.detail.elt.closest("[data-autosave]")) return;
    showError("The server cannot be reached. Check your connection and try again.");
  });


  // Autosave: each answer is sent ~1 s after typing stops, on blur and before Next/Previous.
  // One request at a time per answer; every save carries a sequence number that only grows,
  // so the server keeps the newest text even when requests arrive out of order (or from two tabs).
  // Unsent text stays in the page and in localStorage until the server confirms it.
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  // A new sign-in starts a new session, and with it a new CSRF token: a page opened before it
  // (signed out, then in again in another tab) would be refused forever. Fetch this page again
  // and take the token the server gives now.
  function refreshCsrfToken() {
    return fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var headers = new DOMParser().parseFromString(html, "text/html").body.getAttribute("hx-headers");
        var token = JSON.parse(headers)["X-CSRFToken"];
        if (!token) return;
        document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
        document.querySelectorAll("input[name=csrf_token]").forEach(function (el) { el.value = token; });
      })
      .catch(function () { /* keep the old token; the next retry tries again */ });
  }
  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  var DRAFT_PREFIX = "interviewer:answer:";

  // The question overview of an answer page: one button per question, "answered" or not.
  function markOverview(questionId, answered) {
    var button = document.querySelector('[data-overview-qid="' + questionId + '"]');
    if (!button) return;
    button.classList.toggle("answered", answered);
    button.classList.toggle("outline", !answered);
    // The accessible name says it too, as the server renders it.
    button.setAttribute("aria-label", "Question " + button.textContent.trim() + (answered ? ", answered" : ""));
    var count = document.querySelector('[data-testid="answered-count"]');
    if (count) count.textContent = String(document.querySelectorAll(".overview .answered").length);
  }

  function announce(text, kind) { addMessage(text, kind, false, "drafts-sent"); }

  function numbered(numbers) {
    numbers.sort(function (a, b) { return a - b; });
    if (numbers.length === 1) return "question " + numbers[0];
    return "questions " + numbers.slice(0, -1).join(", ") + " and " + numbers[numbers.length - 1];
  }

  // A tab closed within a second of typing leaves the end of an answer in localStorage only. Any
  // page of that interview (and the dashboard) sends every such draft with the sequence number it
  // was typed with: the server keeps it only if nothing newer arrived meanwhile. The answer page's
  // own question is left to its autosave (which restores the text into the box).
  function sendKeptDrafts(holder) {
    var ids = (holder.getAttribute("data-send-drafts") || "").split(/\s+/).filter(Boolean);
    var urlTemplate = holder.getAttribute("data-draft-url");
    var own = {};
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      own[DRAFT_PREFIX + form.getAttribute("data-key")] = true;
    });
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) keys.push(localStorage.key(i));
    } catch (e) { return; }
    ids.forEach(function (interviewId) {
      var info = holder.querySelector('[data-interview="' + interviewId + '"]');
      var questions = info ? (info.getAttribute("data-questions") || "").split(/\s+/) : [];
      var title = info ? info.getAttribute("data-title") : "";
      var prefix = DRAFT_PREFIX + interviewId + ":";
      var sends = keys.filter(function (key) { return key && key.indexOf(prefix) === 0 && !own[key]; })
        .map(function (key) { return sendDraft(key, interviewId, key.slice(prefix.length), urlTemplate); });
      if (!sends.length) return;
      Promise.all(sends).then(function (outcomes) {
        var saved = [], lost = [];
        outcomes.forEach(function (out) {
          var n = questions.indexOf(out.questionId) + 1;
          if (out.result === "saved") saved.push(n);
          if (out.result === "closed") lost.push(n);
          if (out.result === "saved") markOverview(out.questionId, out.answered);
        });
        var onThisInterview = !!document.querySelector('form[data-key^="' + interviewId + ':"]') ||
                              !!document.querySelector('[data-drafts-refresh]');
        var where = onThisInterview ? "" : " of “" + title + "”";
        if (saved.length) {
          announce("Text you typed earlier for " + numbered(saved) + where +
                   " had not reached the server: it is restored and saved now.", "success");
          refreshSummary();
        }
        if (lost.length) {
          announce("Text you typed for " + numbered(lost) + where +
                   " did not reach the server before the interview closed, so it was not saved.", "error");
        }
      });
    });
  }

  // Resolves to { questionId, result: saved | stale | closed | kept-for-later, answered }.
  function sendDraft(key, interviewId, questionId, urlTemplate) {
    var raw, draft;
    try { raw = localStorage.getItem(key); draft = JSON.parse(raw || "null"); } catch (e) { draft = null; }
    var done = function (result, answered) { return { questionId: questionId, result: result, answered: answered }; };
    function drop() {
      // Only the draft that was sent: a tab still typing that answer may have written a newer one.
      try { if (localStorage.getItem(key) === raw) localStorage.removeItem(key); } catch (e) { /* ignore */ }
    }
    if (!draft || typeof draft.text !== "string") { drop(); return Promise.resolve(done("stale")); }
    var seq = draft.seq || (draft.base || 0) + 1;
    var body = new URLSearchParams({ answer: draft.text, seq: String(seq), cleared: draft.text.trim() === "" ? "1" : "0" });
    var url = urlTemplate.replace("INTERVIEW", encodeURIComponent(interviewId)).replace("QUESTION", encodeURIComponent(questionId));
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) {
          drop();
          return done(data.saved ? "saved" : "stale", draft.text.trim() !== "");
        }
        if (res.status === 409 && !(data.error && data.error.code === "duplicate")) { drop(); return done("closed"); }
        if (res.status === 404 || res.status === 422) { drop(); return done("stale"); }
        return done("kept-for-later"); // busy, offline, signed out: the next page tries again
      });
    }).catch(function () { return done("kept-for-later"); });
  }

  // The submit page lists unanswered questions: after drafts were saved, show the list as it is now.
  function refreshSummary() {
    var summary = document.querySelector("[data-drafts-refresh]");
    if (!summary) return;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.ok ? res.text() : ""; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").querySelector("[data-drafts-refresh]");
        if (fresh) summary.replaceWith(fresh);
      })
      .catch(function () { /* the list stays as it was; the answers are saved */ });
  }

  function setupAutosave(form) {
    var area = form.querySelector("textarea[name=answer]");
    var status = form.querySelector("[data-save-status]");
    var url = form.getAttribute("data-save-url");
    var storeKey = "interviewer:answer:" + form.getAttribute("data-key");
    var lastSeq = parseInt(form.getAttribute("data-seq"), 10) || 0;
    var savedText = area.value;
    var confirmedSeq = lastSeq; // the server's sequence number this page's text builds on
    var inFlight = false, queued = false, timer = null, retryTimer = null, delay = 1000, stopped = false;

    function nextSeq() { lastSeq = Math.max(Date.now(), lastSeq + 1); return lastSeq; }
    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }
    // The draft carries the sequence number of the moment it was typed, so whichever page sends it
    // later (sendKeptDrafts), the server's newest-wins rule still decides.
    function backup(seq) {
      var draft = { text: area.value, base: confirmedSeq, seq: seq || Math.max(Date.now(), lastSeq + 1) };
      try { localStorage.setItem(storeKey, JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
    }
    function dropBackup() { try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ } }
    function markAnswered(answered) { markOverview(form.getAttribute("data-key").split(":")[1], answered); }

    function retry(message) {
      say(message + " — retrying in " + Math.round(delay / 1000) + " s. Your text is kept on this page.", true);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(save, delay);
      delay = Math.min(delay * 2, 30000);
    }

    function save() {
      clearTimeout(timer);
      if (stopped) return;
      if (inFlight) { queued = true; return; }
      var text = area.value;
      if (text === savedText) { say(status.textContent, false); return; }
      inFlight = true;
      var body = new URLSearchParams({ answer: text, seq: String(nextSeq()), cleared: text.trim() === "" ? "1" : "0" });
      say("Saving…", false);
      fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) { return { res: res, data: data }; });
      }).then(function (out) {
        inFlight = false;
        var res = out.res, data = out.data;
        if (res.ok) {
          delay = 1000;
          savedText = text;
          confirmedSeq = Math.max(confirmedSeq, data.seq || 0);
          if (area.value === text) dropBackup();
          markAnswered(text.trim() !== "" || data.reason === "kept");
          say(data.reason === "stale" ? "Saved " + clock(data.saved_at) + " (a newer version from another tab is kept)"
                                      : "Saved " + clock(data.saved_at), false);
          if (queued || area.value !== savedText) { queued = false; save(); }
        } else if (res.status === 503) {
          // The database is locked, full or unreachable for a moment: wait at least as long as it asks.
          var after = parseInt(res.headers.get("Retry-After"), 10);
          if (after > 0) delay = Math.max(delay, Math.min(after * 1000, 30000));
          retry("Not saved (the database is busy)");
        } else if (res.status === 409 && data.error && data.error.code === "duplicate") {
          retry("Not saved (another save came at the same moment)"); // a race the next try wins
        } else if (res.status === 409 || res.status === 422) {
          stopped = res.status === 409;
          say("Not saved — " + ((data.error && data.error.message) || "the server refused this answer."), true);
        } else if (res.status === 401 || res.status === 400) {
          refreshCsrfToken().then(function () {
            retry("Not saved — your session has expired; sign in again in another tab");
          });
        } else {
          retry("Not saved (server error " + res.status + ")");
        }
      }).catch(function () {
        inFlight = false;
        retry("Not saved — the server cannot be reached");
      });
    }

    // Text typed while offline survives a reload: restore it if it differs from what the server has.
    try {
      var kept = JSON.parse(localStorage.getItem(storeKey) || "null");
      // Only when nothing newer reached the server since (e.g. from another tab).
      if (kept && typeof kept.text === "string" && kept.text !== area.value && (kept.base || 0) >= confirmedSeq) {
        area.value = kept.text;
        say("Restored text that had not reached the server; saving it now…", false);
        setTimeout(save, 0);
      } else if (kept) { dropBackup(); }
    } catch (e) { /* ignore */ }

    area.addEventListener("input", function () {
      backup();
      say("Unsaved changes…", false);
      clearTimeout(timer);
      timer = setTimeout(save, 1000);
    });
    area.addEventListener("blur", save);
    // Every way off this page (Previous, Next, the question numbers, Review and submit, Save and
    // back) is a submit button of this form: the post itself saves, ordered after every autosave by
    // its sequence number. The draft keeps that number, so if the post never arrives, a later page
    // sends the text; if it did, that send is simply stale.
    form.addEventListener("submit", function () {
      var seq = nextSeq();
      form.querySelector("input[name=seq]").value = String(seq);
      form.querySelector("input[name=cleared]").value = area.value.trim() === "" ? "1" : "0";
      if (area.value !== savedText) backup(seq);
      savedText = area.value;
    });
    window.addEventListener("beforeunload", function (evt) {
      if (area.value !== savedText) { evt.preventDefault(); evt.returnValue = ""; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(setupAutosave);
    document.querySelectorAll("[data-send-drafts]").forEach(sendKeptDrafts);
  });
})();
