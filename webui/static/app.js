// Progressive enhancement only: every control also works as a plain GET form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var target = event.target;
    // A facet checkbox follows its ready-made toggle URL (built on the server).
    if (target.matches("input[type=checkbox][data-toggle-url]")) {
      window.location.assign(target.getAttribute("data-toggle-url"));
    } else if (target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });

  // On narrow screens the filters start folded, so results come first (the chips above
  // the results still show what is selected, and the summary says how many).
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(max-width: 48em)").matches) {
      document.querySelectorAll("details.filters").forEach(function (details) {
        details.open = false;
      });
    }
  });
})();
