// Markdown from replies, rendered safely: marked turns it into HTML and DOMPurify keeps only harmless
// elements and attributes (no script, no event handlers, no javascript: links) before it touches the page.
import { marked } from "./vendor/marked.js";
import DOMPurify from "./vendor/purify.js";

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => escapes[c]);

// HTML written in a reply is shown as the text it is, never interpreted.
marked.use({ gfm: true, breaks: true, renderer: { html: (token) => escapeHtml(token.text) } });

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

const ALLOWED = {
  ALLOWED_TAGS: ["p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1",
                 "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"],
  ALLOWED_ATTR: ["href", "title", "target", "rel"],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
};

export function renderMarkdown(element, text) {
  element.innerHTML = DOMPurify.sanitize(marked.parse(text || ""), ALLOWED);
}
