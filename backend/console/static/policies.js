// The warranty policies, one row per category for the region chosen: whole-unit months, main
// parts and their months, wearing parts (not covered), the 三包 return and exchange windows and
// the safe-use life (安全使用年限). Admins edit a row and save it; the backend checks it (no
// absurd or inconsistent periods, the Mainland's 三包 minimums) and says what it refused, by
// field. Others see the same table, read only.
"use strict";

const {el, label, when, api, problem} = Console;
const NUMBERS = {whole_unit_months: [1, 120], main_parts_months: [1, 240], return_days: [0, 90],
                 exchange_days: [0, 90], safe_use_years: [1, 30]};
const NOTES = {mainland: "内地三包最低：整机 12 个月、主要部件 36 个月、退货 7 天、换货 15 天。Mainland 三包 minimums: whole unit 12 months, main parts 36, return 7 days, exchange 15.",
               hong_kong: "香港没有三包退换规定（填 0）。No statutory return or exchange in Hong Kong (0).",
               taiwan: "台湾没有三包退换规定（填 0）。No statutory return or exchange in Taiwan (0)."};
let policies = [];
let categories = [];  // the canonical order (空调 first), as the chat lists them
let mayEdit = false;

function parts(text) {
  // "压缩机、电机, 主板" → ["压缩机", "电机", "主板"]
  return text.split(/[,，、;；\n]+/).map((p) => p.trim()).filter(Boolean);
}

function numberInput(name, value, optional) {
  const [min, max] = NUMBERS[name];
  return el("input", {type: "number", name, min: String(min), max: String(max), step: "1",
                      value: value === null || value === undefined ? "" : String(value),
                      placeholder: optional ? "—" : null, required: optional ? null : true,
                      disabled: !mayEdit, "aria-label": name});
}

function textInput(name, list) {
  return el("input", {type: "text", name, value: list.join("、"),
                      disabled: !mayEdit, "aria-label": name});
}

function changed(p) {
  return `${p.updated_by || "—"} · ${when(p.updated_at)}`;
}

function row(p) {
  const tr = el("tr", {"data-category": p.category},
    el("th", {scope: "row", text: p.category}),
    el("td", {}, numberInput("whole_unit_months", p.whole_unit_months, false)),
    el("td", {}, textInput("main_parts", p.main_parts)),
    el("td", {}, numberInput("main_parts_months", p.main_parts_months, true)),
    el("td", {}, textInput("wearing_parts", p.wearing_parts)),
    el("td", {}, numberInput("return_days", p.return_days, false)),
    el("td", {}, numberInput("exchange_days", p.exchange_days, false)),
    el("td", {}, numberInput("safe_use_years", p.safe_use_years, true)),
    el("td", {class: "changed", text: changed(p)}),
    el("td", {}, mayEdit ? el("button", {type: "button", class: "save", text: "保存 Save",
                                         onclick: () => save(p, tr)}) : null,
       el("span", {class: "row-message", role: "status"})));
  return tr;
}

function read(tr) {
  const value = (name) => tr.querySelector(`[name=${name}]`).value.trim();
  const number = (name) => (value(name) === "" ? null : Number(value(name)));
  return {whole_unit_months: number("whole_unit_months"), main_parts: parts(value("main_parts")),
          main_parts_months: number("main_parts_months"), wearing_parts: parts(value("wearing_parts")),
          return_days: number("return_days") ?? 0, exchange_days: number("exchange_days") ?? 0,
          safe_use_years: number("safe_use_years")};
}

async function save(p, tr) {
  const note = tr.querySelector(".row-message");
  note.className = "row-message";
  note.textContent = "…";
  try {
    const saved = await api("PUT", `/api/v1/warranty-policies/${encodeURIComponent(p.category)}/${p.region}`, read(tr));
    Object.assign(p, saved);
    const fresh = row(p);
    tr.replaceWith(fresh);
    const done = fresh.querySelector(".row-message");
    done.className = "row-message ok";
    done.textContent = "已保存 Saved";
  } catch (e) {
    note.className = "row-message error";
    note.textContent = problem(e);
  }
}

function render() {
  const region = document.getElementById("region").value;
  history.replaceState(null, "", `?region=${region}`);
  document.getElementById("region-note").textContent = NOTES[region] || "";
  const rank = (p) => categories.indexOf(p.category);
  document.querySelector("#policies tbody").replaceChildren(
    ...policies.filter((p) => p.region === region).sort((a, b) => rank(a) - rank(b)).map(row));
}

(async () => {
  const {meta} = await Console.start("policies");
  mayEdit = Boolean(meta.may_edit_policies);
  categories = meta.product_categories;
  document.getElementById("readonly").hidden = mayEdit;
  const select = document.getElementById("region");
  select.replaceChildren(...meta.regions.map((r) => el("option", {value: r, text: label("region", r)})));
  const wanted = new URLSearchParams(location.search).get("region");
  if (meta.regions.includes(wanted)) select.value = wanted;
  select.addEventListener("change", render);
  try {
    policies = await api("GET", "/api/v1/warranty-policies");
    render();
  } catch (e) {
    document.getElementById("error").textContent = `加载失败 (could not load): ${problem(e)}`;
  }
})();
