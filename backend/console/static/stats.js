// Service statistics: the GB/T 27922 indicators of GET /api/v1/stats for a date range, period
// and filters; trend charts (Chart.js, vendored) and one breakdown table at a time (the API
// computes only the breakdown asked for); the same request as CSV. The filters stay in the
// address. Above them, for supervisors, the return visits to follow up (not solved, rated 1-2),
// refreshed every few seconds. The service section: money per currency (never added across
// currencies), parts, warranty share, quote acceptance, first-time fix, resolutions. Everything from the API goes in with textContent or onto the
// canvas: never as HTML.
"use strict";

const {el, label, api, when} = Console;
const FOLLOW_UP_MS = 10000;
const REASONS = {survey_not_solved: "未解决 not solved", survey_low_rating: "差评 low rating"};
const FILTERS = ["from", "to", "group_by", "type", "product", "outlet", "technician"];
const BREAKDOWNS = ["type", "product", "outlet", "technician", "fault_category"];
const COLOURS = ["#1e6fd9", "#d92d20", "#f79009", "#12b76a", "#7a5af8"];
const charts = {};

// ---- formatting ---------------------------------------------------------------------------

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

function minutes(value) {
  if (value === null || value === undefined) return "—";
  return value < 120 ? `${value.toFixed(1)} 分钟 min` : `${(value / 60).toFixed(1)} 小时 h`;
}

function hours(value) {
  return value === null || value === undefined ? null : Math.round(value / 6) / 10;
}

function pct(rate) {
  return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10;
}

// "1430.00" (the API's decimal string) -> "CNY 1,430.00": the digits as they are, grouped.
function amount(currency, value) {
  const [whole, cents] = String(value).split(".");
  return `${currency} ${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${cents ? "." + cents : ""}`;
}

function cell(text, value) {
  return el("td", {text, "data-value": value === null || value === undefined ? "" : String(value)});
}

// ---- filters and the address ----------------------------------------------------------------

