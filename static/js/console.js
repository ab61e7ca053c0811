// Console behaviour without inline scripts, so the Content-Security-Policy can forbid them (script-src 'self').
(function () {
  "use strict";

  // Controls that submit their form on change (the language switcher); a <noscript> button covers no-JS.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-autosubmit]")) {
      target.form.submit();
      return;
    }
    // Changing the licence type in the PA dialog reloads the product lists for that type.
    if (target.matches(".pa-form [name=license_type]") && window.htmx && target.form.getAttribute("hx-post")) {
      window.htmx.ajax("POST", target.form.getAttribute("hx-post"), {
        source: target.form,
        target: "#pa-dialog-body",
        values: {action: "refresh"},
      });
    }
  });

  // "Cancel" inside a <dialog> closes it; focus goes back to what opened it (the browser does that).
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) {
      closer.closest("dialog").close();
    }
  });

  // A link with data-opens-dialog loads the dialog's body over HTMX, then shows the dialog modally.
  document.addEventListener("htmx:afterRequest", function (event) {
    var opener = event.detail.elt;
    if (opener && opener.dataset && opener.dataset.opensDialog && event.detail.successful) {
      var dialog = document.getElementById(opener.dataset.opensDialog);
      if (dialog && !dialog.open) {
        dialog.showModal();
      }
    }
  });
})();
