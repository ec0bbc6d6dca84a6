// Passage selection for comments, and the comment form opened beside a clause
// (progressive enhancement; the form works without it).
//
// Select text inside a clause body ([data-clause-uid]) with the mouse, touch or
// keyboard (caret browsing); a "Comment on this passage" button appears after
// the clause. Pressing it fills the comment form (#comment-form): the clause
// select (clause_uid) and the hidden anchor_exact / anchor_prefix /
// anchor_suffix / anchor_start / anchor_end fields. Offsets count Unicode code
// points in the clause body's textContent, which is what the server's
// plain_text() gives; the server checks them and finds the quote again if they
// are off.
//
// On a round's page the one form (#comment-panel) moves under the clause (or into
// "How to take part" for the whole draft), is announced in #comment-live, takes
// the focus, and Escape or Cancel puts it back and returns the focus to whatever
// opened it. Without script the same links (?comment_on=) render it there.

import { placeForm } from "./comment_place.js";

const CONTEXT = 32;
const form = document.getElementById("comment-form");
const place = form ? placeForm(form) : null;
if (form) enhance(form);

// After sending, the page comes back to the clause with a confirmation: read it out.
// After the load, or the browser's own scroll to the fragment could take the focus back.
const saved = document.getElementById("comment-saved");
if (saved && document.readyState === "complete") saved.focus();
else if (saved) window.addEventListener("load", () => saved.focus(), { once: true });

function enhance(form) {
  const field = (name) => form.elements.namedItem(name);
  const preview = document.getElementById("anchor-preview");
  const quote = document.getElementById("anchor-quote");
  const drop = field("drop_anchor");
  const button = document.createElement("button");
  button.type = "button";
  button.id = "annotate-button";
  button.className = "button small annotate-button";
  button.textContent = form.dataset.labelAnnotate || "Comment on this passage";
  button.hidden = true;
  let pending = null;

  // Keep the selection when the button is pressed with the mouse.
  button.addEventListener("mousedown", (event) => event.preventDefault());
  let last = null;
  button.addEventListener("click", () => {
    if (pending || last) apply(pending || last);
  });

  document.addEventListener("selectionchange", () => {
    const found = currentSelection();
    if (found) {
      pending = found;
      if (button.previousElementSibling !== found.body) found.body.after(button);
      button.hidden = false;
    } else if (document.activeElement !== button) {
      button.hidden = true;
    }
  });

  function apply(anchor) {
    last = anchor;
    field("anchor_exact").value = anchor.exact;
    field("anchor_prefix").value = anchor.prefix;
    field("anchor_suffix").value = anchor.suffix;
    field("anchor_start").value = String(anchor.start);
    field("anchor_end").value = String(anchor.end);
    const select = field("clause_uid");
    if (select) select.value = anchor.uid;
    const passage = field("passage");
    if (passage) passage.value = "";
    if (drop) drop.checked = false;
    if (quote) quote.textContent = anchor.exact;
    if (preview) preview.hidden = false;
    pending = null;
    if (place) {
      place.openUnder(anchor.body.closest("section.clause"), button, "passage");
      button.hidden = true;
    } else {
      button.hidden = true;
      form.scrollIntoView({ block: "start" });
      const body = field("body");
      if (body) body.focus({ preventScroll: true });
    }
  }

  function clear() {
    for (const name of ["anchor_exact", "anchor_prefix", "anchor_suffix", "anchor_start", "anchor_end"]) {
      field(name).value = "";
    }
    if (preview) preview.hidden = true;
  }

  // A passage chosen for one clause means nothing for another; a pasted passage replaces it.
  const select = field("clause_uid");
  if (select) select.addEventListener("change", clear);
  const passage = field("passage");
  if (passage) passage.addEventListener("input", () => { if (passage.value.trim()) clear(); });
  if (drop) drop.addEventListener("change", () => { if (drop.checked) clear(); });
}

function clauseBodyOf(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return element ? element.closest("[data-clause-uid]") : null;
}

function codePoints(text) {
  return Array.from(text).length;
}

function currentSelection() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const body = clauseBodyOf(range.startContainer);
  if (!body) return null;
  const clipped = range.cloneRange();
  if (!body.contains(range.endContainer)) clipped.setEnd(body, body.childNodes.length);
  const before = document.createRange();
  before.selectNodeContents(body);
  before.setEnd(clipped.startContainer, clipped.startOffset);
  const text = body.textContent;
  // UTF-16 positions first, then trimmed of white space, then counted in code points.
  let start = before.toString().length;
  let end = start + clipped.toString().length;
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  if (end <= start) return null;
  const exact = text.slice(start, end);
  const head = Array.from(text.slice(0, start));
  const tail = Array.from(text.slice(end));
  const cpStart = head.length;
  return {
    body,
    uid: body.dataset.clauseUid,
    exact,
    prefix: head.slice(-CONTEXT).join(""),
    suffix: tail.slice(0, CONTEXT).join(""),
    start: cpStart,
    end: cpStart + codePoints(exact),
  };
}
