// A customer's personal data: find by ticket number or customer id, show it, download it as
// JSON, delete it after confirmation. Every view and deletion is in the privacy log.
"use strict";

const {el, label, when, api, ApiError} = Console;
const ACTIONS = {exported: "导出 exported", erased: "删除 erased"};
let current = null;

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

function render(data) {
  current = data;
  document.getElementById("customer").hidden = false;
  document.getElementById("fields").replaceChildren(
    ...field("客户编号 Customer id", data.customer_id),
    ...field("称呼 Name", data.display_name),
    ...field("语言 Language", data.language),
    ...field("聊天 Chats", data.chats.map((c) => `${c.channel} ${c.chat_id}`).join(", ")),
    ...field("对话记录 Conversation lines", data.conversations.length),
    ...field("创建 Since", when(data.created_at)),
    ...field("已匿名 Anonymised", data.anonymised_at ? when(data.anonymised_at) : "否 no"));
  fill("tickets", data.tickets.map((t) => [t.number, label("type", t.type), label("status", t.status),
                                           t.phone, t.address, when(t.created_at)]));
  fill("surveys", data.surveys.map((s) => [s.ticket_number, s.solved === null ? null : (s.solved ? "是 yes" : "否 no"),
                                           s.rating, s.comment]));
  fill("log", data.privacy_log.map((a) => [when(a.at), ACTIONS[a.kind] || a.kind, a.actor]));
  document.getElementById("erase").disabled = Boolean(data.anonymised_at);
}

async function find(query) {
  const error = document.getElementById("error");
  error.textContent = "";
  document.getElementById("result").textContent = "";
  query = query.trim();
  const path = /^\d+$/.test(query)
    ? `/api/v1/privacy/customers/${query}`
    : `/api/v1/privacy/tickets/${encodeURIComponent(query)}/customer`;
  try {
    render(await api("GET", path));
    history.replaceState(null, "", `?q=${encodeURIComponent(query)}`);
  } catch (e) {
    document.getElementById("customer").hidden = true;
    if (e instanceof ApiError && e.status === 403) error.textContent = "只有主管和管理员可以查看客户数据。Supervisors and admins only.";
    else if (e instanceof ApiError && e.status === 404) error.textContent = "没有找到。Not found.";
    else if (e instanceof ApiError && e.status === 422) error.textContent = "请输入工单号或客户编号。Enter a ticket number or a customer id.";
    else error.textContent = String(e.message || e);
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
  const open = openTickets(current);
  const warning = [`删除客户 ${current.customer_id} 的个人信息（称呼、电话、地址、聊天、对话记录、留言）？无法恢复；工单以匿名形式保留用于统计。`,
                   `Delete the personal data of customer ${current.customer_id}? This cannot be undone; tickets stay, anonymous, for the statistics.`];
  if (open.length) {
    warning.push(`${open.length} 张未完成的工单将被取消 open ticket(s) will be cancelled: ${open.map((t) => t.number).join(", ")}`);
  }
  if (!window.confirm(warning.join("\n\n"))) return;
  const result = document.getElementById("result");
  try {
    const done = await api("DELETE", `/api/v1/privacy/customers/${current.customer_id}`);
    result.className = "ok";
    result.textContent = `已删除 Deleted: ${done.tickets_anonymised} 张工单已匿名 tickets anonymised, ${done.tickets_cancelled} 张已取消 cancelled.`;
    render(await api("GET", `/api/v1/privacy/customers/${current.customer_id}`));
    document.getElementById("result").textContent = result.textContent;
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
  await Console.start("customers");
  started = true;
  const query = new URLSearchParams(location.search).get("q");
  if (query) {
    document.getElementById("query").value = query;
    find(query);
  }
})();
