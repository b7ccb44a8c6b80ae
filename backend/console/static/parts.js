// Spare parts (dispatchers, supervisors, admins): the open low-stock alerts (a dispatcher who
// works at an outlet: that outlet's, as the API gives them; refreshed while the page is open
// and counted in the nav), the stock of each outlet and technician (rows below their
// threshold highlighted; dispatchers and admins set the threshold and record receipts,
// issues and returns), and the catalogue, searched by number or name and category. Prices
// come in minor units (分 / cents).
"use strict";

const {el, api, problem, when} = Console;
const KINDS = {main: "主要部件 main", wearing: "易损件 wearing", other: "其他 other"};
const ALERTS_MS = 10000;
let mayKeep = false;

function money(part) {
  const amount = (minor, sign) => (minor === null || minor === undefined ? null : `${sign}${(minor / 100).toFixed(2)}`);
  return [amount(part.price_cny, "¥"), amount(part.price_hkd, "HK$"), amount(part.price_twd, "NT$")]
    .filter(Boolean).join(" / ");
}

function thresholdCell(b) {
  if (b.outlet_id === null) return el("td", {class: "hint", text: "—"});
  if (!mayKeep) return el("td", {text: b.threshold === null ? "—" : String(b.threshold)});
  const input = el("input", {type: "number", min: "0", max: "10000", step: "1", "aria-label": "threshold",
                             value: b.threshold === null ? "" : String(b.threshold), placeholder: "—"});
  input.style.width = "5em";
  const note = el("span", {class: "row-message", role: "status"});
  const save = async () => {
    note.className = "row-message";
    note.textContent = "…";
    try {
      await api("PUT", "/api/v1/stock/thresholds", {part_number: b.part_number, outlet_id: b.outlet_id,
                                                    threshold: input.value === "" ? null : Number(input.value)});
      await Promise.all([loadStock(), loadAlerts()]);
    } catch (e) {
      note.className = "row-message error";
      note.textContent = problem(e);
    }
  };
  return el("td", {}, input, " ", el("button", {type: "button", text: "保存 Save", onclick: save}), note);
}

function stockRow(b) {
  const holder = b.outlet_id !== null ? `网点 ${b.outlet_name || "#" + b.outlet_id}` : `技术人员 ${b.technician}`;
  return el("tr", {class: b.low ? "low" : null, "data-part": b.part_number},
    el("td", {text: b.part_number}), el("td", {text: b.part_name}), el("td", {text: holder}),
    el("td", {text: String(b.quantity)}, b.low ? el("span", {class: "warn", text: " ⚠ 低于预警线 low"}) : null),
    thresholdCell(b));
}

async function loadStock() {
  const params = new URLSearchParams();
  const holders = document.getElementById("f-holders").value;
  const outlet = document.getElementById("f-outlet").value;
  const part = document.getElementById("f-part").value.trim();
  if (holders) params.set("holders", holders);
  if (outlet) params.set("outlet", outlet);
  if (part) params.set("part", part);
  if (document.getElementById("f-low").checked) params.set("low", "true");
  const rows = (await api("GET", `/api/v1/stock?${params}`)).items;
  document.querySelector("#stock tbody").replaceChildren(...(rows.length ? rows.map(stockRow)
    : [el("tr", {}, el("td", {colspan: "5", class: "hint", text: "没有库存记录 No stock recorded"}))]));
}

function ownOutlet(session, outlets) {
  // The outlet whose alerts the API gives a dispatcher by default (null: every outlet's).
  if (session.role !== "dispatcher" || !session.outlet_id) return null;
  const found = outlets.find((o) => o.id === session.outlet_id);
  return {id: session.outlet_id, name: found ? found.name : `#${session.outlet_id}`};
}

function showOwnOutlet(outlet) {
  document.getElementById("alerts-title").textContent = `本网点库存预警 · ${outlet.name}`;
  document.getElementById("alerts-hint").textContent = "Low stock at your outlet: below its threshold, until restocked";
  const select = document.getElementById("m-outlet");
  if ([...select.options].some((o) => o.value === String(outlet.id))) select.value = String(outlet.id);
}

function countInNav(count) {
  const link = document.querySelector("header a[href='/console/parts']");
  if (!link) return;
  let badge = document.getElementById("nav-alerts");
  if (!count) { if (badge) badge.remove(); return; }
  if (!badge) {
    badge = el("span", {class: "badge coverage expired", id: "nav-alerts", title: "open low-stock alerts"});
    link.append(" ", badge);
  }
  badge.textContent = String(count);
}

let shownAlerts = "";  // the ids of the alerts shown

