// One ticket: details with contact data, the product it is about (ticket-product.js: with the
// warranty it had that day, and the nameplate form), the service record, the customer's
// archive (products with warranty, earlier tickets), and the actions the backend offers
// (status; assign, schedule, escalate, internal notes and replies to the customer when those
// routes exist); a link to the live chat.
"use strict";

const {el, label, when, api} = Console;
const NUMBER = decodeURIComponent(location.pathname.split("/").pop());
const PATH = `/api/v1/tickets/${encodeURIComponent(NUMBER)}`;
const EVENTS = {created: "创建 created", status_changed: "状态变更 status changed",
                internal_note: "内部备注 internal note", staff_reply: "回复客户 reply to customer",
                escalated: "升级 escalated", expedited: "客户催单 expedited",
                feedback: "客户反馈 feedback", assigned: "派工 assigned",
                appointment: "预约 appointment", appointment_confirmed: "客户确认预约 appointment confirmed",
                appointment_change_requested: "客户要求改时间 asks for another time",
                sla_breached: "超时 SLA breached", acceptance_requested: "请客户验收 acceptance requested",
                acceptance_rejected: "客户称未修好 not fixed", acceptance_timeout: "验收超时 acceptance timeout",
                handoff_requested: "请求人工 asked for a person", handoff_taken: "接入 taken over",
                handoff_ended: "会话结束 conversation ended",
                product_confirmed: "核对铭牌 nameplate read on site",
                part_used: "使用配件 part fitted", part_removed: "拆下坏件 defective part removed",
                resolution_override: "未经客户确认结案 resolved without the customer's confirmation",
                record_written: "服务记录 service record written", record_signed: "客户确认记录 record confirmed",
                record_corrected: "记录更正 record corrected", quote_sent: "报价 quote sent",
                quote_accepted: "客户同意报价 quote accepted", quote_declined: "客户拒绝报价 quote declined",
                quote_withdrawn: "撤回报价 quote withdrawn", payment_recorded: "收费 payment recorded"};
const REFRESH_MS = 5000;
// Resolved by the customer's confirmation of the service record: staff resolving one of these
// say why (backend/tickets: ON_SITE_TYPES, `override_reason`).
const CONFIRMED_TYPES = ["repair", "installation"];
let meta = null;
let current = null;  // the ticket as last shown

// Whose eyes a note in the service record reached: the customer's (a reply, or a staff note
// sent with a status change: the customer's chat shows it as our staff's message), or staff's
// only (an internal note).
function audience(event) {
  if (!event.note) return null;
  if (event.kind === "staff_reply" || (event.kind === "status_changed" && (event.actor || "").startsWith("staff:"))) {
    return el("span", {class: "badge to-customer", text: "客户已收到 sent to the customer"});
  }
  if (event.kind === "internal_note") return el("span", {class: "badge internal", text: "仅内部 staff only"});
  return null;
}

function field(term, value) {
  return [el("dt", {text: term}), el("dd", {text: value === null || value === undefined || value === "" ? "—" : String(value)})];
}

