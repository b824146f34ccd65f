// The conversation list: newest first, paged; each can be reopened, renamed in place, or deleted.
import { api } from "./api.js";

let workspace = () => "";
let current = () => null;
let onOpen = () => {};
let onDeleted = () => {};
let onError = () => {};
let cursor = null;
const list = () => document.getElementById("conversations");
const more = () => document.getElementById("more-conversations");

export function init(options) {
  ({ workspace, current, onOpen, onDeleted, onError } = options);
  more().addEventListener("click", () => load(false));
}

function when(iso) {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleDateString();
}

function item(c) {
  const li = document.createElement("li");
  li.className = "conversation";
  li.dataset.id = c.id;
  if (c.id === current()) li.setAttribute("aria-current", "true");
  const open = document.createElement("button");
  open.className = "open";
  open.type = "button";
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = c.title || "Untitled";
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `${when(c.updated_at)} · ${c.message_count} messages`;
  open.append(title, meta);
  open.addEventListener("click", () => onOpen(c.id));
  const rename = document.createElement("button");
  rename.className = "icon small";
  rename.type = "button";
  rename.title = `Rename “${c.title}”`;
  rename.textContent = "✎";
  rename.addEventListener("click", () => startRename(li, c));
  const remove = document.createElement("button");
  remove.className = "icon small";
  remove.type = "button";
  remove.title = `Delete “${c.title}”`;
  remove.textContent = "✕";
  remove.addEventListener("click", () => removeOne(c));
  li.append(open, rename, remove);
  return li;
}

function startRename(li, c) {
  const input = document.createElement("input");
  input.className = "rename";
  input.value = c.title;
  input.setAttribute("aria-label", "New title");
  li.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = async (save) => {
    if (done) return;
    done = true;
    if (save && input.value.trim() && input.value.trim() !== c.title) {
      try {
        const renamed = await api(`/v1/conversations/${encodeURIComponent(c.id)}`,
                                  { method: "PATCH", json: { title: input.value }, params: { workspace_id: workspace() } });
        li.replaceWith(item(renamed));
        return;
      } catch (error) {
        onError(error);
      }
    }
    li.replaceWith(item(c));
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") finish(true);
    if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
}

async function removeOne(c) {
  if (!confirm(`Delete the conversation “${c.title}”? Its images stay in the Space.`)) return;
  try {
    await api(`/v1/conversations/${encodeURIComponent(c.id)}`, { method: "DELETE", params: { workspace_id: workspace() } });
    list().querySelector(`[data-id="${CSS.escape(c.id)}"]`)?.remove();
    onDeleted(c.id);
  } catch (error) {
    onError(error);
  }
}

export async function load(fresh = true) {
  if (!workspace()) return;
  if (fresh) cursor = null;
  try {
    const page = await api("/v1/conversations", { params: { workspace_id: workspace(), limit: 30, cursor } });
    if (fresh) list().replaceChildren();
    list().append(...page.conversations.map(item));
    cursor = page.pagination.cursor;
    more().hidden = !page.pagination.has_more;
  } catch (error) {
    onError(error);
  }
}

export function mark(id) {
  for (const li of list().children) {
    if (li.dataset.id === id) li.setAttribute("aria-current", "true");
    else li.removeAttribute("aria-current");
  }
}
