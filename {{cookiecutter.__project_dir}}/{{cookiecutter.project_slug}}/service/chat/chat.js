// The chat page: sign in, start a workflow, follow its conversation, answer its questions.
//
// Tokens live in this page's memory only (never in storage or cookies a script could read):
// a reload or a closed tab signs out. A 401 gets one refresh (POST /token with the refresh
// token), then the request again. Each workflow's websocket opens with a single-use ticket,
// since browsers cannot send an Authorization header there. Everything from the service is
// shown with textContent: messages are data, never markup.
"use strict";

const session = { tokens: null, socket: null, refreshing: null };

const byId = (id) => document.getElementById(id);

function form(fields) {
  return { method: "POST", body: new URLSearchParams(fields) };
}

// The service's reason for a refusal: OAuth2's error_description, FastAPI's detail, or the status.
async function refusal(response) {
  const body = await response.json().catch(() => null);
  const detail = body && (body.error_description || body.detail);
  const text = typeof detail === "string" ? detail : JSON.stringify(detail || response.statusText);
  return `${text} (HTTP ${response.status})`;
}

async function signIn(username, password) {
  const response = await fetch("token", form({ grant_type: "password", username, password }));
  if (!response.ok) throw new Error(`Sign-in refused: ${await refusal(response)}`);
  session.tokens = await response.json();
}

// One refresh at a time: a refresh token works once, and the service ends the session when one
// comes back a second time.
function refresh() {
  session.refreshing ??= exchangeRefreshToken().finally(() => {
    session.refreshing = null;
  });
  return session.refreshing;
}

async function exchangeRefreshToken() {
  const refreshToken = session.tokens.refresh_token;
  const response = await fetch("token", form({ grant_type: "refresh_token", refresh_token: refreshToken }));
  if (!response.ok) {
    signedOut("Your session has ended: sign in again.");
    throw new Error(`Session ended: ${await refusal(response)}`);
  }
  session.tokens = await response.json();
}