function render(ticket) {
  document.title = `${ticket.number} · 售后服务台`;
  document.getElementById("title").textContent = `工单 ${ticket.number}`;
  const customer = ticket.customer || {};
  const rows = [
    field("类型 Type", label("type", ticket.type)),
    field("状态 Status", label("status", ticket.status)),
    field("优先级 Priority", label("priority", ticket.priority)),
    field("处理人 Assignee", ticket.assignee),
    field("产品 Product", ticket.product),
    field("描述 Description", ticket.description),
    field("故障码 Error code", ticket.error_code),
    field("客户 Customer", customer.display_name),
    field("电话 Phone", ticket.phone),
    field("地址 Address", ticket.address),
    field("期望时间 Preferred time", ticket.preferred_time),
    field("渠道 Channel", `${ticket.channel} · ${ticket.chat_id}`),
    field("语言 Language", ticket.language),
    field("创建 Created", when(ticket.created_at)),
    field("更新 Updated", when(ticket.updated_at)),
  ];
  for (const [key, value] of Object.entries(ticket.details || {})) rows.push(field(key, value));
  const place = [ticket.city, ticket.district].filter(Boolean).join(" ");
  if (place) rows.push(field("地区 Area", place));
  if (ticket.outlet_id ?? ticket.proposed_outlet_id) {
    rows.push(field("网点 Outlet", ticket.outlet_id ? `#${ticket.outlet_id}`
                                                   : `#${ticket.proposed_outlet_id} (建议 proposed)`));
  }
  const DUES = {first_response_due: "首次响应时限 First response due", on_site_due: "上门时限 On-site due",
                resolution_due: "解决时限 Resolution due", sla_due_at: "下一时限 Next due"};
  for (const [key, term] of Object.entries(DUES)) if (ticket[key]) rows.push(field(term, when(ticket[key])));
  if (ticket.sla_state) rows.push(field("时限状态 SLA", label("sla", ticket.sla_state)));
  if (ticket.sla_breached_at) {
    rows.push(field("超时 Breached", `${when(ticket.sla_breached_at)} ${ticket.sla_breached_milestone || ""}`));
  }
  if (ticket.appointment_date) {
    const confirmed = ticket.appointment_confirmed_at ? ` · 客户已确认 confirmed ${when(ticket.appointment_confirmed_at)}` : "";
    rows.push(field("预约 Appointment", `${ticket.appointment_date} ${label("window", ticket.appointment_window)}${confirmed}`));
  }
  document.getElementById("fields").replaceChildren(...rows.flat());

  const escalation = document.getElementById("escalation");
  escalation.hidden = !ticket.escalated_to;
  if (ticket.escalated_to) {
    const last = (ticket.events || []).filter((e) => e.kind === "escalated").pop();
    escalation.replaceChildren(el("strong", {text: `⬆ 已升级给 Escalated to: ${label("team", ticket.escalated_to)}`}),
      el("span", {class: "hint", text: ` ${when(ticket.escalated_at)}`}),
      last && last.note ? el("div", {text: last.note}) : null);
  }
  const request = document.getElementById("appointment-request");
  request.hidden = !ticket.appointment_request;
  if (ticket.appointment_request) {
    request.replaceChildren(el("strong", {text: "🕒 客户要求改约 The customer asks for another time: "}),
                            el("span", {id: "requested-time", text: ticket.appointment_request}));
  }

  const next = (meta.transitions[ticket.status] || []);
  const select = document.getElementById("new-status");
  const chosen = select.value;  // kept across refreshes while still allowed
  select.replaceChildren(...next.map((s) => el("option", {value: s, text: label("status", s)})));
  if (next.includes(chosen)) select.value = chosen;
  document.getElementById("status-form").hidden = next.length === 0;
  current = ticket;
  overrideBox();
  recordLinks(ticket);

  document.querySelector("#events tbody").replaceChildren(...(ticket.events || []).map((e) => el("tr", {class: e.kind === "internal_note" ? "internal" : null},
    el("td", {text: when(e.created_at)}),
    el("td", {text: EVENTS[e.kind] || e.kind}),
    el("td", {text: e.to_status ? `${e.from_status ? label("status", e.from_status) + " → " : ""}${label("status", e.to_status)}` : ""}),
    el("td", {text: e.actor}),
    el("td", {class: "note"}, audience(e), e.note || ""))));
}

// The reason field, while the chosen status resolves a ticket the customer confirms.
function overrideBox() {
  const asked = document.getElementById("new-status").value === "resolved"
    && current !== null && CONFIRMED_TYPES.includes(current.type);
  document.getElementById("override-box").hidden = !asked;
  return asked;
}

// The completion form (complete.html: a repair or installation still to be done, for the
// roles that complete jobs) and the service record's PDF once there is one.
function recordLinks(ticket) {
  const finishing = ["repair", "installation"].includes(ticket.type)
    && !["resolved", "closed", "cancelled"].includes(ticket.status) && !ticket.awaiting_acceptance_since
    && ["technician", "supervisor", "admin"].includes(meta.role);
  const recorded = (ticket.events || []).some((e) => e.kind === "record_written");
  const complete = document.getElementById("complete-link");
  complete.hidden = !finishing;
  complete.href = `/console/tickets/${encodeURIComponent(ticket.number)}/complete`;
  const pdf = document.getElementById("record-pdf");
  pdf.hidden = !recorded;
  pdf.href = `${PATH}/record.pdf`;
  document.getElementById("record-links").hidden = !(finishing || recorded);
}

let shownVersion = null;

async function load() {
  const ticket = await api("GET", PATH);
  shownVersion = `${ticket.updated_at}/${(ticket.events || []).length}`;
  render(ticket);
  await TicketProduct.render(ticket, meta);
  await TicketParts.render(ticket, meta);
  await liveLink(ticket);
  await archive();
  return ticket;
}

async function archive() {
  if (!await Console.hasRoute("get", "/api/v1/tickets/{number}/archive")) return;
  let data;
  try { data = await api("GET", `${PATH}/archive`); } catch (e) { return; }
  document.getElementById("archive").hidden = false;
  const customerPage = document.getElementById("customer-page");
  customerPage.hidden = !meta.may_find_customers;
  customerPage.href = `/console/customers?id=${data.customer.id}`;
  const day = (d) => d || "—";
  document.querySelector("#products tbody").replaceChildren(...data.products.map((p) => el("tr", {class: `warranty ${p.warranty_status}`},
    el("td", {text: p.product}),
    el("td", {text: p.purchased ? `${p.purchased}${p.purchased_basis === "installation" ? " (安装日 installed)" : ""}` : "—"}),
    el("td", {text: day(p.warranty_until)}),
    el("td", {text: day(p.main_parts_until)}),
    el("td", {text: label("warranty", p.warranty_status)}),
    el("td", {text: String(p.tickets)}))));
  document.querySelector("#history tbody").replaceChildren(...data.tickets.map((t) => el("tr", {},
    el("td", {}, el("a", {href: `/console/tickets/${encodeURIComponent(t.number)}`, text: t.number})),
    el("td", {text: label("type", t.type)}),
    el("td", {text: label("status", t.status)}),
    el("td", {text: t.product || "—"}),
    el("td", {text: when(t.created_at)}))));
}

