// The technician's completion form, made for a phone: diagnosis, fault category (the product
// category's fixed list), work items (the fee standard's labour items of the category), parts
// used (from the technician's own stock), the three checklist items, then
// POST /api/v1/tickets/{number}/complete. What is missing is said before anything is sent;
// what the backend refuses is shown as it says it.
"use strict";

const {el, api, label} = Console;
const NUMBER = decodeURIComponent(location.pathname.split("/").slice(-2)[0]);
const PATH = `/api/v1/tickets/${encodeURIComponent(NUMBER)}`;
const TICKET_PAGE = `/console/tickets/${encodeURIComponent(NUMBER)}`;
const CHECKS = {test_run: "已试机 Test run done", usage_explained: "已讲解使用 Usage explained",
                site_cleaned: "已清理现场 Site cleaned"};
const ON_SITE = ["repair", "installation"];
const OVER = ["resolved", "closed", "cancelled"];
const REPAIR_ORDER = ["diagnosis", "minor_repair", "major_repair", "refrigerant_recharge",
                      "installation", "removal", "relocation"];
let ticket = null;
let held = new Map();  // part number -> {name, quantity} in the technician's stock
let who = null;  // the signed-in staff member

function field(term, value) {
  return [el("dt", {text: term}), el("dd", {text: value === null || value === undefined || value === "" ? "—" : String(value)})];
}

function summary() {
  document.getElementById("title").textContent = `完工 ${ticket.number}`;
  document.title = `完工 ${ticket.number} · 售后服务台`;
  const product = ticket.registered_product;
  document.getElementById("fields").replaceChildren(...[
    field("类型 Type", label("type", ticket.type)),
    field("状态 Status", label("status", ticket.status)),
    field("产品 Product", [ticket.product, product && product.brand, product && product.model].filter(Boolean).join(" ")),
    field("故障描述 Reported", ticket.description),
  ].flat());
}

async function faults() {
  const query = new URLSearchParams({ticket_type: ticket.type});
  if (ticket.product) query.set("category", ticket.product);
  const list = await api("GET", `/api/v1/service-records/faults?${query}`);
  document.getElementById("fault").append(...list.faults.map((f) => el("option", {
    value: f.code, text: `${f.names["zh-Hans"]} ${f.names.en} (${f.code})`})));
}

async function workItems() {
  // The labour items of the ticket's category in every region's standard, once per code.
  const box = document.getElementById("work-items");
  let standards = [];
  try { standards = await api("GET", "/api/v1/fee-standards"); } catch (e) { standards = []; }
  const items = new Map();
  for (const standard of standards) {
    for (const item of standard.items) {
      if (item.category === ticket.product && !items.has(item.code)) items.set(item.code, item);
    }
  }
  const sorted = [...items.values()].sort((a, b) =>
    REPAIR_ORDER.indexOf(a.repair_type) - REPAIR_ORDER.indexOf(b.repair_type) || a.code.localeCompare(b.code));
  box.replaceChildren(...(sorted.length ? sorted.map((item) => el("label", {class: "check"},
    el("input", {type: "checkbox", name: "work", value: item.code}),
    ` ${item.names["zh-Hans"]} `, el("span", {class: "hint", text: `${item.names.en} (${item.code})`})))
    : [el("p", {class: "hint", text: "这个品类没有收费项目 No labour items for this category"})]));
}

async function stock() {
  // The technician's own stock (another role completing: the assignee's).
  const query = new URLSearchParams({holders: "technicians", limit: "200"});
  if (who.role !== "technician" && ticket.assignee) query.set("technician", ticket.assignee);
  try {
    const page = await api("GET", `/api/v1/stock?${query}`);
    held = new Map(page.items.filter((b) => b.quantity > 0)
      .map((b) => [b.part_number, {name: b.part_name, quantity: b.quantity}]));
  } catch (e) { held = new Map(); }
  document.getElementById("stock").replaceChildren(...[...held].map(([number, b]) =>
    el("option", {value: number, text: `${b.name} · 持有 ${b.quantity}`})));
}

function partRow() {
  const number = el("input", {class: "part-number", list: "stock", placeholder: "配件编号 part number",
                              maxlength: "40", autocomplete: "off", autocapitalize: "characters"});
  const quantity = el("input", {class: "part-quantity", type: "number", min: "1", max: "99", value: "1",
                                inputmode: "numeric", "aria-label": "数量 quantity"});
  const heldText = el("span", {class: "hint held"});
  number.addEventListener("input", () => {
    const found = held.get(number.value.trim().toUpperCase());
    heldText.textContent = found ? `${found.name}，持有 ${found.quantity} held` : "";
  });
  const row = el("div", {class: "part-row"}, number, quantity,
    el("button", {type: "button", class: "remove", "aria-label": "移除 remove", text: "✕",
                  onclick: () => row.remove()}), heldText);
  document.getElementById("part-rows").append(row);
  return row;
}

