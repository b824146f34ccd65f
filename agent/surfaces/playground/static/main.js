// The playground: wires the key, the workspace picker, the conversation list, the thread, the composer,
// the gallery and the viewer together. It uses only Easel's public API.
import { ApiError, api, chatStream, key } from "./api.js";
import * as composer from "./composer.js";
import * as conversations from "./conversations.js";
import * as errors from "./errors.js";
import * as gallery from "./gallery.js";
import * as thread from "./thread.js";
import * as viewer from "./viewer.js";

const $ = (id) => document.getElementById(id);
const state = { workspace: "", conversation: null, busy: false, waiting: false };
const WORKSPACE = "easel.workspace";

function setSendable() {
  $("send").disabled = state.busy || state.waiting;
}

function showError(error) {
  errors.show(error instanceof ApiError ? error : new ApiError(0, "error", String(error?.message || error)));
}

// -- key and workspaces ---------------------------------------------------------------------------------
function askKey() {
  $("key-input").value = key.get();
  if (!$("key-dialog").open) $("key-dialog").showModal();
  $("key-input").focus();
}

async function loadWorkspaces() {
  const found = (await api("/v1/workspaces")).workspaces;
  const select = $("workspace");
  select.replaceChildren(...found.map((w) => new Option(w.default && w.name !== "default" ? `${w.name} (default)` : w.name, w.id)));
  const kept = localStorage.getItem(WORKSPACE);
  state.workspace = found.some((w) => w.id === kept) ? kept : found[0]?.id || "";
  select.value = state.workspace;
}

async function start() {
  if (!key.get()) {
    thread.empty();
    askKey();
    return;
  }
  try {
    await loadWorkspaces();
  } catch (error) {
    showError(error);
    return;
  }
  errors.clear();
  await conversations.load();
  const wanted = location.hash.slice(1);
  if (wanted) await openConversation(wanted);
  else newChat();
  document.body.dataset.ready = "true";
}

// -- conversations --------------------------------------------------------------------------------------
function newChat() {
  state.conversation = null;
  history.replaceState(null, "", location.pathname);
  conversations.mark(null);
  thread.empty();
  showView("chat");
  closeSidebar();
  $("prompt").focus();
}

async function openConversation(id) {
  try {
    const got = await api(`/v1/conversations/${encodeURIComponent(id)}`, { params: { workspace_id: state.workspace } });
    state.conversation = got.id;
    history.replaceState(null, "", `#${got.id}`);
    thread.clear();
    for (const entry of got.messages) thread.addStored(entry);
    conversations.mark(got.id);
    showView("chat");
    closeSidebar();
  } catch (error) {
    if (error.status === 404) newChat();
    showError(error);
  }
}

// -- chat -----------------------------------------------------------------------------------------------
async function send(event) {
  event?.preventDefault();
  const text = $("prompt").value.trim();
  if (!text || state.busy || state.waiting) return;
  state.busy = true;
  setSendable();
  errors.clear();
  const attached = await composer.take();
  $("prompt").value = "";
  thread.addUser(text, attached);
  const reply = new thread.Reply();
  const body = { messages: [{ role: "user", content: text }], workspace_id: state.workspace };
  if (state.conversation) body.conversation_id = state.conversation;
  if (attached.length) body.file_ids = attached.map((m) => m.file_id);
  try {
    let ended = false;
    await chatStream(body, (e) => {
      if (e.type === "ai_chunk") reply.chunk(e.content);
      else if (e.type === "tool_status") reply.tool(e);
      else if (e.type === "media_item") reply.media(e);
      else if (e.type === "ai_complete") {
        ended = true;
        reply.complete(e);
        state.conversation = e.conversation_id;
        history.replaceState(null, "", `#${e.conversation_id}`);
      } else if (e.type === "error") {
        ended = true;
        reply.fail(e.error);
        showError(new ApiError(502, e.code, e.error));
      }
    });
    if (!ended) reply.fail("The reply was cut off before it finished.");
    await conversations.load();
    conversations.mark(state.conversation);
  } catch (error) {
    reply.fail(error.status === 429 ? "Not sent: too many requests." : `Not sent: ${error.message}`);
    showError(error);
  } finally {
    state.busy = false;
    setSendable();
    $("prompt").focus();
  }
}

// -- views and layout -----------------------------------------------------------------------------------
function showView(which) {
  const chat = which === "chat";
  $("chat-view").hidden = !chat;
  $("gallery-view").hidden = chat;
  $("show-chat").setAttribute("aria-pressed", String(chat));
  $("show-gallery").setAttribute("aria-pressed", String(!chat));
  if (!chat) {
    gallery.folders().then(() => gallery.load(true));
  }
}

function closeSidebar() {
  document.body.classList.remove("sidebar-open");
  $("menu").setAttribute("aria-expanded", "false");
}

function wire() {
  errors.init({ keyProblem: askKey, waitChange: (on) => { state.waiting = on; setSendable(); } });
  thread.init({ viewer: viewer.open });
  viewer.init({ edit: (media) => { showView("chat"); composer.attach(media); } });
  composer.init({ workspace: () => state.workspace, onError: showError });
  gallery.init({ workspace: () => state.workspace, onOpen: viewer.open, onError: showError });
  conversations.init({
    workspace: () => state.workspace, current: () => state.conversation, onOpen: openConversation,
    onDeleted: (id) => { if (id === state.conversation) newChat(); }, onError: showError,
  });
  $("composer").addEventListener("submit", send);
  $("prompt").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
  });
  $("new-chat").addEventListener("click", newChat);
  $("show-chat").addEventListener("click", () => showView("chat"));
  $("show-gallery").addEventListener("click", () => { showView("gallery"); closeSidebar(); });
  $("key-button").addEventListener("click", askKey);
  $("key-form").addEventListener("submit", () => {
    key.set($("key-input").value);
    start();
  });
  $("key-forget").addEventListener("click", () => {
    key.clear();
    $("key-input").value = "";
  });
  $("workspace").addEventListener("change", async () => {
    state.workspace = $("workspace").value;
    localStorage.setItem(WORKSPACE, state.workspace);
    composer.clear();
    newChat();
    await conversations.load();
  });
  $("menu").addEventListener("click", () => {
    const open = document.body.classList.toggle("sidebar-open");
    $("menu").setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && document.body.classList.contains("sidebar-open")) closeSidebar();
  });
}

wire();
start();
