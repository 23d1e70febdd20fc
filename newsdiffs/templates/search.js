// newsdiffs static search: headline shards (search/<k>.js, newest first) are loaded with
// <script> tags, so it works from a web server and from disk. Results are built with
// textContent and setAttribute only: a headline is never parsed as HTML.
(function () {
  "use strict";
  var list = document.getElementById("results");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var more = document.getElementById("more");
  var shards = list.getAttribute("data-shards").split(" ").filter(Boolean);
  var auto = parseInt(list.getAttribute("data-auto"), 10) || 1;
  var data = {}, next = 0, waiting = null, LIMIT = 200;

  window.newsdiffsShard = function (key, rows) {
    data[key] = rows;
    if (waiting) { var done = waiting; waiting = null; done(); }
  };

  function load(key, then) {
    if (data[key]) { then(); return; }
    waiting = then;
    var s = document.createElement("script");
    s.src = "search/" + key + ".js";
    s.onerror = function () { status.textContent = "Could not load the search index."; };
    document.head.appendChild(s);
  }

  function words(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .split(/\s+/).filter(Boolean);
  }

  function run(extra) {
    var query = words(input.value);
    if (!query.length) { list.textContent = ""; more.hidden = true; return; }
    var wanted = Math.min(shards.length, Math.max(next, 0) + (extra ? auto : 0)) || auto;
    (function step() {
      if (next < Math.min(wanted, shards.length)) { load(shards[next], function () { next++; step(); }); return; }
      show(query);
    })();
  }

  function show(query) {
    list.textContent = "";
    var found = 0;
    for (var i = 0; i < next && found < LIMIT; i++) {
      var rows = data[shards[i]] || [];
      for (var j = 0; j < rows.length && found < LIMIT; j++) {
        var r = rows[j], hay = words([r[0], r[2], r[4]].join(" ")).join(" ");
        if (!query.every(function (w) { return hay.indexOf(w) >= 0; })) { continue; }
        var li = document.createElement("li"), a = document.createElement("a");
        a.setAttribute("href", r[1]);
        a.textContent = r[0];
        li.appendChild(a);
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = " " + r[2] + ", " + r[3] + (r[3] === 1 ? " version" : " versions") +
          (r[4] ? "; earlier: " + r[4] : "");
        li.appendChild(meta);
        list.appendChild(li);
        found++;
      }
    }
    status.textContent = found + (found === LIMIT ? "+" : "") + " found in " +
      (next < shards.length ? "the newest " + next + " of " + shards.length + " parts" : "all articles") + ".";
    more.hidden = next >= shards.length;
  }

  document.getElementById("search-form").addEventListener("submit", function (e) {
    e.preventDefault(); run(false);
  });
  more.addEventListener("click", function () { run(true); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(false); }
})();
