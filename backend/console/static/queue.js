// The ticket queue: filters (status and type by the API; priority and assignee on the page),
// sorted by due time when the API gives one, else newest first; SLA state highlighted;
// refreshed every few seconds.
"use strict";

const REFRESH_MS = 4000;
const {el, label, when} = Console;

const FILTERS = ["status", "type", "priority", "sla", "outlet", "assignee"];
let serverParams = new Set();

function dueOf(t) {
  return t.sla_due_at || t.due_at || null;
}

function slaOf(t) {
  return t.sla_state || null;
}

function fillSelect(id, values, kind) {
  const select = document.getElementById(id);
  for (const value of values) select.append(el("option", {value, text: label(kind, value)}));
}

function filtersFromUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const input = document.getElementById(`f-${name}`);
    if (params.get(name)) input.value = params.get(name);
  }
}

function filtersToUrl() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = document.getElementById(`f-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  history.replaceState(null, "", `${location.pathname}${params.toString() ? "?" + params : ""}`);
  return params;
}

async function load() {
  const chosen = filtersToUrl();
  const query = new URLSearchParams({limit: "200"});
  for (const name of ["status", "type"]) if (chosen.get(name)) query.set(name, chosen.get(name));
  if (chosen.get("sla") && serverParams.has("sla_state")) query.set("sla_state", chosen.get("sla"));
  if (serverParams.has("sort")) query.set("sort", "due");
  const page = await Console.api("GET", `/api/v1/tickets?${query}`);
  let items = page.items;
  if (chosen.get("priority")) items = items.filter((t) => t.priority === chosen.get("priority"));
  if (chosen.get("outlet")) items = items.filter((t) => String(t.outlet_id ?? t.proposed_outlet_id) === chosen.get("outlet"));
  if (chosen.get("assignee")) {
    const who = chosen.get("assignee").toLowerCase();
    items = items.filter((t) => (t.assignee || "").toLowerCase().includes(who));
  }
  const withDue = items.some((t) => dueOf(t));
  if (withDue) {
    items = [...items].sort((a, b) => {
      const da = dueOf(a), db = dueOf(b);
      if (!da) return db ? 1 : 0;
      if (!db) return -1;
      return new Date(da) - new Date(db);
    });
  }
  render(items, withDue, items.some((t) => slaOf(t)));
  document.getElementById("count").textContent =
    `${items.length} / ${page.total} 条 · ${withDue ? "按到期时间排序 by due time" : "最新在前 newest first"}`;
  document.getElementById("error").textContent = "";
}

function render(items, withDue, withSla) {
  const columns = ["工单号 Number", "类型 Type", "状态 Status", "优先级 Priority", "产品 Product",
                   "处理人 Assignee", "渠道 Channel", "创建 Created"];
  if (withDue) columns.push("到期 Due");
  if (withSla) columns.push("SLA");
  document.getElementById("head-row").replaceChildren(...columns.map((c) => el("th", {text: c})));
  const rows = items.map((t) => {
    const sla = slaOf(t);
    const cells = [
      el("td", {}, el("a", {href: `/console/tickets/${encodeURIComponent(t.number)}`, text: t.number})),
      el("td", {text: label("type", t.type)}),
      el("td", {text: label("status", t.status)}),
      el("td", {text: label("priority", t.priority)}),
      el("td", {text: t.product || "—"}),
      el("td", {text: t.assignee || "—"}),
      el("td", {text: t.channel}),
      el("td", {text: when(t.created_at)}),
    ];
    if (withDue) cells.push(el("td", {text: when(dueOf(t))}));
    if (withSla) cells.push(el("td", {text: label("sla", sla)}));
    return el("tr", {class: sla ? `sla ${sla}` : null, "data-number": t.number}, ...cells);
  });
  document.querySelector("#tickets tbody").replaceChildren(...rows);
}

document.addEventListener("DOMContentLoaded", async () => {
  const {meta} = await Console.start("tickets");
  fillSelect("f-status", meta.statuses, "status");
  fillSelect("f-type", meta.types, "type");
  fillSelect("f-priority", meta.priorities, "priority");
  serverParams = await Console.queryParams("get", "/api/v1/tickets");
  if (serverParams.has("sla_state")) {
    fillSelect("f-sla", ["overdue", "nearly_due", "on_track"], "sla");
    document.getElementById("l-sla").hidden = false;
  }
  if (await Console.hasRoute("get", "/api/v1/outlets")) {
    try {
      const outlets = await Console.api("GET", "/api/v1/outlets?limit=200");
      const select = document.getElementById("f-outlet");
      for (const o of outlets.items || outlets) select.append(el("option", {value: String(o.id), text: o.name || `#${o.id}`}));
      document.getElementById("l-outlet").hidden = false;
    } catch (e) { /* not for this role: no outlet filter */ }
  }
  filtersFromUrl();
  const refresh = () => load().catch((e) => {
    document.getElementById("error").textContent = `加载失败 (could not load): ${e.message}`;
  });
  for (const id of ["f-status", "f-type", "f-priority", "f-sla", "f-outlet"]) {
    document.getElementById(id).addEventListener("change", refresh);
  }
  document.getElementById("f-assignee").addEventListener("input", refresh);
  Console.every(REFRESH_MS, refresh);
});
