// The citizen's request form: say which kind of device sent it (the phone page is the same page, narrower).
(function () {
  "use strict";
  var device = document.querySelector("[data-device]");
  if (device && window.matchMedia("(max-width: 640px)").matches) device.value = "phone";
})();
