// Attachments: files from the picker, a drop or a paste are uploaded at once and shown as chips; each
// chip becomes a file_id of the next message. "Edit this" adds a chip for an image already in the Space.
import { upload } from "./api.js";

let workspace = () => "";
let onError = () => {};
const chips = [];  // {id, name, url, file_id, pending: Promise|null, li}
const $ = (id) => document.getElementById(id);

export function init(options) {
  ({ workspace, onError } = options);
  $("file-input").addEventListener("change", (e) => {
    addFiles([...e.target.files]);
    e.target.value = "";
  });
  $("prompt").addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files || [])];
    if (files.length) {
      e.preventDefault();
      addFiles(files);
    }
  });
  const view = $("chat-view");
  let depth = 0;
  view.addEventListener("dragenter", (e) => {
    if (![...e.dataTransfer.types].includes("Files")) return;
    depth += 1;
    $("drop").hidden = false;
  });
  view.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) $("drop").hidden = true;
  });
  view.addEventListener("dragover", (e) => e.preventDefault());
  view.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    $("drop").hidden = true;
    addFiles([...(e.dataTransfer?.files || [])]);
  });
}

function chip(entry) {
  const li = document.createElement("li");
  li.className = "chip";
  const img = document.createElement("img");
  img.alt = "";
  img.src = entry.url;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = entry.name;
  const state = document.createElement("span");
  state.className = "chip-state";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "icon small";
  remove.title = `Remove ${entry.name}`;
  remove.textContent = "✕";
  remove.addEventListener("click", () => drop(entry));
  li.append(img, name, state, remove);
  entry.li = li;
  entry.state = state;
  $("chips").append(li);
}

function drop(entry) {
  const i = chips.indexOf(entry);
  if (i >= 0) chips.splice(i, 1);
  entry.li?.remove();
  $("prompt").focus();
}

export function addFiles(files) {
  for (const file of files) {
    const entry = { name: file.name, url: URL.createObjectURL(file), file_id: null };
    chips.push(entry);
    chip(entry);
    entry.li.dataset.state = "uploading";
    entry.state.textContent = "uploading…";
    entry.pending = upload(file, workspace()).then((made) => {
      entry.file_id = made.fileId;
      entry.media = { file_id: made.fileId, name: made.name, url: made.url, width: made.width,
                      height: made.height, metadata: made.metadata || {} };
      entry.li.dataset.state = "ready";
      entry.li.dataset.fileId = made.fileId;
      entry.state.textContent = "";
    }).catch((error) => {
      entry.li.dataset.state = "failed";
      entry.state.textContent = "failed";
      onError(error);
      drop(entry);
    });
  }
}

export function attach(media) {
  if (chips.some((c) => c.file_id === media.file_id)) return;
  const entry = { name: media.name, url: media.url, file_id: media.file_id, media, pending: null };
  chips.push(entry);
  chip(entry);
  entry.li.dataset.state = "ready";
  entry.li.dataset.fileId = media.file_id;
  $("prompt").focus();
}

// Waits for uploads still running, then hands over the attachments and empties the tray.
export async function take() {
  await Promise.all(chips.map((c) => c.pending).filter(Boolean));
  const ready = chips.filter((c) => c.file_id);
  const taken = ready.map((c) => c.media);
  for (const c of [...chips]) drop(c);
  return taken;
}

export function clear() {
  for (const c of [...chips]) drop(c);
}
