// Console behaviour without inline scripts, so the Content-Security-Policy can forbid them (script-src 'self').
(function () {
  "use strict";

  // Controls that submit their form on change (the language switcher); a <noscript> button covers no-JS.
  // Arrow keys on a closed <select> change it at each press: chosen with the keyboard, the language waits for
  // Enter or the "Change language" button, so the page does not reload under the keyboard (WCAG 3.2.2).
  var keyedSelect = null;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("select[data-autosubmit]")) {
      return;
    }
    if (event.key === "Enter" && target.dataset.changed) {
      event.preventDefault();
      target.form.submit();
    } else if (event.key !== "Tab" && event.key !== "Enter") {
      keyedSelect = target;
    }
  });
  document.addEventListener("pointerdown", function () {
    keyedSelect = null;
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-autosubmit]")) {
      if (target === keyedSelect) {
        target.dataset.changed = "1";
        var apply = target.form.querySelector("[data-apply-language]");
        if (apply) {
          apply.hidden = false;
        }
        return;
      }
      target.form.submit();
      return;
    }
    // Changing the licence type in the PA dialog reloads the product lists for that type. Arrow keys change it
    // at each press: one request once they stop, for the type last chosen (the form may have been replaced
    // meanwhile), and the form's hx-sync drops an answer still on its way.
    if (target.matches(".pa-form [name=license_type]") && window.htmx && target.form.getAttribute("hx-post")) {
      nextFocus = "refresh";
      licenseType = target.value;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(function () {
        var form = document.querySelector("#pa-dialog-body .pa-form");
        if (form) {
          window.htmx.ajax("POST", form.getAttribute("hx-post"), {
            source: form,
            target: "#pa-dialog-body",
            values: {action: "refresh", license_type: licenseType},
          });
        }
      }, 250);
    }
  });
  var refreshTimer = null;
  var licenseType = "";

  // "Cancel" inside a <dialog> closes it.
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) {
      closer.closest("dialog").close();
    }
  });

  // Focus for keyboard and screen-reader users: a dialog's first field when it opens, the control that opened
  // it when it closes (Esc, Cancel), and a sensible field after the dialog's body is replaced, because the
  // button that was pressed is replaced with it.
  var FIELDS = "select:not([disabled]), input:not([type=hidden]):not([disabled]), textarea:not([disabled])";
  var nextFocus = null; // what the pending request does: "add_line", "remove_line:N", "refresh", "create"
  var openers = new WeakMap();

  function focusIn(container, action) {
    var target = container.querySelector(".error-summary");
    if (!target && action === "add_line") {
      var rows = container.querySelectorAll(".pa-line");
      target = rows.length ? rows[rows.length - 1].querySelector(FIELDS) : null;
    } else if (!target && action && action.indexOf("remove_line:") === 0) {
      target = container.querySelector("button[value=add_line]");
    } else if (!target && action === "refresh") {
      target = container.querySelector("[name=license_type]");
    }
    target = target || container.querySelector(FIELDS);
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("submit", function (event) {
    if (event.target.matches(".pa-form")) {
      nextFocus = event.submitter ? event.submitter.value : "create";
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var body = event.detail.target;
    var dialog = body && body.closest ? body.closest("dialog") : null;
    if (body && body.id === "pa-dialog-body" && (!dialog || dialog.open)) {
      focusIn(body, nextFocus);
      nextFocus = null;
    }
  });

  // A link with data-opens-dialog loads the dialog's body over HTMX, then shows the dialog modally.
  document.addEventListener("htmx:afterRequest", function (event) {
    var opener = event.detail.elt;
    if (opener && opener.dataset && opener.dataset.opensDialog && event.detail.successful) {
      var dialog = document.getElementById(opener.dataset.opensDialog);
      if (dialog && !dialog.open) {
        openers.set(dialog, opener);
        dialog.showModal();
        focusIn(dialog, null);
      }
    }
  });

  // Tab and Shift+Tab go round a modal dialog's controls; the browser would move on to its own toolbar.
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), " +
    "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  document.addEventListener("keydown", function (event) {
    var dialog = event.key === "Tab" ? document.querySelector("dialog[open]") : null;
    if (!dialog || !dialog.matches(":modal")) {
      return;
    }
    var controls = Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (control) {
      return control.getClientRects().length > 0;
    });
    if (!controls.length) {
      return;
    }
    var first = controls[0];
    var last = controls[controls.length - 1];
    var active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  });

  // "close" does not bubble: listen while it goes down (capture).
  document.addEventListener("close", function (event) {
    var opener = openers.get(event.target);
    if (opener && opener.isConnected) {
      opener.focus();
    }
  }, true);

  // Enter in a field submits with the form's implicit button (data-implicit-submit: the customer form's "Create
  // without inviting", never "Create and send invitation"), else its primary button. Left to the browser, it would
  // press the form's first button, which in the PA dialog adds or removes a product row.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.defaultPrevented || event.isComposing || !field.form ||
        !field.matches("input:not([type=button]):not([type=submit]):not([type=reset]):not([type=image])")) {
      return;
    }
    var target = field.form.querySelector("[data-implicit-submit]") ||
      field.form.querySelector("button.primary:not([type=button]):not([disabled])");
    var first = field.form.querySelector("button:not([type=button]), input[type=submit]");
    if (target && first !== target) {
      event.preventDefault();
      target.click(); // a click, as the browser's own implicit submission: HTMX sends the button's value
    }
  });

  // A page that comes back with errors puts the keyboard at the summary that lists them.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("main .error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();

