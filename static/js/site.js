// Progressive enhancement shared by every page; the pages work without it.

// Show times in the reader's own zone when the server did not know it.
for (const el of document.querySelectorAll("time[datetime]")) {
  const when = new Date(el.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime()) && !el.dataset.keep) {
    el.title = el.textContent.trim();
    el.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZoneName: "short" });
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
