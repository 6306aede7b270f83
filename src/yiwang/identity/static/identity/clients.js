// Copy buttons on the machine-client secret page (the secret is shown once).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = document.querySelector(".cl-copied");
  if (!field) return;
  function done() { if (status) status.textContent = status.getAttribute("data-copied-text"); }
  field.focus();
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
