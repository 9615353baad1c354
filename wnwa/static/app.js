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
// A name in a result list opens its details in place (htmx, no new page in the browser's
// history); the same name, or "Hide details", closes them and gives focus back to the name.
function detailsOf(opener) { return document.getElementById(opener.getAttribute("aria-controls")); }
function openerOf(box) { return document.querySelector('[aria-controls="' + box.id + '"]'); }
function closeDetails(box) {
  box.replaceChildren();
  var opener = openerOf(box);
  if (opener) { opener.setAttribute("aria-expanded", "false"); }
  return opener;
}
document.addEventListener("htmx:beforeRequest", function (event) {
  var opener = event.detail.elt;
  if (!opener.hasAttribute("data-details")) { return; }
  var box = detailsOf(opener);
  if (box && box.childElementCount) { event.preventDefault(); closeDetails(box); }  // open: close
});
document.addEventListener("htmx:afterSwap", function (event) {
  var box = event.detail.target;
  var opener = box.classList && box.classList.contains("details") ? openerOf(box) : null;
  if (opener) { opener.setAttribute("aria-expanded", "true"); }
});
document.addEventListener("click", function (event) {
  var hide = event.target.closest && event.target.closest("[data-hide-details]");
  if (hide) {
    var opener = closeDetails(hide.closest(".details"));
    if (opener) { opener.focus(); }
  }
});
