// Layan web chat: sends what the participant types or taps to POST /chat/messages and shows
// the assistant's messages (text, buttons, lists, location pins, location and contact
// requests). No framework, no external resources. Messages that arrive later (an agent's
// reply, a status notice) are fetched every few seconds from GET /chat/messages.
(function () {
  "use strict";
  var ID_KEY = "layan.conversation";
  var LOG_KEY = "layan.transcript";
  var LAST_KEY = "layan.lastTurn";
  var POLL_MS = 4000;
  // Turn ids already shown, so a message seen by a poll and by the POST answer shows once.
  var shown = {};
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function conversationId() {
    var id = localStorage.getItem(ID_KEY);
    if (!id || id.length < 32) {
      id = newId();
      localStorage.setItem(ID_KEY, id);
    }
    return id;
  }

  function saved() {
    try { return JSON.parse(localStorage.getItem(LOG_KEY) || "[]"); } catch (e) { return []; }
  }

  function remember(entry) {
    var all = saved();
    all.push(entry);
    // Keep the page light: the last 200 entries are enough to scroll back.
    localStorage.setItem(LOG_KEY, JSON.stringify(all.slice(-200)));
  }

  // Web addresses become links (a form link from the assistant); never script URLs.
  function linked(el, text) {
    text.split(/(https?:\/\/[^\s<>"]+)/).forEach(function (part) {
      if (/^https?:\/\//.test(part)) {
        var a = document.createElement("a");
        a.href = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.textContent = part;
        el.appendChild(a);
      } else {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  // *bold* as WhatsApp writes it; everything else as plain text.
  function rich(el, text) {
    text.split(/(\*[^*\n]+\*)/).forEach(function (part) {
      if (/^\*[^*\n]+\*$/.test(part)) {
        var b = document.createElement("strong");
        b.textContent = part.slice(1, -1);
        el.appendChild(b);
      } else {
        linked(el, part);
      }
    });
  }

  function row(cls) {
    var wrap = document.createElement("div");
    wrap.className = "msg " + cls;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    wrap.appendChild(bubble);
    log.appendChild(wrap);
    return bubble;
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function choiceButton(id, title, description) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = title;
    if (description) {
      var s = document.createElement("small");
      s.textContent = description;
      b.appendChild(s);
    }
    b.addEventListener("click", function () {
      send({ type: "choice", id: id }, title);
    });
    return b;
  }

  function showMine(text) {
    rich(row("me"), text);
    scroll();
  }

  function showBot(m) {
    var bubble = row("bot");
    if (m.type === "text") {
      rich(bubble, m.text);
      if (m.buttons && m.buttons.length) {
        var opts = document.createElement("div");
        opts.className = "options";
        m.buttons.forEach(function (b) { opts.appendChild(choiceButton(b.id, b.title)); });
        bubble.appendChild(opts);
      }
    } else if (m.type === "list") {
      rich(bubble, m.text);
      var rows = document.createElement("div");
      rows.className = "rows";
      rows.setAttribute("aria-label", m.button);
      m.rows.forEach(function (r) { rows.appendChild(choiceButton(r.id, r.title, r.description)); });
      bubble.appendChild(rows);
    } else if (m.type === "location") {
      bubble.classList.add("pin");
      var a = document.createElement("a");
      a.href = "https://www.openstreetmap.org/?mlat=" + m.latitude + "&mlon=" + m.longitude +
        "#map=17/" + m.latitude + "/" + m.longitude;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = "📍 " + m.name;
      bubble.appendChild(a);
      var addr = document.createElement("small");
      addr.textContent = m.address;
      bubble.appendChild(addr);
    } else if (m.type === "location_request") {
      rich(bubble, m.text);
      var opts2 = document.createElement("div");
      opts2.className = "options";
      var share = document.createElement("button");
      share.type = "button";
      share.textContent = "📍 Bagikan lokasi";
      share.addEventListener("click", shareLocation);
      opts2.appendChild(share);
      bubble.appendChild(opts2);
    } else if (m.type === "contact_request") {
      rich(bubble, m.text);
      var f = document.createElement("form");
      f.className = "contact";
      var tel = document.createElement("input");
      tel.type = "tel";
      tel.placeholder = "08…";
      tel.setAttribute("aria-label", "Nomor HP");
      var ok = document.createElement("button");
      ok.type = "submit";
      ok.className = "action";
      ok.textContent = "Bagikan";
      f.appendChild(tel);
      f.appendChild(ok);
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        if (tel.value.trim()) { send({ type: "contact", phone: tel.value.trim() }, tel.value.trim()); }
      });
      bubble.appendChild(f);
    }
    scroll();
  }

  function lastSeen() {
    var n = parseInt(localStorage.getItem(LAST_KEY) || "", 10);
    return isNaN(n) ? null : n;
  }

  function seen(id) {
    shown[id] = true;
    var last = lastSeen();
    if (last === null || id > last) { localStorage.setItem(LAST_KEY, String(id)); }
  }

  // Shows a stored message once, whichever of the poll and the POST answer brings it first.
  function showStored(id, m) {
    if (id !== undefined && id !== null) {
      if (shown[id]) { return; }
      seen(id);
    }
    showBot(m);
    remember({ from: "bot", message: m });
  }

  var polling = false;

  function poll() {
    if (polling || document.hidden) { return; }
    polling = true;
    var after = lastSeen();
    var url = "/chat/messages?conversation=" + encodeURIComponent(conversationId()) +
      (after === null ? "" : "&after=" + after);
    fetch(url).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (body) {
      if (!body) { return; }
      body.messages.forEach(function (p) { showStored(p.id, p.message); });
      var last = lastSeen();
      if (last === null || body.last_id > last) { localStorage.setItem(LAST_KEY, String(body.last_id)); }
    }).catch(function () { /* offline: the next poll catches up */ }).then(function () {
      polling = false;
    });
  }

  function render(entry) {
    if (entry.from === "me") { showMine(entry.text); } else { showBot(entry.message); }
  }

  var busy = false;

  // Returns false when the message was not taken (one is still on its way).
  function send(message, mine) {
    if (busy) { return false; }
    busy = true;
    if (mine) {
      showMine(mine);
      remember({ from: "me", text: mine });
    }
    var typing = row("bot");
    typing.classList.add("typing");
    typing.textContent = "…";
    scroll();
    fetch("/chat/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversation_id: conversationId(), message: message })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      typing.parentNode.remove();
      if (!res.ok) {
        var text = (res.body && res.body.error && res.body.error.message) ||
          "Maaf, pesan belum terkirim. Silakan coba lagi.";
        showBot({ type: "text", text: text });
        return;
      }
      var ids = res.body.turn_ids || [];
      res.body.messages.forEach(function (m, i) { showStored(ids[i], m); });
    }).catch(function () {
      typing.parentNode.remove();
      showBot({ type: "text", text: "Koneksi terputus. Pesan Anda belum terkirim; silakan coba lagi." });
      // Put what was typed back, so nothing has to be typed again.
      if (message.type === "text" && !input.value) { input.value = message.text; }
    }).then(function () {
      busy = false;
      input.focus();
    });
    return true;
  }

  function shareLocation() {
    if (!navigator.geolocation) {
      showBot({ type: "text", text: "Peramban ini tidak dapat berbagi lokasi. Ketik nama kecamatan atau kota Anda." });
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      send({ type: "location", latitude: lat, longitude: lon },
        "📍 Lokasi saya (" + lat.toFixed(4) + ", " + lon.toFixed(4) + ")");
    }, function () {
      showBot({ type: "text", text: "Lokasi tidak dapat dibaca. Ketik nama kecamatan atau kota Anda." });
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    // Cleared only once taken: typing while a reply is on its way loses nothing.
    if (send({ type: "text", text: text }, text)) { input.value = ""; }
  });
  document.getElementById("locate").addEventListener("click", shareLocation);
  document.getElementById("reset").addEventListener("click", function () {
    localStorage.removeItem(ID_KEY);
    localStorage.removeItem(LOG_KEY);
    localStorage.removeItem(LAST_KEY);
    shown = {};
    log.textContent = "";
    send({ type: "choice", id: "start" });
  });

  var past = saved();
  if (past.length) {
    past.forEach(render);
    scroll();
    poll();
  } else {
    send({ type: "choice", id: "start" });
  }
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
})();