async function loadAlerts() {
  const alerts = await api("GET", "/api/v1/stock/alerts");
  shownAlerts = alerts.map((a) => a.id).join(",");
  document.getElementById("alerts-card").hidden = alerts.length === 0;
  document.getElementById("alerts-count").textContent = String(alerts.length);
  document.getElementById("alerts").replaceChildren(...alerts.map((a) => el("li", {class: "warn", "data-alert": String(a.id)},
    `${a.outlet_name}：${a.part_number} ${a.part_name} 剩 ${a.quantity}（预警线 ${a.threshold}）`,
    el("span", {class: "hint", text: ` · ${when(a.raised_at)}`}))));
  countInNav(alerts.length);
}

function keepAlertsFresh() {
  // An alert raised while the page is open (someone else's movement) shows without a reload;
  // the stock with it, unless a threshold is being edited there.
  const refresh = async () => {
    const before = shownAlerts;
    try {
      await loadAlerts();
      if (shownAlerts !== before && !document.getElementById("stock").contains(document.activeElement)) await loadStock();
    } catch (e) {
      console.error(e);
    }
  };
  setInterval(() => { if (!document.hidden) refresh(); }, ALERTS_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
}

function catalogueRow(p) {
  const names = [p.name_zh_hans, p.name_zh_hant, p.name_en].filter(Boolean).join(" / ");
  const fits = p.categories.join("、") + (p.models.length ? `（${p.models.join(", ")}）` : "");
  return el("tr", {class: p.active ? null : "internal"},
    el("td", {text: p.number + (p.active ? "" : " (停用 inactive)")}), el("td", {text: names}),
    el("td", {text: fits}), el("td", {text: KINDS[p.kind] || p.kind}), el("td", {text: money(p)}),
    el("td", {text: `${p.warranty_days} 天 days`}));
}

async function loadCatalogue() {
  const params = new URLSearchParams({limit: "200"});
  const q = document.getElementById("c-q").value.trim();
  const category = document.getElementById("c-category").value;
  if (q) params.set("q", q);
  if (category) params.set("category", category);
  const page = await api("GET", `/api/v1/parts?${params}`);
  document.querySelector("#catalogue tbody").replaceChildren(...page.items.map(catalogueRow));
}

async function move(event) {
  event.preventDefault();
  const result = document.getElementById("move-result");
  const kind = document.getElementById("m-kind").value;
  const body = {part_number: document.getElementById("m-part").value.trim(),
                outlet_id: Number(document.getElementById("m-outlet").value),
                quantity: Number(document.getElementById("m-quantity").value)};
  if (kind === "receipts") {
    const reference = document.getElementById("m-reference").value.trim();
    if (reference) body.reference = reference;
  } else {
    body.technician = document.getElementById("m-technician").value.trim();
  }
  result.className = "";
  result.textContent = "…";
  try {
    await api("POST", `/api/v1/stock/${kind}`, body);
    result.className = "ok";
    result.textContent = "已记录 Recorded.";
    await Promise.all([loadStock(), loadAlerts()]);
  } catch (e) {
    result.className = "error";
    result.textContent = `未能记录 (failed, ${e.status}): ${problem(e)}`;
  }
}

function debounced(fn) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, 250); };
}

(async () => {
  const {session, meta} = await Console.start("parts");
  mayKeep = Boolean(meta.may_keep_stock);
  const error = document.getElementById("error");
  try {
    const outlets = (await api("GET", "/api/v1/outlets?limit=500")).items;
    for (const id of ["f-outlet", "m-outlet"]) {
      document.getElementById(id).append(...outlets.map((o) => el("option", {value: String(o.id), text: o.name})));
    }
    const own = ownOutlet(session, outlets);
    if (own) showOwnOutlet(own);
    document.getElementById("c-category").append(...meta.product_categories.map((c) => el("option", {value: c, text: c})));
    const form = document.getElementById("move-form");
    form.hidden = !mayKeep;
    form.addEventListener("submit", move);
    for (const id of ["f-holders", "f-outlet", "f-low"]) document.getElementById(id).addEventListener("change", loadStock);
    document.getElementById("f-part").addEventListener("input", debounced(loadStock));
    document.getElementById("c-q").addEventListener("input", debounced(loadCatalogue));
    document.getElementById("c-category").addEventListener("change", loadCatalogue);
    await Promise.all([loadAlerts(), loadStock(), loadCatalogue()]);
    keepAlertsFresh();
  } catch (e) {
    error.textContent = `加载失败 (could not load): ${problem(e)}`;
  }
  document.body.dataset.ready = "1";
})();
