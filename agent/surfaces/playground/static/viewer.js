// The image viewer: the picture, where it came from (prompt, revised prompt, model, seed, sources),
// "Edit this" (attaches it to the next message) and download.
import { known } from "./thread.js";

let onEdit = () => {};
let shown = null;
const $ = (id) => document.getElementById(id);

export function init({ edit }) {
  onEdit = edit;
  $("viewer-close").addEventListener("click", () => $("viewer").close());
  $("viewer-edit").addEventListener("click", () => {
    $("viewer").close();
    if (shown) onEdit(shown);
  });
  $("viewer").addEventListener("click", (e) => {
    if (e.target === $("viewer")) $("viewer").close();  // a click on the backdrop
  });
}

function row(list, label, value) {
  if (value === undefined || value === null || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  if (value instanceof Node) dd.append(value);
  else dd.textContent = String(value);
  list.append(dt, dd);
}

function sources(ids) {
  if (!ids?.length) return null;
  const box = document.createElement("span");
  box.className = "sources";
  for (const id of ids) {
    const m = known.get(id);
    if (m) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "source";
      b.title = `Open ${m.name}`;
      const img = document.createElement("img");
      img.src = m.url;
      img.alt = m.name;
      b.append(img);
      b.addEventListener("click", () => open(m));
      box.append(b);
    } else {
      const code = document.createElement("code");
      code.textContent = id;
      box.append(code);
    }
  }
  return box;
}

export function open(media) {
  shown = media;
  const meta = media.metadata || {};
  $("viewer-image").src = media.url;
  $("viewer-image").alt = meta.prompt || media.name;
  $("viewer-title").textContent = media.name;
  const list = $("viewer-meta");
  list.replaceChildren();
  row(list, "Operation", meta.operation);
  row(list, "Prompt", meta.prompt);
  row(list, "Revised prompt", meta.revised_prompt);
  row(list, "Style", meta.style);
  row(list, "Model", meta.model);
  row(list, "Seed", meta.seed);
  row(list, "Sources", sources(meta.source_file_ids));
  row(list, "Size", media.width && media.height ? `${media.width} × ${media.height}` : null);
  row(list, "Cost", typeof meta.cost_usd === "number" ? `$${meta.cost_usd.toFixed(4)}` : null);
  $("viewer-download").href = media.url;
  $("viewer-download").setAttribute("download", media.name || "image.png");
  if (!$("viewer").open) $("viewer").showModal();
}