function chosen() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = document.getElementById(`f-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

function fromUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    if (params.get(name)) document.getElementById(`f-${name}`).value = params.get(name);
  }
  if (BREAKDOWNS.includes(params.get("breakdown"))) {
    document.getElementById("breakdown").value = params.get("breakdown");
  }
  return params;
}

function toUrl(params, breakdown) {
  const shown = new URLSearchParams(params);
  shown.set("breakdown", breakdown);
  history.replaceState(null, "", `${location.pathname}?${shown}`);
}

async function fillChoices() {
  const type = document.getElementById("f-type");
  for (const value of ["repair", "installation", "complaint", "return_exchange", "inquiry"]) {
    type.append(el("option", {value, text: label("type", value)}));
  }
  const outlet = document.getElementById("f-outlet");
  try {
    const page = await api("GET", "/api/v1/outlets?limit=500");
    for (const o of page.items) outlet.append(el("option", {value: String(o.id), text: o.name}));
  } catch (e) {
    // Without outlets (or the right to list them) the filter offers "all" only.
  }
}

// ---- the overall figures ----------------------------------------------------------------------

function renderOverall(report) {
  const o = report.overall;
  const sla = o.sla_compliance || {};
  const items = [
    ["工单 Tickets", String(o.tickets), o.tickets],
    ["满意率 Satisfaction", `${percent(o.satisfaction_rate)} (${o.ratings})`, o.satisfaction_rate],
    ["平均评分 Avg rating", o.average_rating === null ? "—" : o.average_rating.toFixed(2), o.average_rating],
    ["回访参与率 Survey response", percent(o.survey_response_rate), o.survey_response_rate],
    ["首次响应 First response (median)", minutes(o.first_response_minutes.median), o.first_response_minutes.median],
    ["上门 On site (median)", minutes(o.on_site_minutes.median), o.on_site_minutes.median],
    ["解决 Resolution (median)", minutes(o.resolution_minutes.median), o.resolution_minutes.median],
    ["解决时限达标率 SLA resolution", percent(sla.resolution && sla.resolution.rate), sla.resolution ? sla.resolution.rate : null],
    ["投诉率 Complaints", percent(o.complaint_rate), o.complaint_rate],
    ["30天返修率 Repeat repairs", percent(o.repeat_repair_rate), o.repeat_repair_rate],
    ["取消率 Cancellations", percent(o.cancellation_rate), o.cancellation_rate],
  ];
  const list = el("dl", {class: "fields"});
  list.style.gridTemplateColumns = "repeat(3, 190px 1fr)";
  for (const [term, text, value] of items) {
    list.append(el("dt", {text: term}),
                el("dd", {text, "data-value": value === null || value === undefined ? "" : String(value)}));
  }
  document.getElementById("overall").replaceChildren(list);
  document.getElementById("range").textContent =
    `${report.from} — ${report.to} (${report.timezone})${report.unavailable.length ? " · 无 n/a: " + report.unavailable.join(", ") : ""}`;
}

// ---- the service ------------------------------------------------------------------------------

function renderService(report) {
  const s = report.overall.service;
  const r = s.resolved_by;
  const items = [
    ["维修安装单 Jobs", String(s.jobs), s.jobs],
    ["配件用量 Parts used", String(s.parts_used), s.parts_used],
    ["一次修复率 First-time fix", `${percent(s.first_time_fix_rate)} (${s.first_time_fixes}/${s.resolved_repairs})`, s.first_time_fix_rate],
    ["报价接受率 Quotes accepted", `${percent(s.quotes.acceptance_rate)} (${s.quotes.accepted}/${s.quotes.accepted + s.quotes.declined}, 待答 pending ${s.quotes.pending})`, s.quotes.acceptance_rate],
    ["保内免费 Free under warranty", `${percent(s.warranty.free_share)} (${s.warranty.free})`, s.warranty.free_share],
    ["保外收费 Charged", `${percent(s.warranty.charged_share)} (${s.warranty.charged})`, s.warranty.charged_share],
    ["部分保内 Mixed", `${percent(s.warranty.mixed_share)} (${s.warranty.mixed})`, s.warranty.mixed_share],
    ["客户确认 Confirmed", String(r.confirmed), r.confirmed],
    ["超时自动解决 Timeout (72 h)", String(r.timeout), r.timeout],
    ["人工强制解决 Staff override", String(r.override), r.override],
    ["工作人员解决 Staff (no confirmation)", String(r.staff), r.staff],
  ];
  const list = el("dl", {class: "fields", id: "service-fields"});
  list.style.gridTemplateColumns = "repeat(3, 190px 1fr)";
  for (const [term, text, value] of items) {
    list.append(el("dt", {text: term}),
                el("dd", {text, "data-value": value === null || value === undefined ? "" : String(value)}));
  }
  document.getElementById("service-overall").replaceChildren(list);
  const body = document.querySelector("#service-money tbody");
  body.replaceChildren(...s.money.map((m) => el("tr", {"data-currency": m.currency},
    cell(m.currency, m.currency), cell(String(m.tickets), m.tickets),
    ...["revenue", "charge", "warranty_cost", "parts_value"].flatMap((name) => [
      cell(amount(m.currency, m[name]), m[name]),
      cell(amount(m.currency, m[`${name}_per_ticket`]), m[`${name}_per_ticket`])]))));
  if (!s.money.length) {
    body.append(el("tr", {}, el("td", {colspan: "10", class: "hint", text: "这些天没有维修安装单 No repairs or installations in these days"})));
  }
}

const SERVICE_COLUMNS = [
  ["工单 Jobs", (s) => s.jobs, String],
  ["收入 Revenue", (s) => s.money.map((m) => `${m.currency}:${m.revenue}`).join(" "), null, (s) => s.money.map((m) => amount(m.currency, m.revenue)).join(" · ") || "—"],
  ["保修成本 Warranty cost", (s) => s.money.map((m) => `${m.currency}:${m.warranty_cost}`).join(" "), null, (s) => s.money.map((m) => amount(m.currency, m.warranty_cost)).join(" · ") || "—"],
  ["配件 Parts", (s) => s.parts_used, String],
  ["保内免费 Free", (s) => s.warranty.free_share, percent],
  ["报价接受率 Quotes accepted", (s) => s.quotes.acceptance_rate, percent],
  ["一次修复率 First-time fix", (s) => s.first_time_fix_rate, percent],
  ["超时 Timeout", (s) => s.resolved_by.timeout, String],
  ["强制 Override", (s) => s.resolved_by.override, String],
];

function renderServiceBreakdown(report, dimension) {
  document.getElementById("service-head").replaceChildren(
    el("th", {text: "分项 Key"}), ...SERVICE_COLUMNS.map(([title]) => el("th", {text: title})));
  const rows = (report.breakdowns || {})[dimension] || [];
  document.querySelector("#service-table tbody").replaceChildren(...rows.map((row) =>
    el("tr", {"data-key": row.key === null ? "" : String(row.key)},
       el("td", {text: keyText(dimension, row)}),
       ...SERVICE_COLUMNS.map(([, value, format, shown]) => {
         const v = value(row.service);
         return cell(shown ? shown(row.service) : format(v), v);
       }))));
}

// ---- charts -------------------------------------------------------------------------------------

function draw(id, type, labels, series, unit) {
  const datasets = series.map(([name, values], i) => ({
    label: name, data: values, borderColor: COLOURS[i % COLOURS.length],
    backgroundColor: type === "bar" ? COLOURS[i % COLOURS.length] : "transparent",
    spanGaps: true, tension: 0.2, pointRadius: labels.length > 40 ? 0 : 2,
  }));
  if (charts[id]) {
    charts[id].data.labels = labels;
    charts[id].data.datasets = datasets;
    charts[id].update();
    return;
  }
  const canvas = document.getElementById(id);
  canvas.parentElement.style.height = "220px";
  canvas.parentElement.style.position = "relative";
  charts[id] = new Chart(canvas, {
    type, data: {labels, datasets},
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: {mode: "index", intersect: false},
      scales: {y: {beginAtZero: true, title: {display: Boolean(unit), text: unit}}},
      plugins: {legend: {position: "bottom"}},
    },
  });
}

function renderCharts(report) {
  const trend = report.trend;
  const labels = trend.map((p) => p.period);
  const sla = (p, m) => pct(p.sla_compliance && p.sla_compliance[m] ? p.sla_compliance[m].rate : null);
  draw("chart-tickets", "bar", labels, [["工单 tickets", trend.map((p) => p.tickets)]], "");
  draw("chart-rates", "line", labels, [
    ["满意率 satisfaction", trend.map((p) => pct(p.satisfaction_rate))],
    ["投诉率 complaints", trend.map((p) => pct(p.complaint_rate))],
    ["返修率 repeat repairs", trend.map((p) => pct(p.repeat_repair_rate))],
    ["取消率 cancellations", trend.map((p) => pct(p.cancellation_rate))],
  ], "%");
  draw("chart-times", "line", labels, [
    ["首次响应 first response", trend.map((p) => hours(p.first_response_minutes.median))],
    ["上门 on site", trend.map((p) => hours(p.on_site_minutes.median))],
    ["解决 resolution", trend.map((p) => hours(p.resolution_minutes.median))],
  ], "h");
  draw("chart-sla", "line", labels, [
    ["首次响应 first response", trend.map((p) => sla(p, "first_response"))],
    ["上门 on site", trend.map((p) => sla(p, "on_site"))],
    ["解决 resolution", trend.map((p) => sla(p, "resolution"))],
  ], "%");
  draw("chart-service", "line", labels, [
    ["一次修复率 first-time fix", trend.map((p) => pct(p.service.first_time_fix_rate))],
    ["报价接受率 quotes accepted", trend.map((p) => pct(p.service.quotes.acceptance_rate))],
    ["保内免费 free under warranty", trend.map((p) => pct(p.service.warranty.free_share))],
  ], "%");
}

// ---- the breakdown table ------------------------------------------------------------------------

const COLUMNS = [
  ["工单 Tickets", (r) => r.tickets, String],
  ["满意率 Satisfaction", (r) => r.satisfaction_rate, percent],
  ["平均评分 Avg rating", (r) => r.average_rating, (v) => (v === null ? "—" : v.toFixed(2))],
  ["首次响应 First response", (r) => r.first_response_minutes.median, minutes],
  ["解决 Resolution", (r) => r.resolution_minutes.median, minutes],
  ["解决时限达标 SLA resolution", (r) => (r.sla_compliance && r.sla_compliance.resolution ? r.sla_compliance.resolution.rate : null), percent],
  ["投诉率 Complaints", (r) => r.complaint_rate, percent],
  ["返修率 Repeat repairs", (r) => r.repeat_repair_rate, percent],
  ["取消率 Cancellations", (r) => r.cancellation_rate, percent],
];

function keyText(dimension, row) {
  if (row.key === null) return "未指定 none";
  if (dimension === "type") return label("type", row.key);
  if (row.label && row.label !== String(row.key)) return `${row.label} (${row.key})`;
  return String(row.key);
}

function renderBreakdown(report, dimension) {
  const head = document.getElementById("breakdown-head");
  head.replaceChildren(el("th", {text: "分项 Key"}), ...COLUMNS.map(([title]) => el("th", {text: title})));
  const body = document.querySelector("#breakdown-table tbody");
  const rows = (report.breakdowns || {})[dimension];
  if (!rows) {
    body.replaceChildren(el("tr", {}, el("td", {colspan: String(COLUMNS.length + 1), class: "hint",
                                                text: "此数据库没有该分项 Not recorded in this database"})));
    return;
  }
  body.replaceChildren(...rows.map((row) => el("tr", {"data-key": row.key === null ? "" : String(row.key)},
    el("td", {text: keyText(dimension, row)}),
    ...COLUMNS.map(([, value, format]) => {
      const v = value(row);
      return el("td", {text: format(v), "data-value": v === null || v === undefined ? "" : String(v)});
    }))));
  if (!rows.length) {
    body.append(el("tr", {}, el("td", {colspan: String(COLUMNS.length + 1), class: "hint",
                                       text: "这些天没有工单 No tickets in these days"})));
  }
}

// ---- return visits to follow up ---------------------------------------------------------------

async function loadFollowUps() {
  const section = document.getElementById("follow-ups");
  let items;
  try {
    items = await api("GET", "/api/v1/surveys/follow-ups?days=7&limit=50");
  } catch (e) {
    section.hidden = true;  // not a supervisor's (or the backend has no surveys)
    return;
  }
  section.hidden = false;
  document.getElementById("follow-up-count").textContent = String(items.length);
  const body = document.querySelector("#follow-up-table tbody");
  body.replaceChildren(...items.map((f) => el("tr", {"data-ticket": f.ticket_number},
    el("td", {text: when(f.at)}),
    el("td", {}, el("a", {href: `/console/tickets/${encodeURIComponent(f.ticket_number)}`,
                          text: f.ticket_number})),
    el("td", {text: REASONS[f.reason] || f.reason}),
    el("td", {text: f.rating === null ? "—" : `${f.rating}/5`}),
    el("td", {text: label("status", f.ticket_status)}),
    el("td", {text: f.comment || "—"}))));
  if (!items.length) {
    body.append(el("tr", {}, el("td", {colspan: "6", class: "hint", text: "暂无 none"})));
  }
}

// ---- loading ----------------------------------------------------------------------------------

async function load() {
  const error = document.getElementById("error");
  const params = chosen();
  const breakdown = document.getElementById("breakdown").value;
  const query = new URLSearchParams(params);
  query.set("breakdown", breakdown);
  let report;
  try {
    report = await api("GET", `/api/v1/stats?${query}`);
  } catch (e) {
    if (e.status === 403) error.textContent = "您的角色不能查看统计 Your role may not see the statistics";
    else if (e.status !== 401) error.textContent = `无法加载 Could not load: ${e.message}`;
    return;
  }
  error.textContent = "";
  // The API's defaults (the last 30 days) become the form's values.
  document.getElementById("f-from").value = report.from;
  document.getElementById("f-to").value = report.to;
  document.getElementById("f-group_by").value = report.group_by;
  toUrl(chosen(), breakdown);
  document.getElementById("csv").href = `/api/v1/stats.csv?${chosen()}`;
  renderOverall(report);
  renderService(report);
  renderCharts(report);
  renderBreakdown(report, breakdown);
  renderServiceBreakdown(report, breakdown);
  document.body.dataset.loaded = `${report.from}/${report.to}/${report.group_by}/${breakdown}`;
}

async function main() {
  await Console.start("stats");
  // Two charts a row (CSSOM: allowed by the console's CSP, unlike style attributes).
  Object.assign(document.getElementById("charts").style,
                {display: "grid", gridTemplateColumns: "1fr 1fr", columnGap: "12px"});
  document.getElementById("f-outlet").style.maxWidth = "220px";
  await fillChoices();
  fromUrl();
  document.getElementById("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  document.getElementById("breakdown").addEventListener("change", load);
  Console.every(FOLLOW_UP_MS, loadFollowUps);
  await load();
}

main();
