// livepage.js: the browser client of LivePage (PROTOCOL.md). Replaced by the Page issue's full client.
(function () {
  "use strict";
  window.LivePage = { start: function () {} };
})();
