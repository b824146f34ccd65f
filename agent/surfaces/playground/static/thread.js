// The thread: user messages as plain text, replies as sanitized Markdown, tool progress with elapsed time,
// and each image the moment its media_item arrives. Nothing from a prompt, a reply or a file name is ever
// put into the page as HTML except through renderMarkdown.
import { renderMarkdown } from "./markdown.js";

export const known = new Map(); // file_id -> media object, for the viewer's sources
let openViewer = () => {};
const list = () => document.getElementById("thread");

export function init({ viewer }) {
  openViewer = viewer;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A video plays where it is (controls, muted, looping), its first frame shown until it loads.
function clip(media) {
  const figure = el("figure", "thumb clip");
  const video = el("video");
  video.src = media.url;
  video.controls = true;
  video.muted = true;
  video.loop = true;
  video.playsInline = true;
  video.preload = "metadata";
  if (media.poster_url) video.poster = media.poster_url;
  if (media.width && media.height) {
    video.width = media.width;
    video.height = media.height;
  }
  video.setAttribute("aria-label", media.metadata?.prompt || media.name || "video");
  figure.append(video, el("figcaption", "name", media.name));
  return figure;
}

export function thumb(media) {
  known.set(media.file_id, media);
  if (media.mime_type?.startsWith("video/")) return clip(media);
  const button = el("button", "thumb");
  button.type = "button";
  button.title = `Open ${media.name}`;
  const img = el("img");
  img.src = media.url;
  img.alt = media.metadata?.prompt || media.name || "image";
  img.loading = "lazy";
  if (media.width && media.height) {
    img.width = media.width;
    img.height = media.height;
  }
  const caption = el("span", "name", media.name);
  button.append(img, caption);
  button.addEventListener("click", () => openViewer(media));
  return button;
}

function scrollDown() {
  const main = document.getElementById("chat-view");
  main.scrollTop = main.scrollHeight;
}

export function clear() {
  list().replaceChildren();
}

export function empty() {
  const li = el("li", "msg intro");
  li.append(el("h2", "", "What shall we paint?"),
            el("p", "", "Ask for an image, attach one to change it, or reopen a conversation on the left."));
  list().replaceChildren(li);
}

export function addUser(text, media = []) {
  list().querySelector(".intro")?.remove();
  const li = el("li", "msg user");
  li.append(el("p", "body", text));
  if (media.length) {
    const images = el("div", "images");
    images.append(...media.map(thumb));
    li.append(images);
  }
  list().append(li);
  scrollDown();
  return li;
}

const LABELS = { in_progress: "Starting", generating: "Painting", completed: "Made", failed: "Failed" };

export class Reply {
  constructor() {
    this.li = el("li", "msg assistant");
    this.li.setAttribute("aria-busy", "true");
    this.body = el("div", "body markdown");
    this.tools = el("ul", "tools");
    this.images = el("div", "images");
    this.state = el("p", "state", "Thinking…");
    this.li.append(this.body, this.tools, this.images, this.state);
    this.text = "";
    this.calls = new Map();
    this.shown = new Set();
    this.pending = false;
    this.ticker = setInterval(() => this.tick(), 100);
    list().append(this.li);
    scrollDown();
  }

  chunk(text) {
    this.text += text;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      renderMarkdown(this.body, this.text);
      scrollDown();
    });
  }

  tool(event) {
    let call = this.calls.get(event.call_id);
    if (!call) {
      const li = el("li", "tool");
      const what = event.arguments?.prompt ? `“${event.arguments.prompt}”` : event.tool;
      call = { li, label: el("span", "label"), what: el("span", "what", what), time: el("span", "time"),
               started: performance.now(), ended: null };
      li.append(call.label, " ", call.what, " ", call.time);
      this.tools.append(li);
      this.calls.set(event.call_id, call);
    }
    call.status = event.status;
    call.li.dataset.status = event.status;
    call.label.textContent = LABELS[event.status] || event.status;
    if (event.tool === "video_gen" && event.status === "generating") call.label.textContent = "Animating";
    if (typeof event.progress === "number" && event.status === "generating") {
      call.label.textContent += ` ${event.progress}%`;
    }
    if (event.status === "completed" || event.status === "failed") call.ended = performance.now();
    if (event.status === "failed" && event.error) call.what.textContent = event.error;
    this.tick();
  }

  tick() {
    for (const call of this.calls.values()) {
      const seconds = ((call.ended ?? performance.now()) - call.started) / 1000;
      call.time.textContent = `${seconds.toFixed(1)} s`;
    }
  }

  media(media) {
    if (this.shown.has(media.file_id)) return;
    this.shown.add(media.file_id);
    this.images.append(thumb(media));
    scrollDown();
  }

  complete(event) {
    this.text = event.response ?? this.text;
    renderMarkdown(this.body, this.text);
    for (const m of event.media || []) this.media(m);
    this.finish();
    this.state.remove();
  }

  fail(message) {
    this.finish();
    this.state.textContent = message;
    this.state.className = "state failed";
  }

  finish() {
    clearInterval(this.ticker);
    for (const call of this.calls.values()) call.ended ??= performance.now();
    this.tick();
    this.li.removeAttribute("aria-busy");
  }
}

// A message of GET /v1/conversations/{id}, drawn as the stream drew it.
export function addStored(entry) {
  if (entry.role !== "assistant") {
    addUser(entry.content, entry.media || []);
    return;
  }
  const reply = new Reply();
  for (const call of entry.tool_calls || []) {
    reply.tool({ call_id: call.call_id, tool: call.tool, arguments: call.arguments, status: call.status,
                 error: call.error });
    reply.calls.get(call.call_id).time.remove();  // no timing is known for a reply drawn again
  }
  reply.complete({ response: entry.content, media: entry.media || [] });
}
