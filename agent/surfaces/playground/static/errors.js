// Errors in plain words, in one alert line at the top. A 429 counts down from Retry-After and keeps the
// Send button off until the wait is over.
import { api } from "./api.js";

const box = () => document.getElementById("alert");
const text = () => document.getElementById("alert-text");
let timer = null;
let onKeyProblem = () => {};
let onWaitChange = () => {};

export function init({ keyProblem, waitChange }) {
  onKeyProblem = keyProblem;
  onWaitChange = waitChange;
  document.getElementById("alert-close").addEventListener("click", clear);
}

export function clear() {
  if (timer) clearInterval(timer);
  timer = null;
  box().hidden = true;
  box().className = "alert";
  onWaitChange(false);
}

export function say(message, kind = "error") {
  if (timer) clearInterval(timer);
  timer = null;
  text().textContent = message;
  box().className = `alert ${kind}`;
  box().hidden = false;
}

function countdown(seconds) {
  let left = Math.max(1, seconds);
  const show = () => {
    say(`Too many requests for this key. You can send again in ${left} s.`, "wait");
    onWaitChange(true);
  };
  show();
  timer = setInterval(() => {
    left -= 1;
    if (left <= 0) {
      clearInterval(timer);
      timer = null;
      say("You can send again now.", "info");
      onWaitChange(false);
      return;
    }
    text().textContent = `Too many requests for this key. You can send again in ${left} s.`;
  }, 1000);
}

async function balanceText() {
  try {
    const b = (await api("/v1/balance")).data;
    if (b.unlimited) return "";
    return ` Balance: $${Number(b.balance).toFixed(2)} of a $${Number(b.budget).toFixed(2)} budget.`;
  } catch {
    return "";
  }
}

export async function show(error) {
  const status = error.status ?? 0;
  const detail = error.message || "";
  if (status === 401) {
    say(`Easel did not accept the API key: ${detail}. Enter a valid key.`);
    onKeyProblem();
  } else if (status === 402) {
    say(`Your account is out of credit. ${detail}.${await balanceText()}`);
  } else if (status === 429) {
    countdown(error.retryAfter ?? 5);
  } else if (status === 0 && error.code === "network") {
    say(`${detail} Is the server running?`);
  } else if (status >= 500 || ["upstream_error", "generation_failed"].includes(error.code)) {
    say(`The model's provider failed to answer: ${detail} Try again in a moment.`);
  } else if (status === 404) {
    say(`Not found: ${detail}.`);
  } else {
    say(detail || "Something went wrong.");
  }
}
