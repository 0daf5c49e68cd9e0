// A company's page, opened with its dashboard token (?t=...).
"use strict";

Q.tokenPage(async () => {
  document.getElementById("nav").replaceChildren();
}, async () => {
  Q.content().append(Q.el("div", { class: "empty", id: "not-yet",
    text: "The company dashboard needs the company registry (issue 11)." }));
});
