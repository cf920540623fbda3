// The compare page: "… N more changes" and "… N more rows" load the next page of their region
// in place (?fragment=changes / ?fragment=steps: that region's HTML only) instead of leaving the
// page. Without JavaScript, or when the request fails, the link opens that page as before.
"use strict";

(function () {
  function announce(text) {
    var status = document.getElementById("compare-status");
    if (status) status.textContent = text;
  }

  function parse(html) {
    // DOMParser's document runs no scripts; the server escaped every value already.
    return new DOMParser().parseFromString(html, "text/html");
  }

  function moreChanges(link, doc) {
    var next = doc.querySelector(".change-page");
    var page = link.closest(".change-page");
    if (!next || !page) return false;
    link.closest(".compare-more-line").remove();
    var added = document.importNode(next, true);
    page.after(added);
    var paging = added.querySelector(".compare-paging");
    if (paging) {
      paging.focus();
      announce("Loaded " + paging.textContent.split(" · ")[0]);
    }
    return true;
  }

  function moreSteps(link, doc) {
    var rows = doc.querySelectorAll("tbody.compare-step-rows > tr");
    var body = document.getElementById("compare-step-rows");
    if (!rows.length || !body) return false;
    var first = null;
    rows.forEach(function (row) {
      var added = document.importNode(row, true);
      body.appendChild(added);
      first = first || added;
    });
    var line = link.closest(".compare-more-line");
    var nextLine = doc.getElementById("compare-steps-more");
    if (nextLine) line.replaceWith(document.importNode(nextLine, true));
    else line.remove();
    var target = first.querySelector("a");
    if (target) target.focus();
    announce("Loaded " + rows.length + " more step row" + (rows.length === 1 ? "" : "s"));
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.compare-more[data-fragment]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    announce("Loading…");
    var url = link.getAttribute("data-fragment");
    var steps = new URL(url, document.baseURI).searchParams.get("fragment") === "steps";
    fetch(url, {headers: {"Accept": "text/html"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = parse(html);
        if (!(steps ? moreSteps(link, doc) : moreChanges(link, doc))) throw new Error("empty");
      })
      .catch(function () {
        window.location.href = link.href;  // the page itself, as without JavaScript
      });
  });
})();
