// Small progressive enhancements on top of htmx. The site works without this file.
(function () {
  "use strict";
  // After a boosted page change, move focus to the new content so screen readers announce it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    if (detail.boosted && detail.target === document.body) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
  // A form that comes back with errors: focus its error summary.
  document.addEventListener("htmx:afterSwap", function () {
    var summary = document.querySelector(".form-errors[role=alert]");
    if (summary) {
      var firstInvalid = document.querySelector("[aria-invalid=true]");
      if (firstInvalid) { firstInvalid.focus(); }
    }
  });
})();
