// Portal behaviour on top of htmx and the DSFR. Served from our origin (CSP: no inline script).
(function () {
  "use strict";

  function announce(message) {
    var region = document.getElementById("portal-live-errors");
    if (!region) return;
    region.innerHTML = "";
    var alert = document.createElement("div");
    alert.className = "fr-alert fr-alert--error fr-alert--sm fr-mb-2w";
    var text = document.createElement("p");
    text.textContent = message;
    alert.appendChild(text);
    region.appendChild(alert);
    region.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401) {
      announce("Votre session a expiré : reconnectez-vous. Ce que vous veniez de saisir n'a pas été enregistré.");
    } else if (status === 403) {
      announce("Vous n'avez plus accès à ce contenu (le partage a peut-être été retiré). Rechargez la page.");
    } else if (status === 400) {
      announce("Le formulaire a expiré. Rechargez la page puis recommencez.");
    } else {
      announce("La modification n'a pas pu être enregistrée (erreur " + status + "). Réessayez dans un instant.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    announce("Connexion perdue : vérifiez votre réseau puis réessayez. Rien n'a été enregistré.");
  });

  // A table wider than the screen scrolls: keyboard users reach it with Tab (WCAG 2.1.1).
  function reachableTables(root) {
    root.querySelectorAll(".fr-table table, .fr-table__container").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        el.tabIndex = 0;
      } else {
        el.removeAttribute("tabindex");
      }
    });
  }
  reachableTables(document);
  window.addEventListener("resize", function () { reachableTables(document); });

  // Focus follows swapped content: when a swap replaces the focused element, focus goes to the
  // same control in the new content, else its first invalid field (the errors are announced
  // through aria-describedby), else an element marked data-portal-focus, else its heading.
  var swapped = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    swapped = target && target.id && target.contains(active)
      ? { target: target.id, control: active.id } : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    reachableTables(event.detail.elt);
    if (!swapped) return;
    var root = document.getElementById(swapped.target);
    var control = swapped.control;
    swapped = null;
    if (!root || root.contains(document.activeElement) && document.activeElement !== root) return;
    var next = root.querySelector("[aria-invalid='true']")
      || (control && root.querySelector("#" + CSS.escape(control)))
      || root.querySelector("[data-portal-focus]")
      || root.querySelector("h1, h2, h3, h4")
      || root;
    if (next.tabIndex < 0 && !next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    next.focus();
  });

  document.addEventListener("htmx:beforeRequest", function () {
    var region = document.getElementById("portal-live-errors");
    if (region) region.innerHTML = "";
  });
})();
