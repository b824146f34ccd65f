// Easel's public API, as the page uses it: JSON calls, uploads, and the chat stream read line by line.

const KEY = "easel.key";

export const key = {
  get: () => localStorage.getItem(KEY) || "",
  set: (value) => localStorage.setItem(KEY, value.trim()),
  clear: () => localStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

function headers(extra = {}) {
  return { "x-api-key": key.get(), ...extra };
}

async function failure(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const message = typeof body.error === "string" ? body.error : body.error?.message || response.statusText;
  const retry = Number.parseInt(response.headers.get("retry-after") || "", 10);
  return new ApiError(response.status, body.code || body.error?.code || "error", message,
                      Number.isFinite(retry) ? retry : null);
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", `Easel cannot be reached at ${location.origin}.`);
  }
  if (!response.ok) throw await failure(response);
  return response;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export async function api(path, { method = "GET", json, params } = {}) {
  const init = { method, headers: headers(json ? { "content-type": "application/json" } : {}) };
  if (json) init.body = JSON.stringify(json);
  const response = await send(path + query(params || {}), init);
  return response.json();
}

export async function upload(file, workspaceId) {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("workspace_id", workspaceId);
  const response = await send("/v1/storage/files", { method: "POST", headers: headers(), body: form });
  return response.json();
}

// POST /v1/chat with stream: true. Every non-empty line is `data: {json}`; each object goes to onEvent.
export async function chatStream(body, onEvent) {
  const response = await send("/v1/chat", {
    method: "POST", headers: headers({ "content-type": "application/json" }),
    body: JSON.stringify({ ...body, stream: true }),
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of block.split("\n")) {
        if (line.startsWith("data: ")) onEvent(JSON.parse(line.slice(6)));
      }
    }
  }
}

// A file object of the storage API, in the chat contract's media shape.
export function asMedia(file) {
  return {
    file_id: file.fileId, name: file.name, mime_type: file.mimeType, size_bytes: file.sizeBytes,
    width: file.width, height: file.height, url: file.url, metadata: file.metadata || {},
  };
}
