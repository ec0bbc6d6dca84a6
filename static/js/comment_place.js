// The round page's one comment form, opened where the person is reading.
//
// "Comment on this clause" moves #comment-panel to the end of that clause's section,
// "Comment on the whole draft" into "How to take part"; the passage button of
// annotate.js calls openUnder() itself. Each opening says so in the polite live
// region #comment-live and moves the focus to the form's first field; Escape or
// Cancel puts the form back at the end of the page and returns the focus to the
// control that opened it. The links work without script (?comment_on=).

export function placeForm(form) {
  const panel = form.closest("#comment-panel");
  const home = document.getElementById("comment-home");
  const live = document.getElementById("comment-live");
  if (!panel || !home || !live) return null;
  const text = panel.dataset;
  const cancel = document.getElementById("cancel-comment");
  const hint = panel.querySelector(".comment-home-hint");
  const select = form.elements.namedItem("clause_uid");
  let opener = null;
  let timer = null;

  function setHeading(level, words) {
    const old = document.getElementById("comment-form-h");
    const heading = document.createElement(`h${level}`);
    heading.id = old.id;
    heading.textContent = words;
    old.replaceWith(heading);
  }

  function announce(message) {
    // Emptied first so that the same words said twice are read twice.
    clearTimeout(timer);
    live.textContent = "";
    timer = setTimeout(() => { live.textContent = message; }, 100);
  }

  function firstField() {
    const candidates = form.querySelectorAll("select, textarea, input:not([type=hidden])");
    return [...candidates].find((el) => !el.disabled && el.getClientRects().length > 0);
  }

  function chooseClause(uid) {
    if (!select) return;
    select.value = uid;
    // annotate.js drops a passage chosen for another clause on "change".
    select.dispatchEvent(new Event("change"));
  }

  function show(container, level, heading, message, back, by) {
    opener = by;
    container.append(panel);
    setHeading(level, heading);
    if (hint) hint.hidden = true;
    if (cancel) {
      cancel.hidden = false;
      cancel.href = back;
    }
    announce(message);
    const first = firstField();
    if (first) first.focus();
  }

  function titleOf(section) {
    const heading = section.querySelector(".clause-heading").cloneNode(true);
    for (const extra of heading.querySelectorAll(".clause-kind")) extra.remove();
    return heading.textContent.replace(/\s+/g, " ").trim() || section.id;
  }

  function openUnder(section, by, kind) {
    if (!section) return;
    if (kind !== "passage") chooseClause(section.id);
    const level = Math.min(Number(section.querySelector(".clause-heading").tagName.slice(1)) + 1, 6);
    const heading = kind === "passage" ? text.headingPassage : text.headingClause;
    const message = text.announceClause.replace("{clause}", titleOf(section));
    show(section, level, heading, message, `${text.roundUrl}#${section.id}`, by);
  }

  function openForDraft(by) {
    const place = document.querySelector(".comment-draft-place");
    if (!place) return;
    chooseClause("");
    show(place, 3, text.headingDraft, text.announceDraft, `${text.roundUrl}#take-part-h`, by);
  }

  function close() {
    if (panel.parentElement === home) return;
    // Opened by the server (?comment_on=): go back to that clause's own link.
    const section = panel.closest("section.clause");
    const fallback = section
      ? section.querySelector("a.comment-on-clause")
      : document.getElementById("comment-on-draft");
    const back = opener && opener.isConnected ? opener : fallback;
    home.append(panel);
    setHeading(2, text.headingHome);
    if (hint) hint.hidden = false;
    if (cancel) cancel.hidden = true;
    announce(text.announceClosed);
    opener = null;
    if (back) {
      back.hidden = false;
      back.focus();
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.comment-on-clause, a#comment-on-draft");
    if (!link) return;
    event.preventDefault();
    if (link.id === "comment-on-draft") openForDraft(link);
    else openUnder(link.closest("section.clause"), link, "clause");
  });
  if (cancel) {
    cancel.addEventListener("click", (event) => {
      event.preventDefault();
      close();
    });
  }
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.parentElement !== home) {
      event.preventDefault();
      close();
    }
  });

  // Placed by the server because the person followed a "Comment on…" link (before the
  // script ran, or without it): take them to the first field, as the script would have.
  if (panel.parentElement !== home && window.location.hash === "#comment-form-h") {
    // After the load: the browser's own scroll to the fragment would otherwise win.
    const focusFirst = () => {
      const first = firstField();
      if (first && !panel.contains(document.activeElement)) first.focus();
    };
    if (document.readyState === "complete") focusFirst();
    else window.addEventListener("load", focusFirst, { once: true });
  }

  return { openUnder, openForDraft, close };
}