function problems() {
  // What is missing or wrong, before anything is sent; marks the places.
  const found = [];
  for (const node of document.querySelectorAll(".missing")) node.classList.remove("missing");
  const diagnosis = document.getElementById("diagnosis");
  if (!diagnosis.value.trim()) { found.push("请填写诊断 Write the diagnosis"); diagnosis.classList.add("missing"); }
  const fault = document.getElementById("fault");
  if (!fault.value) { found.push("请选择故障类别 Choose the fault category"); fault.classList.add("missing"); }
  for (const row of document.querySelectorAll(".part-row")) {
    const number = row.querySelector(".part-number").value.trim();
    const quantity = Number(row.querySelector(".part-quantity").value);
    if (number && !(Number.isInteger(quantity) && quantity >= 1 && quantity <= 99)) {
      found.push(`${number}: 数量 1–99 quantity 1 to 99`); row.classList.add("missing");
    }
  }
  const unchecked = Object.keys(CHECKS).filter((name) => !document.getElementById(name).checked);
  for (const name of unchecked) document.getElementById(name).closest("label").classList.add("missing");
  if (unchecked.length) {
    found.push(`完工前请完成检查 Finish the checklist first: ${unchecked.map((n) => CHECKS[n]).join("、")}`);
  }
  return found;
}

function body() {
  const parts = [...document.querySelectorAll(".part-row")]
    .map((row) => ({part_number: row.querySelector(".part-number").value.trim(),
                    quantity: Number(row.querySelector(".part-quantity").value)}))
    .filter((p) => p.part_number);
  const note = document.getElementById("note").value.trim();
  return {
    diagnosis: document.getElementById("diagnosis").value.trim(),
    fault_category: document.getElementById("fault").value,
    work_items: [...document.querySelectorAll("input[name=work]:checked")].map((box) => box.value),
    parts,
    checklist: Object.fromEntries(Object.keys(CHECKS).map((name) => [name, document.getElementById(name).checked])),
    note: note || null,
  };
}

async function submit(event) {
  event.preventDefault();
  const error = document.getElementById("form-error");
  const found = problems();
  if (found.length) { error.replaceChildren(...found.map((text) => el("div", {text}))); return; }
  error.textContent = "";
  const button = document.getElementById("submit");
  button.disabled = true;
  try {
    await api("POST", `${PATH}/complete`, body());
  } catch (e) {
    error.textContent = `未能完工 Not completed (${e.status}): ${Console.problem(e)}`;
    button.disabled = false;
    return;
  }
  let version = null;
  try { version = (await api("GET", `${PATH}/record`)).version; } catch (e) { version = null; }
  document.getElementById("complete-form").hidden = true;
  document.getElementById("done").hidden = false;
  document.getElementById("done-text").textContent =
    `已完工，服务记录${version ? ` v${version} ` : ""}已发给客户确认。Done: the service record went to the customer to confirm.`;
  document.getElementById("record-pdf").href = `${PATH}/record.pdf`;
  document.getElementById("to-ticket").href = TICKET_PAGE;
}

function refuse(text) {
  document.getElementById("error").textContent = text;
  document.getElementById("complete-form").hidden = true;
}

document.addEventListener("DOMContentLoaded", async () => {
  ({session: who} = await Console.start("tickets"));
  document.getElementById("back").href = TICKET_PAGE;
  document.getElementById("back").textContent = `← 工单 ${NUMBER}`;
  try { ticket = await api("GET", PATH); } catch (e) {
    refuse(e.status === 404 ? "没有这个工单，或不是派给您的 (no such ticket assigned to you)"
                            : `加载失败 (could not load): ${Console.problem(e)}`);
    document.getElementById("summary").hidden = true;
    document.body.dataset.ready = "1";
    return;
  }
  summary();
  if (!ON_SITE.includes(ticket.type)) {
    refuse("只有维修和安装工单以服务记录完工 Only repairs and installations are completed here.");
  } else if (OVER.includes(ticket.status)) {
    refuse(`工单已${label("status", ticket.status)}，不能再完工 This ticket is over.`);
  } else if (ticket.awaiting_acceptance_since) {
    refuse("已完工，正等待客户确认服务记录 Done already: waiting for the customer's confirmation.");
  } else {
    document.getElementById("complete-form").hidden = false;
    await Promise.all([faults(), workItems(), stock()]);
    document.getElementById("add-part").addEventListener("click", () => partRow().querySelector("input").focus());
    const form = document.getElementById("complete-form");
    form.addEventListener("submit", submit);
    form.addEventListener("change", () => {  // said about the last try: gone once changed
      document.getElementById("form-error").textContent = "";
      for (const node of form.querySelectorAll(".missing")) node.classList.remove("missing");
    });
  }
  document.body.dataset.ready = "1";  // every control is live
});