async function liveLink(ticket) {
  const box = document.getElementById("live-link");
  if (!meta.may_talk) return;
  let entries = [];
  try { entries = await api("GET", "/api/v1/handoff/queue"); } catch (e) { return; }
  const entry = entries.find((q) => q.ticket_number === ticket.number);
  box.hidden = !entry;
  if (entry) {
    box.replaceChildren(el("a", {id: "live-chat", href: `/console/live?h=${entry.id}`,
      text: `💬 在线会话 Live conversation (${label("state", entry.state)})`}));
  }
}

async function act(method, path, body, done, resultId = "action-result") {
  const result = document.getElementById(resultId);
  result.className = "";
  result.textContent = "…";
  try {
    await api(method, path, body);
    await load();
    result.className = "ok";
    result.textContent = done;
    return true;
  } catch (e) {
    result.className = "error";
    result.textContent = `未能完成 (failed, ${e.status}): ${e.message}`;
    return false;
  }
}

async function offerOptionalActions() {
  if (meta.may_assign && await Console.hasRoute("post", "/api/v1/tickets/{number}/assign")) {
    document.getElementById("assign-form").hidden = false;
    try {
      const staff = await api("GET", "/api/v1/staff");
      document.getElementById("staff-names").replaceChildren(...staff.filter((s) => s.active)
        .map((s) => el("option", {value: s.username, text: `${s.display_name} (${s.role})`})));
    } catch (e) { /* only admins may list accounts: type the username */ }
  }
  if (await Console.hasRoute("post", "/api/v1/tickets/{number}/schedule")) {
    document.getElementById("schedule-form").hidden = false;
  }
  if (await Console.hasRoute("post", "/api/v1/tickets/{number}/escalate")) {
    document.getElementById("escalate-form").hidden = false;
  }
  document.getElementById("note-form").hidden = !await Console.hasRoute("post", "/api/v1/tickets/{number}/notes");
  document.getElementById("reply-form").hidden = !await Console.hasRoute("post", "/api/v1/tickets/{number}/reply");
}

function sendText(formId, textId, path, done) {
  document.getElementById(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = document.getElementById(textId);
    const text = box.value.trim();
    if (!text) return;
    if (await act("POST", path, {text}, done, "message-result")) box.value = "";
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  ({meta} = await Console.start("tickets"));
  try { await load(); } catch (e) {
    document.getElementById("error").textContent = e.status === 404
      ? "没有这个工单 (no such ticket)" : `加载失败 (could not load): ${e.message}`;
    document.getElementById("actions").hidden = true;
    document.getElementById("messages").hidden = true;
    document.getElementById("product-card").hidden = true;
    return;
  }
  document.getElementById("new-status").addEventListener("change", overrideBox);
  document.getElementById("status-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const noteBox = document.getElementById("status-note");
    const reasonBox = document.getElementById("override-reason");
    const note = noteBox.value.trim();
    const body = {status: document.getElementById("new-status").value, note: note || null};
    // Sent empty too: the backend says what is missing (422), shown as its answer.
    if (overrideBox()) body.override_reason = reasonBox.value.trim() || null;
    if (await act("POST", `${PATH}/status`, body,
                  note ? "状态已更新，留言已随通知发给客户 (status updated; your message went to the customer with it)"
                       : "状态已更新，已通知客户 (status updated; the customer is told)")) {
      noteBox.value = "";
      reasonBox.value = "";
    }
  });
  document.getElementById("assign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("POST", `${PATH}/assign`, {assignee: document.getElementById("assignee").value.trim()},
        "已派工 (assigned)");
  });
  document.getElementById("schedule-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const note = document.getElementById("schedule-note").value.trim();
    act("POST", `${PATH}/schedule`, {date: document.getElementById("schedule-date").value,
                                     window: document.getElementById("schedule-window").value,
                                     note: note || null},
        "已预约，已通知客户 (scheduled; the customer is told)");
  });
  document.getElementById("escalate-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = document.getElementById("escalate-reason");
    const assignee = document.getElementById("escalate-assignee").value.trim();
    if (await act("POST", `${PATH}/escalate`, {to: document.getElementById("escalate-to").value,
                                               assignee: assignee || null, reason: reason.value.trim()},
                  "已升级 (escalated)")) reason.value = "";
  });
  TicketProduct.wire(PATH, load);
  sendText("note-form", "note-text", `${PATH}/notes`, "备注已添加，客户看不到 (note added; the customer does not see it)");
  sendText("reply-form", "reply-text", `${PATH}/reply`, "已发送给客户 (sent to the customer)");
  await offerOptionalActions();
  setInterval(async () => {  // someone else (or the customer) changed it: show it
    try {
      const ticket = await api("GET", PATH);
      if (`${ticket.updated_at}/${(ticket.events || []).length}` !== shownVersion) await load();
    } catch (e) { /* next time */ }
  }, REFRESH_MS);
  document.body.dataset.ready = "1";  // every control is live
});
