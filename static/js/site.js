// Progressive enhancement shared by every page; the pages work without it.

// Show times in the reader's own zone when the server did not know it: only for
// visitors who are not signed in; a signed-in person's profile zone wins.
const zoneChosen = document.body.hasAttribute("data-zone-chosen");
for (const el of zoneChosen ? [] : document.querySelectorAll("time[datetime]")) {
  const when = new Date(el.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime()) && !el.dataset.keep) {
    el.title = el.textContent.trim();
    // The page's language, not the browser's: the same format as the server's (no seconds).
    el.textContent = when.toLocaleString(document.documentElement.lang || undefined, {
      year: "numeric", month: "short", day: "numeric",
      hour: "numeric", minute: "2-digit", timeZoneName: "short",
    });
  }
}

// Ask before destructive posts.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Move focus to an error summary so screen readers announce it.
const summary = document.querySelector(".error-summary, .conflict");
if (summary) summary.focus();

// Live preview of Markdown fields, rendered by the server's own safe renderer.
for (const preview of document.querySelectorAll("[data-preview-for]")) {
  const input = document.getElementById(preview.dataset.previewFor);
  const token = document.querySelector('meta[name="csrf-token"]');
  if (!input || !token) continue;
  let timer;
  const refresh = async () => {
    const response = await fetch("/markdown/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.content },
      body: JSON.stringify({ text: input.value }),
    });
    if (!response.ok) return;
    const { html } = await response.json();
    preview.innerHTML = html; // server output: raw HTML off, links checked
    preview.hidden = false;
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();
}

// The header menu is a <details>: open it on wide screens in browsers without ::details-content.
const menu = document.querySelector(".site-menu");
if (menu && !CSS.supports("selector(::details-content)")) {
  const wide = window.matchMedia("(min-width: 48.0625rem)");
  const follow = () => { menu.open = wide.matches; };
  follow();
  wide.addEventListener("change", follow);
}

// A filter box over long selects (the time zone picker): type part of a place name.
for (const select of document.querySelectorAll("select[data-filterable]")) {
  const box = document.createElement("input");
  box.type = "search";
  box.className = "select-filter";
  box.setAttribute("aria-label", select.dataset.filterable);
  box.setAttribute("aria-controls", select.id);
  box.placeholder = select.dataset.filterable;
  select.before(box);
  box.addEventListener("input", () => {
    const words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let first = null;
    for (const option of select.options) {
      const text = `${option.value} ${option.textContent}`.toLowerCase().replaceAll("_", " ");
      const shown = option.selected || words.every((w) => text.includes(w));
      option.hidden = !shown;
      if (shown && !option.selected && !first) first = option;
    }
    for (const group of select.querySelectorAll("optgroup")) {
      group.hidden = [...group.children].every((o) => o.hidden);
    }
    if (first && words.length) first.selected = true;
  });
}
