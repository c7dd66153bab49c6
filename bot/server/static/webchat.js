/* The web chat page: sends typed text or a pressed button's payload to /chat/api/message and shows
   the replies. Plain JavaScript, no build step, no inline script (the page's CSP allows only this
   file). The page's own words come from the server's catalogs (data-strings, /chat/api/strings). */
(function () {
  "use strict";

  var body = document.body;
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var status = document.getElementById("status");
  var statusText = document.getElementById("status-text");
  var retryButton = document.getElementById("retry");
  var busyNote = document.getElementById("busy");
  var languageSelect = document.getElementById("language");

  var state = {
    locale: body.getAttribute("data-locale") || "zh_Hans",
    strings: JSON.parse(body.getAttribute("data-strings") || "{}"),
    busy: false,
    failed: null // {request, label, typed}: what to send again
  };

  function say(key) {
    return state.strings[key] || key;
  }

  function messageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function setBusy(busy) {
    state.busy = busy;
    sendButton.disabled = busy;
    busyNote.textContent = busy ? say("sending") : "";
    log.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showStatus(text, canRetry) {
    statusText.textContent = text;
    retryButton.hidden = !canRetry;
    status.hidden = false;
  }

  function clearStatus() {
    status.hidden = true;
    statusText.textContent = "";
  }

  function scrollToEnd(element) {
    if (element && element.scrollIntoView) {
      element.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  function addParentMessage(text) {
    var item = document.createElement("li");
    item.className = "message parent pending";
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = say("you") + ": ";
    var words = document.createElement("p");
    words.className = "text";
    words.textContent = text;
    item.appendChild(who);
    item.appendChild(words);
    log.appendChild(item);
    scrollToEnd(item);
    return item;
  }

  function choiceButton(label, payload) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.textContent = label;
    button.setAttribute("data-payload", payload);
    return button;
  }

  function copyText(text, pre, note) {
    function done(ok) {
      note.textContent = ok ? say("copied") : say("copy_failed");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(pre);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    done(ok);
  }

  function saveText(text) {
    var blob = new Blob([text], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = say("checklist_file");
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function documentSection(text) {
    var section = document.createElement("section");
    section.className = "document";
    var heading = document.createElement("h3");
    heading.textContent = say("checklist");
    var pre = document.createElement("pre");
    pre.textContent = text;
    var actions = document.createElement("div");
    actions.className = "buttons";
    var note = document.createElement("p");
    note.className = "document-note";
    note.setAttribute("aria-live", "polite");
    var copy = document.createElement("button");
    copy.type = "button";
    copy.className = "doc-action copy";
    copy.textContent = say("copy");
    copy.addEventListener("click", function () { copyText(text, pre, note); });
    var save = document.createElement("button");
    save.type = "button";
    save.className = "doc-action save";
    save.textContent = say("save");
    save.addEventListener("click", function () { saveText(text); });
    actions.appendChild(copy);
    actions.appendChild(save);
    section.appendChild(heading);
    section.appendChild(pre);
    section.appendChild(actions);
    section.appendChild(note);
    return section;
  }

  function addReply(reply) {
    var item = document.createElement("li");
    item.className = "message assistant";
    item.tabIndex = -1;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = say("assistant") + ": ";
    var words = document.createElement("p");
    words.className = "text";
    words.textContent = reply.text;
    item.appendChild(who);
    item.appendChild(words);
    if (reply.document) {
      item.appendChild(documentSection(reply.document));
    }
    if (reply.buttons && reply.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      reply.buttons.forEach(function (button) {
        group.appendChild(choiceButton(button.label, button.payload));
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    return item;
  }

  function applyStrings(data) {
    state.strings = data.strings;
    state.locale = data.locale;
    document.documentElement.lang = data.html_lang;
    body.setAttribute("data-locale", data.locale);
    document.title = say("title");
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (element) {
      element.textContent = say(element.getAttribute("data-text"));
    });
    input.placeholder = say("placeholder");
    languageSelect.value = data.locale;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?lang=" + encodeURIComponent(data.locale));
    }
  }

  function loadStrings(locale) {
    return fetch("/chat/api/strings?locale=" + encodeURIComponent(locale), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("strings " + response.status); }
        return response.json();
      })
      .then(applyStrings);
  }

  function post(request) {
    return fetch("/chat/api/message", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request)
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  /* One message to the server: `label` is what the parent sees they said, `typed` whether it came
     from the text box (kept there until the server has answered). */
  function send(request, label, typed) {
    if (state.busy) { return; }
    clearStatus();
    setBusy(true);
    var mine = addParentMessage(label);
    post(request).then(function (result) {
      setBusy(false);
      if (!result.ok) {
        mine.parentNode.removeChild(mine);
        var error = result.data && result.data.error;
        var retryable = result.status >= 500;
        state.failed = retryable ? { request: request, label: label, typed: typed } : null;
        showStatus(error && error.message ? error.message : say("error_failed"), retryable);
        if (typed) { input.focus(); }
        return;
      }
      mine.classList.remove("pending");
      state.failed = null;
      if (typed) {
        input.value = "";
        resize();
      }
      var first = null;
      (result.data.replies || []).forEach(function (reply) {
        var item = addReply(reply);
        first = first || item;
      });
      if (result.data.locale && result.data.locale !== state.locale) {
        loadStrings(result.data.locale).catch(function () { /* the page keeps its words */ });
      }
      if (first) {
        scrollToEnd(first);
        if (!typed) { first.focus({ preventScroll: true }); }
      }
      if (typed) { input.focus(); }
    }).catch(function () {
      setBusy(false);
      mine.parentNode.removeChild(mine);
      state.failed = { request: request, label: label, typed: typed };
      showStatus(say("offline"), true);
    });
  }

  function sendTyped() {
    var text = input.value;
    if (!text.trim()) {
      showStatus(say("error_empty"), false);
      input.focus();
      return;
    }
    var failed = state.failed;
    var id = failed && failed.typed && failed.request.text === text ? failed.request.message_id : messageId();
    send({ text: text, message_id: id, locale: state.locale }, text, true);
  }

  function resize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, window.innerHeight * 0.4) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendTyped();
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter is a new line; never while an input method is composing a word
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendTyped();
    }
  });
  input.addEventListener("input", resize);

  log.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.choice") : null;
    if (!button || state.busy) { return; }
    send(
      { payload: button.getAttribute("data-payload"), message_id: messageId(), locale: state.locale },
      button.textContent,
      false
    );
  });

  // What a social worker (or the assistant on its own) said while the page was open: collected
  // every 10 seconds from the server's outbox (bot/server/push.py), shown like any reply.
  function collect() {
    fetch("/chat/api/inbox", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { replies: [] }; })
      .then(function (data) { (data.replies || []).forEach(addReply); })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  window.setInterval(collect, 10000);

  retryButton.addEventListener("click", function () {
    var failed = state.failed;
    if (failed) { send(failed.request, failed.label, failed.typed); }
  });

  languageSelect.addEventListener("change", function () {
    var chosen = languageSelect.value;
    var label = languageSelect.options[languageSelect.selectedIndex].textContent;
    var previous = state.locale;
    loadStrings(chosen).then(function () {
      send({ payload: "language:" + chosen, message_id: messageId(), locale: chosen }, label, false);
    }).catch(function () {
      languageSelect.value = previous;
      showStatus(say("offline"), false);
    });
  });
})();
