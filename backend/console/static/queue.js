// The ticket queue: every filter (status, type, priority, SLA state, outlet, assignee,
// escalation) applied by the API, soonest due first (sort=due); SLA state highlighted;
// refreshed every few seconds.
"use strict";

const REFRESH_MS = 4000;
const {el, label, when} = Console;

// Page filter → the API's query parameter.
const FILTERS = {status: "status", type: "type", priority: "priority", sla: "sla_state",
                 outlet: "outlet", assignee: "assignee", escalated: "escalated_to"};

function fillSelect(id, values, kind) {
  const select = document.getElementById(id);
  for (const value of values) select.append(el("option", {value, text: label(kind, value)}));
}

function filtersFromUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of Object.keys(FILTERS)) {
    const input = document.getElementById(`f-${name}`);
    if (params.get(name)) input.value = params.get(name);
  }
}

function filtersToUrl() {
  const params = new URLSearchParams();
  for (const name of Object.keys(FILTERS)) {
    const value = document.getElementById(`f-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  history.replaceState(null, "", `${location.pathname}${params.toString() ? "?" + params : ""}`);
  return params;
}

async function load() {
  const chosen = filtersToUrl();
  const query = new URLSearchParams({limit: "200", sort: "due"});
  for (const [name, param] of Object.entries(FILTERS)) {
    if (chosen.get(name)) query.set(param, chosen.get(name));
  }
  const page = await Console.api("GET", `/api/v1/tickets?${query}`);
  const items = page.items;
  render(items);
  document.getElementById("count").textContent =
    `${items.length} / ${page.total} 条 · 按到期时间排序 by due time`;
  document.getElementById("error").textContent = "";
}

function render(items) {
  const columns = ["工单号 Number", "类型 Type", "状态 Status", "优先级 Priority", "产品 Product",
                   "处理人 Assignee", "升级 Escalated", "渠道 Channel", "创建 Created", "到期 Due", "SLA"];
  document.getElementById("head-row").replaceChildren(...columns.map((c) => el("th", {text: c})));
  const rows = items.map((t) => {
    const sla = t.sla_state;
    const classes = [sla ? `sla ${sla}` : "", t.escalated_to ? "escalated" : ""].join(" ").trim();
    return el("tr", {class: classes || null, "data-number": t.number},
      el("td", {}, el("a", {href: `/console/tickets/${encodeURIComponent(t.number)}`, text: t.number})),
      el("td", {text: label("type", t.type)}),
      el("td", {text: label("status", t.status)}),
      el("td", {text: label("priority", t.priority)}),
      el("td", {text: t.product || "—"}),
      el("td", {text: t.assignee || "—"}),
      el("td", {text: label("team", t.escalated_to)}),
      el("td", {text: t.channel}),
      el("td", {text: when(t.created_at)}),
      el("td", {text: when(t.sla_due_at)}),
      el("td", {text: label("sla", sla)}));
  });
  document.querySelector("#tickets tbody").replaceChildren(...rows);
}

document.addEventListener("DOMContentLoaded", async () => {
  const {meta} = await Console.start("tickets");
  fillSelect("f-status", meta.statuses, "status");
  fillSelect("f-type", meta.types, "type");
  fillSelect("f-priority", meta.priorities, "priority");
  fillSelect("f-sla", ["overdue", "nearly_due", "on_track"], "sla");
  fillSelect("f-escalated", ["supervisor", "agent", "dispatcher", "technician"], "team");
  try {
    const outlets = await Console.api("GET", "/api/v1/outlets?limit=200");
    const select = document.getElementById("f-outlet");
    for (const o of outlets.items || outlets) select.append(el("option", {value: String(o.id), text: o.name || `#${o.id}`}));
    document.getElementById("l-outlet").hidden = false;
  } catch (e) { /* not for this role: no outlet filter */ }
  filtersFromUrl();
  const refresh = () => load().catch((e) => {
    document.getElementById("error").textContent = `加载失败 (could not load): ${e.message}`;
  });
  for (const id of ["f-status", "f-type", "f-priority", "f-sla", "f-outlet", "f-escalated"]) {
    document.getElementById(id).addEventListener("change", refresh);
  }
  document.getElementById("f-assignee").addEventListener("input", refresh);
  Console.every(REFRESH_MS, refresh);
});