function authorized(path, body) {
  const init = { headers: { Accept: "application/json", Authorization: `Bearer ${session.tokens.access_token}` } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

// A call with the access token; an expired one is refreshed once.
async function api(path, body) {
  let response = await authorized(path, body);
  if (response.status === 401) {
    await refresh();
    response = await authorized(path, body);
  }
  if (!response.ok) throw new Error(await refusal(response));
  return response.status === 204 ? null : response.json();
}

// The conversation.

function entry(kind, label, text) {
  const item = document.createElement("li");
  item.className = `message ${kind}`;
  if (label) {
    const who = document.createElement("p");
    who.className = "who";
    who.textContent = label;
    item.append(who);
  }
  if (text !== undefined) {
    const body = document.createElement("p");
    body.className = "body";
    body.textContent = text;
    item.append(body);
  }
  byId("conversation").append(item);
  item.scrollIntoView({ block: "nearest" });
  return item;
}

function asText(value) {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

// A tool call and, when it arrives, its result: folded, one <details> per call id.
function toolCall(callId) {
  const found = [...document.querySelectorAll("#conversation details")].find(
    (details) => details.dataset.callId === callId,
  );
  if (found) return found;
  const item = entry("tool", "");
  const details = document.createElement("details");
  details.dataset.callId = callId || "";
  details.append(document.createElement("summary"));
  item.replaceChildren(details);
  return details;
}

function fold(details, summary, heading, value) {
  if (summary) details.querySelector("summary").textContent = summary;
  const title = document.createElement("p");
  title.className = "who";
  title.textContent = heading;
  const pre = document.createElement("pre");
  pre.textContent = asText(value);
  details.append(title, pre);
}

// The answer form: a text field, or one radio button per choice (check boxes when several may be
// chosen: the answer is then the chosen ones, comma-separated, as FastAgency's own UI sends them).
function ask(prompt, { choices = [], single = true, selected = null, password = false }) {
  byId("answer-prompt").textContent = prompt || "The workflow asks:";
  const choiceList = byId("answer-choices");
  choiceList.replaceChildren();
  const answer = byId("answer");
  answer.value = "";
  answer.type = password ? "password" : "text";
  answer.hidden = byId("answer-label").hidden = choices.length > 0;
  answer.required = choices.length === 0;
  choices.forEach((choice, index) => {
    const label = document.createElement("label");
    const radio = document.createElement("input");
    radio.type = single ? "radio" : "checkbox";
    radio.name = "choice";
    radio.value = choice;
    radio.required = single;
    radio.checked = choice === selected;
    radio.id = `choice-${index}`;
    label.htmlFor = radio.id;
    label.textContent = choice;
    choiceList.append(radio, label);
  });
  byId("answer-form").hidden = false;
  (choices.length ? choiceList.querySelector("input") : answer).focus();
}

function show(message) {
  const content = message.content || {};
  const from = `${message.sender || "?"} → ${message.recipient || "?"}`;
  switch (message.type) {
    case "workflow_started":
      entry("status", `Started: ${content.description || content.name}`);
      break;
    case "text_message":
      entry("text", from, content.body);
      break;
    case "suggested_function_call":
      fold(toolCall(content.call_id), `Tool call: ${content.function_name}`, `${from}: arguments`, content.arguments);
      break;
    case "function_call_execution":
      fold(toolCall(content.call_id), `Tool call: ${content.function_name}`, "Result", content.retval);
      break;
    case "text_input":
      entry("question", from, content.prompt);
      ask(content.prompt, { password: content.password });
      break;
    case "multiple_choice":
      entry("question", from, content.prompt);
      ask(content.prompt, { choices: content.choices || [], single: content.single, selected: content.default });
      break;
    case "workflow_completed":
      entry("result", "Result", content.result);
      break;
    case "error":
      entry("error", "Error", [content.short, content.long].filter(Boolean).join("\n"));
      break;
    default: {
      const details = toolCall(content.uuid);
      fold(details, `[${message.type}] ${from}`, "Content", content);
    }
  }
}

function running(isRunning) {
  byId("start").disabled = isRunning;
  if (!isRunning) byId("answer-form").hidden = true;
}

async function start(name, question) {
  const reservation = await api("fastagency/initiate_workflow", {
    workflow_name: name,
    params: question ? { question } : {},
  });
  const { ticket } = await api("fastagency/ticket", { workflow_uuid: reservation.workflow_uuid });
  const url = new URL(`fastagency/ws?ticket=${encodeURIComponent(ticket)}`, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url);
  session.socket = socket;
  socket.onopen = () => socket.send(JSON.stringify(reservation));
  socket.onmessage = (event) => show(JSON.parse(event.data));
  socket.onclose = (event) => {
    if (session.socket !== socket) return; // signed out meanwhile
    session.socket = null;
    running(false);
    if (event.code !== 1000) {
      const why = event.reason || "the connection was lost";
      entry("error", "Closed", `The service ended the conversation: ${why} (code ${event.code})`);
    }
    byId("question").focus();
  };
}

// Signing in and out.

function signedIn(username) {
  byId("username-shown").textContent = username;
  byId("signed-in").hidden = false;
  byId("sign-in-form").hidden = true;
  byId("chat").hidden = false;
}

function signedOut(message) {
  session.tokens = null;
  const socket = session.socket;
  session.socket = null;
  if (socket) socket.close(1000, "signed out");
  running(false);
  byId("conversation").replaceChildren();
  byId("workflow").replaceChildren();
  byId("chat-error").textContent = "";
  byId("signed-in").hidden = true;
  byId("chat").hidden = true;
  byId("sign-in-form").hidden = false;
  byId("sign-in-error").textContent = message || "";
  byId("username").focus();
}

async function listWorkflows() {
  const select = byId("workflow");
  for (const workflow of await api("fastagency/discovery")) {
    const option = document.createElement("option");
    option.value = workflow.name;
    option.textContent = `${workflow.name}: ${workflow.description}`;
    select.append(option);
  }
}

// Runs `action`, showing what went wrong in `errorId`.
function reporting(errorId, action) {
  return async (event) => {
    event.preventDefault();
    byId(errorId).textContent = "";
    try {
      await action(event);
    } catch (error) {
      byId(errorId).textContent = error.message;
    }
  };
}

document.addEventListener("DOMContentLoaded", () => {
  byId("sign-in-form").addEventListener(
    "submit",
    reporting("sign-in-error", async () => {
      const username = byId("username").value;
      const password = byId("password");
      try {
        await signIn(username, password.value);
      } finally {
        password.value = "";
      }
      signedIn(username);
      await listWorkflows();
      byId("workflow").focus();
    }),
  );

  byId("start-form").addEventListener(
    "submit",
    reporting("chat-error", async () => {
      running(true);
      try {
        await start(byId("workflow").value, byId("question").value.trim());
      } catch (error) {
        running(false);
        throw error;
      }
    }),
  );

  byId("answer-form").addEventListener(
    "submit",
    reporting("chat-error", async () => {
      const chosen = [...byId("answer-choices").querySelectorAll("input:checked")];
      const answer = byId("answer");
      const text = answer.hidden ? chosen.map((input) => input.value).join(",") : answer.value;
      session.socket.send(text);
      entry("answer", "You", answer.type === "password" ? "••••••" : text);
      byId("answer-form").hidden = true;
    }),
  );

  byId("sign-out").addEventListener(
    "click",
    reporting("chat-error", async () => {
      try {
        await api("logout", {});
      } finally {
        signedOut("Signed out.");
      }
    }),
  );

  byId("username").focus();
});
