// Loaded from our own origin; no inline scripts (CSP default-src 'self').
document.addEventListener("htmx:afterSwap", function (event) {
  var alert = event.detail.target.querySelector("[role=alert]");
  if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
});
