// Live updates of the inbox page: new events of the organisation arrive
// through Server-Sent Events (EventSource reconnects by itself and resumes
// after the last event it got). The page works without this script.
(function () {
  "use strict";
  var list = document.getElementById("events");
  if (!list || !window.EventSource) { return; }
  var count = document.getElementById("unread-count");
  var empty = document.getElementById("inbox-empty");
  var live = document.getElementById("live");
  var names = {};
  try { names = JSON.parse(list.getAttribute("data-types") || "{}"); } catch (err) { names = {}; }
  var es = new EventSource(list.getAttribute("data-stream"));
  es.onopen = function () { if (live) { live.hidden = false; } };
  es.onerror = function () { if (live) { live.hidden = true; } };
  es.onmessage = function (msg) {
    var e;
    try { e = JSON.parse(msg.data); } catch (err) { return; }
    if (document.getElementById("event-" + e.id)) { return; }
    var li = document.createElement("li");
    li.id = "event-" + e.id;
    li.className = "event unread new";
    var add = function (tag, cls, text) {
      var el = document.createElement(tag);
      el.className = cls;
      el.textContent = text;
      li.appendChild(el);
      return el;
    };
    add("span", "type", names[e.type] || e.type);
    add("span", "title", e.title);
    var subj = add("code", "subject", e.subject);
    subj.setAttribute("dir", "ltr");
    var t = add("time", "", e.time.replace("T", " ").replace(/\..*$/, "").replace("Z", "") + " UTC");
    t.setAttribute("datetime", e.time);
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/inbox/" + encodeURIComponent(e.id) + "/read";
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrf";
    csrf.value = list.getAttribute("data-csrf");
    var btn = document.createElement("button");
    btn.type = "submit";
    btn.className = "small";
    btn.textContent = list.getAttribute("data-mark");
    form.appendChild(csrf);
    form.appendChild(btn);
    li.appendChild(form);
    list.insertBefore(li, list.firstChild);
    if (count) { count.textContent = String(parseInt(count.textContent, 10) + 1); }
    if (empty) { empty.hidden = true; }
  };
}());
