// Layan supervisor dashboard: keeps the queue table current from the server's event stream
// (GET /console/dashboard/events, `queue` events carrying the open cases as JSON). The charts
// are drawn by the server; this script only refreshes the table and the headline figures.
// No framework, no external resources; everything is written with textContent.
(function () {
  "use strict";
  var section = document.getElementById("queue");
  if (!section || !window.EventSource) { return; }
  var tbody = document.getElementById("queue-rows");
  var status = document.getElementById("queue-status");

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }

  function figure(key, value) {
    var el = document.querySelector('[data-figure="' + key + '"] strong');
    if (el) { el.textContent = String(value); }
  }

  function render(q) {
    var rows = document.createDocumentFragment();
    q.cases.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-number", c.number);
      tr.setAttribute("data-status", c.status);
      var first = document.createElement("td");
      var a = document.createElement("a");
      a.href = "/console/cases/" + encodeURIComponent(String(c.id));
      a.textContent = c.number;
      first.appendChild(a);
      tr.appendChild(first);
      cell(tr, c.kind_label);
      cell(tr, c.status_label);
      cell(tr, c.channel_label);
      cell(tr, c.branch);
      cell(tr, c.assigned_to || "Belum ada");
      cell(tr, c.created_local);
      cell(tr, c.sla_label, "sla " + (c.sla || "none"));
      rows.appendChild(tr);
    });
    if (!q.cases.length) {
      var tr = document.createElement("tr");
      tr.className = "empty";
      var td = document.createElement("td");
      td.colSpan = 8;
      td.textContent = "Antrean kosong.";
      tr.appendChild(td);
      rows.appendChild(tr);
    }
    tbody.textContent = "";
    tbody.appendChild(rows);
    figure("open", q.open);
    figure("unassigned", q.unassigned);
    figure("breached", q.breached);
    status.textContent = q.open + " kasus terbuka · diperbarui " + q.as_of;
    status.classList.remove("offline");
  }

  var events = new EventSource(section.getAttribute("data-events"));
  events.addEventListener("queue", function (e) {
    try {
      section.setAttribute("data-snapshot", e.lastEventId || "");
      render(JSON.parse(e.data));
    } catch (err) {
      status.textContent = "Antrean tidak dapat dibaca; muat ulang halaman.";
    }
  });
  events.addEventListener("error", function () {
    // The server ends each answer and the browser asks again by itself (CONNECTING);
    // only a refused stream (signed out, no permission) closes it for good.
    if (events.readyState === EventSource.CLOSED) {
      status.textContent = "Pembaruan langsung terhenti. Muat ulang halaman atau masuk kembali.";
      status.classList.add("offline");
    }
  });
})();
