// The fee standard of the region chosen: the visit fee (and whether a declined quote pays it)
// and one row per labour item (code, category, repair type, three names, price). Admins edit
// a row or add one and save it, with a reason (required): the backend writes a new version
// and says what it refused, by field. Every version is in the history below; one opened is
// shown read only. Others see the same page, read only. Amounts travel as decimal strings.
"use strict";

const {el, label, when, api, problem} = Console;
const TYPE_NAMES = {diagnosis: "检测", minor_repair: "小修", major_repair: "大修",
               refrigerant_recharge: "加氟", installation: "安装", removal: "拆机", relocation: "移机"};
const CHANGES = {visit_fee: "上门费 Visit fee", declined_quote_pays_visit: "不修收上门费 Declined pays",
                 item_added: "新增 Added", item_removed: "删除 Removed", item_changed: "修改 Changed"};
let standard = null;  // the version shown
let current = null;  // the version in force (what edits are made on)
let categories = [];
let repairTypes = [];  // backend.fees.enums.RepairType
let mayEdit = false;

function region() { return document.getElementById("region").value; }
function editable() { return mayEdit && standard && current && standard.version === current.version; }

function input(name, value, attrs) {
  return el("input", {name, value: value === undefined || value === null ? "" : String(value),
                      disabled: !editable(), "aria-label": name, ...attrs});
}

function select(name, options, value, text) {
  const node = el("select", {name, disabled: !editable(), "aria-label": name},
    ...options.map((o) => el("option", {value: o, text: text(o)})));
  node.value = value;
  return node;
}

function row(item) {
  const fresh = !item;
  item = item || {code: "", category: categories[0], repair_type: "minor_repair",
                  names: {"zh-Hans": "", "zh-Hant": "", en: ""}, price: ""};
  const tr = el("tr", {"data-code": item.code, class: fresh ? "new-item" : null},
    el("th", {scope: "row"}, fresh ? input("code", "", {type: "text", size: "10", placeholder: "AC-CLEAN"})
                                   : el("span", {class: "code", text: item.code})),
    el("td", {}, select("category", categories, item.category, (c) => c)),
    el("td", {}, select("repair_type", repairTypes, item.repair_type, (t) => `${TYPE_NAMES[t] || ""} ${t}`.trim())),
    el("td", {}, input("zh-Hans", item.names["zh-Hans"], {type: "text"})),
    el("td", {}, input("zh-Hant", item.names["zh-Hant"], {type: "text"})),
    el("td", {}, input("en", item.names.en, {type: "text"})),
    el("td", {}, input("price", item.price, {type: "number", min: "0", step: "0.01"})),
    el("td", {},
       editable() ? el("button", {type: "button", class: "save", text: fresh ? "新增 Add" : "保存 Save",
                                  onclick: () => saveItem(tr)}) : null,
       editable() && !fresh ? el("button", {type: "button", class: "remove", text: "删除 Remove",
                                            onclick: () => removeItem(tr, item.code)}) : null,
       el("span", {class: "row-message", role: "status"})));
  return tr;
}

function reason(note) {
  const text = document.getElementById("reason").value.trim();
  if (!text) {
    note.className = "row-message error";
    note.textContent = "请填写修改原因 A reason is required.";
    document.getElementById("reason").focus();
  }
  return text;
}

function read(tr) {
  const value = (name) => tr.querySelector(`[name="${name}"]`).value.trim();
  return {category: value("category"), repair_type: value("repair_type"),
          names: {"zh-Hans": value("zh-Hans"), "zh-Hant": value("zh-Hant"), en: value("en")},
          price: value("price")};
}

async function change(note, method, path, body) {
  note.className = "row-message";
  note.textContent = "…";
  try {
    await api(method, path, body);
    await load();
    document.getElementById("reason").value = "";
    const message = document.getElementById("visit-message");
    message.className = "row-message ok";
    message.textContent = `已保存为版本 ${current.version} Saved as version ${current.version}`;
  } catch (e) {
    note.className = "row-message error";
    note.textContent = e.status === 409 ? `${problem(e)} (已重新加载 reloaded)` : problem(e);
    if (e.status === 409) await load(false);
  }
}

async function saveItem(tr) {
  const note = tr.querySelector(".row-message");
  const why = reason(note);
  if (!why) return;
  const code = tr.dataset.code || tr.querySelector("[name=code]").value.trim();
  await change(note, "PUT", `/api/v1/fee-standards/${region()}/items/${encodeURIComponent(code)}`,
               {...read(tr), reason: why, base_version: current.version});
}