// A field with data-max-length (the PO number) says as one types that it is too long, with the count, instead
// of a maxlength attribute that would cut the value without a word; the server still refuses it at the field.
(function () {
  "use strict";

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("input[data-max-length]")) {
      return;
    }
    var limit = parseInt(field.dataset.maxLength, 10);
    var hintId = field.id + "_length";
    var hint = document.getElementById(hintId);
    if (!hint) {
      hint = document.createElement("p");
      hint.id = hintId;
      hint.className = "field-errors length-hint";
      hint.setAttribute("aria-live", "polite");
      hint.hidden = true;
      field.insertAdjacentElement("afterend", hint);
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(hintId);
      field.setAttribute("aria-describedby", described.join(" "));
    }
    var tooLong = field.value.length > limit;
    hint.hidden = !tooLong;
    hint.textContent = tooLong ? field.dataset.tooLong + " (" + field.value.length + "/" + limit + ")" : "";
    if (tooLong) {
      field.setAttribute("aria-invalid", "true");
    } else if (!field.closest(".has-error")) {
      field.removeAttribute("aria-invalid");
    }
  });
})();

// Order form: one order date. The calculator's follows the record form's and is hidden (unless it was refused:
// then it shows its error); with HTMX the calculator recalculates when the record form's date changes. Without
// JS each form keeps its own date and "Calculate" pre-fills the record form with the calculator's.
(function () {
  "use strict";

  function hideFollowers(root) {
    if (!document.querySelector("[data-order-date=record]")) {
      return;
    }
    root.querySelectorAll("[data-follows-record-date]").forEach(function (row) {
      row.hidden = !row.querySelector(".has-error");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    hideFollowers(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    hideFollowers(event.detail.target.parentNode || document);
  });

  document.addEventListener("change", function (event) {
    var changed = event.target;
    if (!changed.matches || !changed.matches("[data-order-date]")) {
      return;
    }
    document.querySelectorAll("[data-order-date]").forEach(function (other) {
      if (other !== changed) {
        other.value = changed.value;
      }
    });
    var calculator = document.querySelector(".calculator-form");
    if (changed.dataset.orderDate === "record" && calculator && window.htmx) {
      // A calculator swapped in moments ago gets its htmx handlers only when the swap settles (~20 ms later): a
      // date changed in between would trigger nothing. process() is idempotent, so attach them now.
      window.htmx.process(calculator);
      window.htmx.trigger(calculator, "submit");
    }
  });
})();
