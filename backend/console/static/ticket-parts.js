// The ticket page's parts, read only: the parts fitted on the ticket (from whose stock, the
// day, and the end of each one's parts warranty, 配件保修) and the defective parts taken out
// and sent back for repair (坏件返修) with where each stands. Hidden while there are none.
// Parts are recorded through the API (POST /api/v1/tickets/{number}/parts, …/defective-parts).
"use strict";

const TicketParts = (() => {
  const {el, api, when} = Console;
  const ROUTE = "/api/v1/tickets/{number}/parts";
  const STATES = {removed: "已拆下 removed", sent_to_repair: "返修中 sent to repair",
                  repaired: "已修复 repaired", scrapped: "已报废 scrapped"};

  function usedRow(u, today) {
    const covered = today && u.warranty_until >= today;
    return el("tr", {},
      el("td", {text: u.part_number}), el("td", {text: u.part_name}), el("td", {text: String(u.quantity)}),
      el("td", {text: u.technician || "—"}), el("td", {text: u.used_on}),
      el("td", {}, u.warranty_until, " ", el("span", {class: covered ? "badge coverage whole_unit" : "badge coverage expired",
                                                       text: covered ? "保修中 covered" : "已过保 expired"})));
  }

  function removedRow(d) {
    return el("tr", {},
      el("td", {text: `#${d.id}`}), el("td", {text: `${d.part_number} ${d.part_name}`}),
      el("td", {text: [d.part_serial, d.fault].filter(Boolean).join(" · ") || "—"}),
      el("td", {text: STATES[d.state] || d.state}),
      el("td", {text: when(d.ended_at || d.sent_at || d.removed_at)}));
  }

  function table(headings, rows) {
    return el("table", {}, el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", {text: h})))),
              el("tbody", {}, ...rows));
  }

  async function render(ticket, meta) {
    const card = document.getElementById("parts-card");
    if (!card || !await Console.hasRoute("get", ROUTE)) return;
    let parts;
    try {
      parts = await api("GET", `/api/v1/tickets/${encodeURIComponent(ticket.number)}/parts`);
    } catch (e) {
      return;  // the rest of the ticket page does not depend on it
    }
    card.hidden = parts.used.length === 0 && parts.removed.length === 0;
    const box = document.getElementById("parts-box");
    box.replaceChildren(
      parts.used.length ? table(["配件 Part", "名称 Name", "数量 Qty", "技术人员 Technician", "使用日 Fitted", "配件保修至 Parts warranty until"],
                                parts.used.map((u) => usedRow(u, meta && meta.today))) : null,
      parts.removed.length ? el("h3", {text: "坏件返修 Defective parts sent back"}) : null,
      parts.removed.length ? table(["编号 No.", "配件 Part", "序列号 / 故障 Serial / fault", "状态 State", "更新 Updated"],
                                   parts.removed.map(removedRow)) : null);
  }

  return {render};
})();
