// Read a chosen translation file into the text field: the server takes text, not uploads.
const input = document.getElementById("source-file");
const target = input && document.getElementById(input.dataset.fills);
if (input && target) {
  document.getElementById("source-file-field").hidden = false;
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (file) target.value = await file.text();
  });
}
