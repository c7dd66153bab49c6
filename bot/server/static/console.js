// The worker console: new messages of the open ticket appear without reloading (polled every 5 s).
// Text is inserted as text, never as HTML.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list) { return; }

  function add(message) {
    var item = document.createElement("li");
    item.className = "message " + message.direction;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = message.who || message.direction;  // named by the server, in the worker's language
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = message.text;
    var at = document.createElement("time");
    at.textContent = message.at;
    item.appendChild(who);
    item.appendChild(text);
    item.appendChild(at);
    list.appendChild(item);
  }

  function poll() {
    var url = list.getAttribute("data-url") + "?after=" + encodeURIComponent(list.getAttribute("data-after"));
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.href = "/console/login"; return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        data.messages.forEach(function (message) {
          add(message);
          list.setAttribute("data-after", String(message.id));
        });
        var status = document.getElementById("status");
        if (status && data.status_text) { status.textContent = data.status_text; }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  window.setInterval(poll, 5000);
})();
