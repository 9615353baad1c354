// Loaded from our own origin; no inline scripts (CSP default-src 'self').
document.addEventListener("htmx:afterSwap", function (event) {
  var alert = event.detail.target.querySelector("[role=alert]");
  if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
});
// "Show more" appends rows in place: move focus to the first new one (keyboard and screen reader).
document.addEventListener("htmx:load", function (event) {
  var el = event.detail.elt;
  if (el && el.hasAttribute && el.hasAttribute("data-focus-on-load")) { el.focus(); }
});
