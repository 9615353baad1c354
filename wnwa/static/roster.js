// Roster import: show upload progress, then an indeterminate bar while the server checks the file.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("upload-progress-bar");
  if (!bar || !event.detail.lengthComputable) { return; }
  if (event.detail.loaded >= event.detail.total) {
    bar.removeAttribute("value");
    var label = document.querySelector("label[for=upload-progress-bar]");
    if (label) { label.textContent = "Checking the file…"; }
    return;
  }
  bar.max = event.detail.total;
  bar.value = event.detail.loaded;
});
document.addEventListener("htmx:afterSwap", function (event) {
  var heading = event.detail.target.querySelector("#preview-heading");
  if (heading) { heading.focus(); }
});
