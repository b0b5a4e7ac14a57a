// The room page's client. Messages arrive over a websocket, or over
// server-sent events (EventSource) where a websocket cannot connect; add
// ?transport=sse to the page's address to try that fallback.
"use strict";

const urls = document.currentScript.dataset;
const list = document.getElementById("messages");
const form = document.getElementById("say");
const input = document.getElementById("text");
const statusLine = document.getElementById("status");

// The event id of the last message shown: a reconnect resumes after it, so
// nothing is shown twice or missed. "0" asks for all the room still holds.
let lastId = "0";
// Sends a message over the connection in use (null while disconnected).
let send = null;

function show(id, message) {
  const first = lastId === "0";
  lastId = id;
  if (message.gap && first) {
    return; // only says that older messages are gone: none was missed here
  }
  const item = document.createElement("li");
  if (message.gap) {
    item.className = "gap";
    item.textContent = "(some messages could not be delivered here)";
  } else {
    const user = document.createElement("b");
    user.textContent = message.user;
    item.append(user, ": ", message.text); // text, never HTML
  }
  list.append(item);
  item.scrollIntoView({ block: "nearest" });
}

function connectWebSocket(everOpened = false) {
  const url = new URL(urls.websocket, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("since", lastId);
  const socket = new WebSocket(url);
  socket.onopen = () => {
    everOpened = true;
    send = (text) => socket.send(text);
    statusLine.textContent = "Live (websocket)";
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    show(message.id, message);
  };
  socket.onclose = () => {
    send = null;
    if (everOpened) {
      statusLine.textContent = "Reconnecting…";
      setTimeout(() => connectWebSocket(true), 1000);
    } else {
      connectEventSource(); // websockets do not get through: fall back
    }
  };
}

function connectEventSource() {
  const url = new URL(urls.events, location.href);
  url.searchParams.set("since", lastId);
  // When the stream drops, the browser reconnects by itself and sends the
  // id of the last event it got as the Last-Event-ID header.
  const source = new EventSource(url);
  source.onopen = () => {
    statusLine.textContent = "Live (server-sent events)";
  };
  source.onmessage = (event) => show(event.lastEventId, JSON.parse(event.data));
  source.addEventListener("gap", (event) =>
    show(event.lastEventId, { gap: event.data }),
  );
  source.onerror = () => {
    statusLine.textContent = "Reconnecting…";
  };
  send = async (text) => {
    const response = await fetch(urls.messages, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text }),
    });
    if (!response.ok) {
      statusLine.textContent = `Not sent (${response.status})`;
    }
  };
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (send !== null) {
    send(input.value);
    input.value = "";
  }
});

if (new URLSearchParams(location.search).get("transport") === "sse") {
  connectEventSource();
} else {
  connectWebSocket();
}
