// Small progressive enhancements on top of htmx. The site works without this file.
(function () {
  "use strict";
  // Remember which control started a request, so focus can return to it (or a neighbour) after
  // the swap replaced it: e.g. a "move up" button that is now disabled at the top of a list.
  var lastFocusedId = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    lastFocusedId = active && active.id ? active.id : null;
  });
  function restoreFocus() {
    if (!lastFocusedId) { return false; }
    var again = document.getElementById(lastFocusedId);
    if (!again) { return false; }
    if (!again.disabled) { again.focus(); return true; }
    var row = again.closest("tr, li, .row-actions");
    var neighbour = row && row.querySelector("button:not([disabled]), a[href]");
    if (neighbour) { neighbour.focus(); return true; }
    return false;
  }
  // After htmx swaps in new content, put keyboard focus where a person needs it: on the
  // celebration after a completed challenge (the form it replaced had the focus), on the first
  // field with an error when a form came back, otherwise on the new page's content after a
  // boosted navigation (so screen readers announce it).
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    var celebration = document.querySelector(".celebration");
    var lost = !document.activeElement || document.activeElement === document.body;
    if (celebration && lost) {
      celebration.focus();
      return;
    }
    // A part swapped in place that says what changed (a call logged, a refusal) takes the focus.
    // (An outerHTML swap leaves detail.target detached, so look in the document.)
    var changed = detail.boosted ? null : document.querySelector("[data-focus]");
    if (changed) {
      changed.removeAttribute("data-focus"); // once: later swaps on the page keep their own focus
      changed.focus();
      return;
    }
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid && document.querySelector(".form-errors[role=alert]")) {
      invalid.focus();
      return;
    }
    if (lost && !detail.boosted && restoreFocus()) {
      return;
    }
    if (detail.boosted && detail.target === document.body) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
  // A list updated in place (its filters, its pager) takes the focus when the control that asked
  // for it was swapped away, so keyboard and screen-reader users land on the new results.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-focus-after-swap")) { return; }
    if (!document.activeElement || document.activeElement === document.body) {
      target.focus({ preventScroll: true });
    }
  });
})();