async function removeItem(tr, code) {
  const note = tr.querySelector(".row-message");
  const why = reason(note);
  if (!why) return;
  const query = new URLSearchParams({reason: why, base_version: String(current.version)});
  await change(note, "DELETE", `/api/v1/fee-standards/${region()}/items/${encodeURIComponent(code)}?${query}`);
}

async function saveVisit() {
  const note = document.getElementById("visit-message");
  const why = reason(note);
  if (!why) return;
  await change(note, "PUT", `/api/v1/fee-standards/${region()}`, {
    visit_fee: document.getElementById("visit-fee").value.trim(),
    declined_quote_pays_visit: document.getElementById("declined-pays").checked,
    items: current.items, reason: why, base_version: current.version});
}

function changed(c) {
  const what = CHANGES[c.what] || c.what;
  const values = [c.before, c.after].filter((v) => v !== null).join(" → ");
  return [what, c.code, values].filter(Boolean).join(" ");
}

function renderHistory(versions) {
  document.querySelector("#history tbody").replaceChildren(...versions.map((v) => el("tr",
    {"data-version": String(v.version), class: standard && v.version === standard.version ? "here" : null},
    el("th", {scope: "row", text: `v${v.version}`}),
    el("td", {text: when(v.effective_from)}),
    el("td", {text: v.changed_by}),
    el("td", {text: v.reason}),
    el("td", {text: v.changes.length > 6 ? `${v.changes.length} 项 items` : v.changes.map(changed).join("；")}),
    el("td", {}, el("button", {type: "button", class: "open", text: "查看 View",
                               onclick: () => show(v.version)})))));
}

function render() {
  const past = standard.version !== current.version;
  document.getElementById("version").textContent =
    `${label("region", standard.region)} · ${standard.currency} · v${standard.version} · ` +
    `${when(standard.effective_from)} · ${standard.changed_by}`;
  const note = document.getElementById("past");
  note.hidden = !past;
  note.textContent = past ? `历史版本 v${standard.version}（只读）Version ${standard.version}, read only.` : "";
  for (const node of document.querySelectorAll(".currency")) node.textContent = standard.currency;
  const fee = document.getElementById("visit-fee");
  fee.value = standard.visit_fee;
  const declined = document.getElementById("declined-pays");
  declined.checked = standard.declined_quote_pays_visit;
  for (const node of [fee, declined, document.getElementById("save-visit"), document.getElementById("reason")]) {
    node.disabled = !editable();
  }
  const rank = (i) => categories.indexOf(i.category);
  const rows = [...standard.items].sort((a, b) => rank(a) - rank(b)).map(row);
  if (editable()) rows.push(row(null));
  document.querySelector("#items tbody").replaceChildren(...rows);
}

async function show(version) {
  try {
    standard = await api("GET", `/api/v1/fee-standards/${region()}/versions/${version}`);
    render();
    renderHistory(await api("GET", `/api/v1/fee-standards/${region()}/versions`));
  } catch (e) {
    document.getElementById("error").textContent = problem(e);
  }
}

async function load(clear = true) {
  history.replaceState(null, "", `?region=${region()}`);
  if (clear) document.getElementById("error").textContent = "";
  try {
    current = standard = await api("GET", `/api/v1/fee-standards/${region()}`);
    render();
    renderHistory(await api("GET", `/api/v1/fee-standards/${region()}/versions`));
  } catch (e) {
    document.getElementById("error").textContent = `加载失败 (could not load): ${problem(e)}`;
  }
}

(async () => {
  const {meta} = await Console.start("fees");
  mayEdit = Boolean(meta.may_edit_fees);
  categories = meta.product_categories;
  repairTypes = meta.repair_types;
  document.getElementById("readonly").hidden = mayEdit;
  document.getElementById("reason-bar").hidden = !mayEdit;
  document.getElementById("save-visit").hidden = !mayEdit;
  const regions = document.getElementById("region");
  regions.replaceChildren(...meta.regions.map((r) => el("option", {value: r, text: label("region", r)})));
  const wanted = new URLSearchParams(location.search).get("region");
  if (meta.regions.includes(wanted)) regions.value = wanted;
  regions.addEventListener("change", () => load());
  document.getElementById("save-visit").addEventListener("click", saveVisit);
  await load();
})();
