// A customer: found by phone number, ticket number or customer id; who they are and their
// products with the warranty each has today (products.js: added, corrected, removed by those
// who may); for supervisors and admins also their personal data (tickets with the contact
// data, surveys, the privacy log), downloaded as JSON or deleted after confirmation. Every
// view of the personal data and every deletion is in the privacy log.
"use strict";

const {el, label, when, api, ApiError} = Console;
const ACTIONS = {exported: "导出 exported", erased: "删除 erased"};
const OFFICERS_ONLY = "客户的个人数据（工单里的电话和地址、导出、删除）只有主管和管理员可以查看。" +
  "Personal data, export and deletion: Supervisors and admins only.";
let meta = null;
let current = null;  // the personal data export (supervisors, admins)

function field(term, value) {
  return [el("dt", {text: term}), el("dd", {text: value === null || value === undefined || value === "" ? "—" : String(value)})];
}

function fill(tableId, rows) {
  document.querySelector(`#${tableId} tbody`).replaceChildren(
    ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {text: c ?? "—"})))));
}

function openTickets(data) {
  return data.tickets.filter((t) => !["resolved", "closed", "cancelled"].includes(t.status));
}

function chats(customer) {
  return customer.chats.map((c) => `${label("channel", c.channel)} ${c.chat_id}`).join(", ");
}

function say(text, kind) {
  const line = document.getElementById("error");
  line.className = kind || "error";
  line.textContent = text;
}

function renderProfile(customer) {
  document.getElementById("profile").hidden = false;
  document.getElementById("fields").replaceChildren(
    ...field("客户编号 Customer id", customer.id),
    ...field("称呼 Name", customer.display_name),
    ...field("语言 Language", customer.language),
    ...field("等级 Tier", customer.tier),
    ...field("聊天 Chats", chats(customer)),
    ...field("创建 Since", when(customer.created_at)),
    ...field("已匿名 Anonymised", customer.anonymised_at ? when(customer.anonymised_at) : "否 no"));
}

function renderPersonalData(data) {
  current = data;
  document.getElementById("customer").hidden = false;
  fill("tickets", data.tickets.map((t) => [t.number, label("type", t.type), label("status", t.status),
                                           t.phone, t.address, when(t.created_at)]));
  fill("surveys", data.surveys.map((s) => [s.ticket_number, s.solved === null ? null : (s.solved ? "是 yes" : "否 no"),
                                           s.rating, s.comment]));
  document.getElementById("conversations").textContent =
    `对话记录 ${data.conversations.length} 条 Conversation lines kept: ${data.conversations.length}`;
  fill("log", data.privacy_log.map((a) => [when(a.at), ACTIONS[a.kind] || a.kind, a.actor]));
  document.getElementById("erase").disabled = Boolean(data.anonymised_at);
}

function hideAll() {
  for (const id of ["matches", "profile", "customer"]) document.getElementById(id).hidden = true;
  document.getElementById("result").textContent = "";
}

async function open(id) {
  // Show one customer: who, their products, and (supervisors, admins) their personal data.
  const customer = await api("GET", `/api/v1/customers/${id}`);
  hideAll();
  renderProfile(customer);
  await Products.show(customer, meta);
  if (meta.may_see_personal_data) {
    renderPersonalData(await api("GET", `/api/v1/privacy/customers/${customer.id}`));
  } else {
    say(OFFICERS_ONLY, "hint");
  }
}

