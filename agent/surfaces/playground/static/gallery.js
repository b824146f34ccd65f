// The Space's gallery: all files or one folder's, newest first, a page at a time; open, or delete.
import { api, asMedia } from "./api.js";
import { known } from "./thread.js";

export const PAGE = 12;
let workspace = () => "";
let onOpen = () => {};
let onError = () => {};
let cursor = null;
const $ = (id) => document.getElementById(id);

export function init(options) {
  ({ workspace, onOpen, onError } = options);
  $("gallery-more").addEventListener("click", () => load(false));
  $("folder").addEventListener("change", () => load(true));
}

export async function folders() {
  const select = $("folder");
  const keep = select.value;
  const all = new Option("All files", "");
  select.replaceChildren(all);
  try {
    const found = await api("/v1/storage/folders", { params: { workspace_id: workspace() } });
    for (const f of found.folders) select.append(new Option(f.name, f.folderId));
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  } catch (error) {
    onError(error);
  }
}

function tile(file) {
  const media = asMedia(file);
  known.set(media.file_id, media);
  const li = document.createElement("li");
  li.className = "tile";
  li.dataset.id = media.file_id;
  const open = document.createElement("button");
  open.type = "button";
  open.className = "thumb";
  open.title = `Open ${media.name}`;
  if (media.mime_type?.startsWith("image/")) {
    const img = document.createElement("img");
    img.src = media.url;
    img.alt = media.metadata?.prompt || media.name;
    img.loading = "lazy";
    open.append(img);
    open.addEventListener("click", () => onOpen(media));
  } else {
    open.append(Object.assign(document.createElement("span"), { className: "doc", textContent: "DOC" }));
    open.addEventListener("click", () => window.open(media.url, "_blank", "noopener"));
  }
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = media.name;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "icon small delete";
  remove.title = `Delete ${media.name}`;
  remove.textContent = "✕";
  remove.addEventListener("click", async () => {
    if (!confirm(`Delete ${media.name} from the Space? This cannot be undone.`)) return;
    try {
      await api(`/v1/storage/files/${encodeURIComponent(media.file_id)}`,
                { method: "DELETE", params: { workspace_id: workspace() } });
      li.remove();
      $("gallery-empty").hidden = $("gallery").children.length > 0;
    } catch (error) {
      onError(error);
    }
  });
  li.append(open, name, remove);
  return li;
}

export async function load(fresh = true) {
  if (!workspace()) return;
  if (fresh) cursor = null;
  const folder = $("folder").value;
  const path = folder ? `/v1/storage/folders/${encodeURIComponent(folder)}/files` : "/v1/storage/files";
  try {
    const page = await api(path, { params: { workspace_id: workspace(), limit: PAGE, cursor } });
    if (fresh) $("gallery").replaceChildren();
    $("gallery").append(...page.files.map(tile));
    cursor = page.pagination.cursor;
    $("gallery-more").hidden = !page.pagination.hasMore;
    $("gallery-empty").hidden = $("gallery").children.length > 0;
  } catch (error) {
    onError(error);
  }
}
