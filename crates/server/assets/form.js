// Layan web form: keeps what the participant types (localStorage at once, the server a moment
// later), uploads documents one by one, and sends the form. Pressing "Kirim" again, or a retry
// after a lost connection, files nothing twice: the server answers with the same number.
(function () {
  "use strict";
  var form = document.getElementById("pandawa");
  if (!form) { return; }
  var token = form.getAttribute("data-token");
  var base = "/f/" + encodeURIComponent(token);
  var isRequest = form.getAttribute("data-request") === "true";
  var maxBytes = parseInt(form.getAttribute("data-max"), 10) || 0;
  var serverSaved = parseInt(form.getAttribute("data-saved"), 10) || 0;
  var KEY = "layan.form." + token.slice(0, 24);
  var status = document.getElementById("status");
  var submitButton = document.getElementById("submit");
  var timer = null;
  var dirty = false;

  function inputs() {
    return Array.prototype.slice.call(form.querySelectorAll("#fields [name]"));
  }

  function values() {
    var out = {};
    inputs().forEach(function (el) { out[el.name] = el.value; });
    return out;
  }

  function say(text) { status.textContent = text; }

  function local() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function keepLocally() {
    try {
      localStorage.setItem(KEY, JSON.stringify({ at: Date.now(), fields: values() }));
    } catch (e) { /* storage full or disabled: the server copy still counts */ }
  }

  // What this device typed after the server's copy wins: it was never sent (offline).
  var mine = local();
  if (mine && mine.fields && mine.at > serverSaved) {
    inputs().forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(mine.fields, el.name)) { el.value = mine.fields[el.name]; }
    });
    dirty = true;
  }

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, ok: r.ok, body: b }; });
    });
  }

  function saveNow() {
    timer = null;
    if (!dirty || isRequest) { return; }
    dirty = false;
    post("/draft", { fields: values() }).then(function (res) {
      if (res.ok) { say("Tersimpan."); return; }
      if (res.status === 409 || res.status === 410 || res.status === 404) {
        say(res.body.error ? res.body.error.message : "");
        return;
      }
      dirty = true;
      say("Belum tersimpan di server; isian tetap aman di perangkat ini.");
    }).catch(function () {
      dirty = true;
      say("Sedang offline; isian tetap aman di perangkat ini dan dikirim saat tersambung.");
    });
  }

  function changed() {
    dirty = true;
    keepLocally();
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(saveNow, 800);
  }

  inputs().forEach(function (el) {
    el.addEventListener("input", changed);
    el.addEventListener("change", changed);
  });
  window.addEventListener("online", saveNow);
  if (dirty) { saveNow(); }

  function showError(key, text) {
    var p = document.getElementById("e-" + key);
    if (!p) { p = document.getElementById("e-_form"); }
    p.textContent = text;
    p.hidden = false;
    var box = p.parentNode;
    if (box && box.classList) { box.classList.add("invalid"); }
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".error"), function (p) { p.hidden = true; p.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll(".invalid"), function (b) { b.classList.remove("invalid"); });
  }

  Array.prototype.forEach.call(form.querySelectorAll(".doc"), function (box) {
    var doc = box.getAttribute("data-doc");
    var input = box.querySelector("input[type=file]");
    var list = box.querySelector(".files");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var err = document.getElementById("e-" + doc);
      err.hidden = true;
      box.classList.remove("invalid");
      if (maxBytes && file.size > maxBytes) {
        showError(doc, "Berkas terlalu besar. Ukuran paling besar " + Math.ceil(maxBytes / 1048576) + " MB.");
        input.value = "";
        return;
      }
      var item = document.createElement("li");
      item.textContent = "Mengunggah " + file.name + "…";
      list.appendChild(item);
      var data = new FormData();
      data.append("document", doc);
      data.append("file", file, file.name);
      fetch(base + "/attachments", { method: "POST", body: data }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, body: b }; });
      }).then(function (res) {
        if (res.ok) {
          item.textContent = "✓ " + res.body.filename;
        } else {
          item.remove();
          showError(doc, (res.body.error && res.body.error.message) || "Unggahan gagal. Silakan coba lagi.");
        }
      }).catch(function () {
        item.remove();
        showError(doc, "Koneksi terputus; berkas belum terkirim. Silakan pilih lagi saat tersambung.");
      }).then(function () { input.value = ""; });
    });
  });

  function finished(body) {
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing to clear */ }
    var done = document.getElementById("done");
    done.textContent = "";
    var h = document.createElement("h2");
    h.textContent = isRequest ? "Dokumen terkirim" : "Permintaan terkirim";
    var n = document.createElement("p");
    n.className = "number";
    n.textContent = body.case_number;
    var p = document.createElement("p");
    p.textContent = body.message;
    done.appendChild(h);
    done.appendChild(n);
    done.appendChild(p);
    form.hidden = true;
    done.hidden = false;
    window.scrollTo(0, 0);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    keepLocally();
    submitButton.disabled = true;
    say("Mengirim…");
    post("/submit", { fields: values() }).then(function (res) {
      if (res.ok) { finished(res.body); return; }
      if (res.body.problems) {
        res.body.problems.forEach(function (p) { showError(p.field, p.message); });
        say(res.body.error.message);
        var first = form.querySelector(".invalid");
        if (first) { first.scrollIntoView({ block: "center" }); }
      } else {
        say((res.body.error && res.body.error.message) || "Belum terkirim. Silakan coba lagi.");
      }
    }).catch(function () {
      say("Koneksi terputus; permintaan belum terkirim. Isian tetap tersimpan; tekan Kirim lagi saat tersambung.");
    }).then(function () { submitButton.disabled = false; });
  });
})();