async function candidates(query) {
  // The customers a query names: a ticket's, the one with that id, those with that phone.
  if (/[A-Za-zＡ-Ｚａ-ｚ]/.test(query)) {
    const ticket = await api("GET", `/api/v1/tickets/${encodeURIComponent(query)}`);
    return [{id: ticket.customer.id, by: "工单 ticket"}];
  }
  const found = [];
  const digits = query.replace(/^#/, "");
  if (/^\d{1,9}$/.test(digits)) {
    try {
      const customer = await api("GET", `/api/v1/customers/${digits}`);
      found.push({id: customer.id, by: "编号 id", customer});
    } catch (e) { if (!(e instanceof ApiError && e.status === 404)) throw e; }
  }
  if (!query.startsWith("#") && query.replace(/\D/g, "").length >= 5) {
    const page = await api("POST", "/api/v1/customers/search", {phone: query});
    for (const customer of page.items) {
      if (!found.some((f) => f.id === customer.id)) found.push({id: customer.id, by: "电话 phone", customer});
    }
  }
  return found;
}

function listMatches(found) {
  document.getElementById("matches").hidden = false;
  document.getElementById("match-list").replaceChildren(...found.map((f) => el("li", {},
    el("a", {href: `/console/customers?id=${f.id}`, "data-customer": String(f.id),
             text: `#${f.id} ${f.customer.display_name || "—"}`}),
    el("span", {class: "hint", text: ` ${chats(f.customer)} · 创建 since ${when(f.customer.created_at)} · 按${f.by}`}))));
}

async function find(query) {
  say("");
  hideAll();
  query = query.trim();
  try {
    const found = await candidates(query);
    history.replaceState(null, "", `?q=${encodeURIComponent(query)}`);
    if (found.length === 0) say("没有找到。Not found.");
    else if (found.length === 1) await open(found[0].id);
    else listMatches(found);
  } catch (e) {
    hideAll();
    if (e instanceof ApiError && e.status === 403) say("你的角色不能查找客户：请从工单进入。Your role cannot search customers: open them from a ticket.");
    else if (e instanceof ApiError && e.status === 404) say("没有找到。Not found.");
    else if (e instanceof ApiError && e.status === 422) say("请输入电话、工单号或客户编号。Enter a phone number, a ticket number or a customer id.");
    else say(String(e.message || e));
  }
}

function download() {
  const blob = new Blob([JSON.stringify(current, null, 2)], {type: "application/json"});
  const link = el("a", {href: URL.createObjectURL(blob), download: `customer-${current.customer_id}.json`});
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

async function erase() {
  const open_ = openTickets(current);
  const warning = [`删除客户 ${current.customer_id} 的个人信息（称呼、电话、地址、聊天、对话记录、留言、产品档案及发票铭牌照片）？无法恢复；工单以匿名形式保留用于统计。`,
                   `Delete the personal data of customer ${current.customer_id}? This cannot be undone; tickets stay, anonymous, for the statistics.`];
  if (open_.length) {
    warning.push(`${open_.length} 张未完成的工单将被取消 open ticket(s) will be cancelled: ${open_.map((t) => t.number).join(", ")}`);
  }
  if (!window.confirm(warning.join("\n\n"))) return;
  const result = document.getElementById("result");
  try {
    const done = await api("DELETE", `/api/v1/privacy/customers/${current.customer_id}`);
    const text = `已删除 Deleted: ${done.tickets_anonymised} 张工单已匿名 tickets anonymised, ${done.tickets_cancelled} 张已取消 cancelled.`;
    await open(current.customer_id);
    result.className = "ok";
    result.textContent = text;
  } catch (e) {
    result.className = "error";
    result.textContent = String(e.message || e);
  }
}

// A search asked for before the session is known is not lost: before this script runs the
// browser reloads the page with ?q= (the input's name); after, the query waits in the address
// and runs once the session is known.
let started = false;
document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const query = document.getElementById("query").value;
  if (started) find(query);
  else history.replaceState(null, "", `?q=${encodeURIComponent(query.trim())}`);
});
document.getElementById("download").addEventListener("click", download);
document.getElementById("erase").addEventListener("click", erase);

(async () => {
  ({meta} = await Console.start("customers"));
  started = true;
  const params = new URLSearchParams(location.search);
  const query = params.get("q");
  if (params.get("id")) {
    open(params.get("id")).catch((e) => say(e instanceof ApiError && e.status === 404
      ? "没有找到。Not found." : Console.problem(e)));
  } else if (query) {
    document.getElementById("query").value = query;
    find(query);
  }
})();
