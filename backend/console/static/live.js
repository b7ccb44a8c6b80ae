// Live conversations: the waiting queue with a ticking waiting time, take over, the transcript
// refreshing, a reply box, hand back to the bot.
"use strict";

const {el, label, when, api, duration} = Console;
const QUEUE_MS = 3000, TRANSCRIPT_MS = 2000;
let me = null;
let selected = new URLSearchParams(location.search).get("h");
let queue = [];
let loadedAt = Date.now();
let current = null;

function waited(entry) {
  return entry.waiting_seconds + (Date.now() - loadedAt) / 1000;
}

function renderQueue() {
  const list = document.getElementById("queue-list");
  list.replaceChildren(...queue.map((entry) => el("li", {
      class: String(entry.id) === String(selected) ? "selected" : null,
      "data-id": entry.id, onclick: () => choose(entry.id)},
    el("strong", {text: entry.ticket_number}), " ",
    el("span", {class: "badge", text: label("state", entry.state)}), " ",
    el("span", {class: "hint", text: `${entry.channel} · ${entry.language}`}),
    el("br"),
    el("span", {class: "waited", "data-id": entry.id,
                text: entry.state === "waiting" ? `已等待 waiting ${duration(waited(entry))}`
                                                : `接待人 with ${entry.taken_by || "—"}`}))));
  document.getElementById("queue-empty").hidden = queue.length > 0;
}

function tick() {
  for (const span of document.querySelectorAll(".waited")) {
    const entry = queue.find((q) => String(q.id) === span.dataset.id);
    if (entry && entry.state === "waiting") span.textContent = `已等待 waiting ${duration(waited(entry))}`;
  }
}

async function loadQueue() {
  queue = await api("GET", "/api/v1/handoff/queue");
  loadedAt = Date.now();
  renderQueue();
}

function choose(id) {
  selected = String(id);
  history.replaceState(null, "", `/console/live?h=${selected}`);
  renderQueue();
  loadConversation();
}

function speaker(sender) {
  if (sender === "customer") return ["customer", "客户 Customer"];
  if (sender.startsWith("staff:")) return ["staff", `客服 ${sender.slice(6)}`];
  return ["system", sender];
}

async function loadConversation() {
  if (!selected) return;
  const handoff = await api("GET", `/api/v1/handoff/${encodeURIComponent(selected)}`);
  current = handoff;
  document.getElementById("conversation").hidden = false;
  document.getElementById("conv-title").textContent = `会话 Conversation · ${handoff.ticket_number}`;
  document.getElementById("conv-state").textContent = label("state", handoff.state) +
    (handoff.taken_by ? ` · ${handoff.taken_by}` : "");
  document.getElementById("conv-ticket").href = `/console/tickets/${encodeURIComponent(handoff.ticket_number)}`;
  const mine = handoff.state === "active" && handoff.taken_by === me.username;
  const open = handoff.state === "waiting" || handoff.state === "active";
  document.getElementById("take").hidden = handoff.state !== "waiting";
  document.getElementById("release").hidden = !(handoff.state === "active");
  document.getElementById("reply-form").hidden = !(mine || (handoff.state === "active" && me.role !== "agent"));
  if (!open) document.getElementById("reply-form").hidden = true;

  const box = document.getElementById("transcript");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...handoff.messages.map((m) => {
    const [kind, who] = speaker(m.sender);
    return el("div", {class: `msg ${kind}`},
      el("span", {class: "meta", text: `${who} · ${when(m.created_at)}`}),
      el("span", {class: "text", text: m.text}));
  }));
  if (atBottom) box.scrollTop = box.scrollHeight;
}

async function act(path, body) {
  const result = document.getElementById("conv-result");
  result.className = "";
  result.textContent = "";
  try {
    await api("POST", `/api/v1/handoff/${encodeURIComponent(selected)}/${path}`, body);
    await Promise.all([loadConversation(), loadQueue()]);
    return true;
  } catch (e) {
    result.className = "error";
    result.textContent = e.status === 409 ? `冲突 (conflict): ${e.message}` : `失败 (failed): ${e.message}`;
    return false;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  const {session, meta} = await Console.start("live");
  me = session;
  if (!meta.may_talk) {
    document.getElementById("error").textContent = "您的角色不接待在线会话 (your role does not take live chats)";
    return;
  }
  document.getElementById("take").addEventListener("click", () => act("take"));
  document.getElementById("release").addEventListener("click", () => act("release"));
  const form = document.getElementById("reply-form");
  const text = document.getElementById("reply-text");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = text.value.trim();
    if (!message) return;
    if (await act("reply", {text: message})) text.value = "";
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  Console.every(QUEUE_MS, loadQueue);
  Console.every(TRANSCRIPT_MS, loadConversation);
  setInterval(tick, 1000);
});
