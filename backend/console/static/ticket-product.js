// The ticket page's product: the customer's registered product the ticket is about (category,
// brand, model, serial; a link to the customer's page for those who may find customers) and,
// for a repair, the warranty it had the day the ticket was created: what staff quote to the
// customer about fees (GB/T 27922: fees disclosed). And the nameplate form, on repair and
// installation tickets, for whoever visits: the model and serial read off the appliance,
// sent to POST /api/v1/tickets/{number}/product (the API decides: its refusals are shown).
"use strict";

const TicketProduct = (() => {
  const {el, api, problem} = Console;
  const ON_SITE = ["repair", "installation"];
  const ROUTE = "/api/v1/tickets/{number}/product";
  const SNAPSHOT_UNKNOWN = "保修未知：建单时没有购买日期 Unknown: no purchase date when the ticket was created";

  function field(term, value, attrs) {
    return [el("dt", {text: term}), el("dd", {...attrs, text: value || "—"})];
  }

  async function registered(ticket) {
    // The product as registered now (its serial too), carried by the ticket, or null.
    return ticket.registered_product || null;
  }

  function about(product, snapshot, ticket, meta) {
    // What the product is: the registered one, else what the ticket kept of one since removed.
    if (!product && !snapshot) {
      return [el("p", {class: "hint", id: "no-product",
                       text: "这张工单没有关联登记的产品 No registered product: the ticket names none of the customer's products."})];
    }
    const p = product || snapshot;
    const nodes = [];
    if (!product) {
      nodes.push(el("p", {class: "hint", id: "no-product",
                          text: "产品登记已删除，以下为建单时的记录 The product is no longer registered: as the ticket kept it."}));
    }
    nodes.push(el("dl", {class: "fields", id: "product-fields"},
      ...field("品类 Category", p.category),
      ...field("品牌 Brand", p.brand),
      ...field("型号 Model", p.model, {id: "product-model"}),
      ...(product ? field("序列号 Serial", product.serial, {id: "product-serial"}) : []),
      ...(product ? field("购买日期 Bought", product.purchase_date) : [])));
    if (product && meta.may_find_customers) {
      nodes.push(el("p", {}, el("a", {id: "product-customer", href: `/console/customers?id=${ticket.customer.id}`,
        text: `客户页：产品 #${product.id} 与客户其他产品 Customer page: product #${product.id} and their other products`})));
    }
    return nodes;
  }

  function warranty(w) {
    // The warranty the day the ticket was created (a repair of a registered product).
    return el("div", {class: "ticket-warranty", id: "product-warranty"},
      el("h3", {}, `建单时的保修（${w.as_of}）`, " ",
         el("span", {class: "hint", text: `Warranty on ${w.as_of}, when the ticket was created: quote fees from it`}),
         " ", Warranty.badge(w)),
      ...Warranty.lines(w, {unknown: SNAPSHOT_UNKNOWN}).map((text) => el("p", {class: "cover", text})),
      w.purchase_date ? el("p", {class: "hint", text: `按购买日期 ${w.purchase_date} 计算 Counted from the purchase date ${w.purchase_date}`}) : null);
  }

  async function render(ticket, meta) {
    const product = await registered(ticket);
    const snapshot = ticket.warranty;
    const box = document.getElementById("product-box");
    // (replaceChildren writes a null as the text "null": only the parts there are.)
    box.replaceChildren(...about(product, snapshot, ticket, meta),
                        ...(ticket.type === "repair" && snapshot ? [warranty(snapshot)] : []));
    // The nameplate form: repair and installation tickets (someone visits), when the route exists.
    const form = document.getElementById("nameplate-form");
    form.hidden = !(ON_SITE.includes(ticket.type) && await Console.hasRoute("post", ROUTE));
    document.getElementById("nameplate-model").placeholder = product && product.model ? `登记为 registered: ${product.model}` : "铭牌上的型号 as on the nameplate";
    document.getElementById("nameplate-serial").placeholder = product && product.serial ? `登记为 registered: ${product.serial}` : "铭牌上的序列号 as on the nameplate";
  }

  function wire(path, reload) {
    // Submitting the nameplate: only what was typed is sent; `reload` redraws the page.
    document.getElementById("nameplate-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = document.getElementById("nameplate-result");
      const inputs = {model: document.getElementById("nameplate-model"),
                      serial: document.getElementById("nameplate-serial")};
      const body = {};
      for (const [name, input] of Object.entries(inputs)) if (input.value.trim()) body[name] = input.value.trim();
      result.className = "";
      result.textContent = "…";
      try {
        await api("POST", `${path}/product`, body);
        for (const input of Object.values(inputs)) input.value = "";
        await reload();
        result.className = "ok";
        result.textContent = "已记录铭牌，产品档案已更新 Nameplate recorded: the product is updated.";
      } catch (e) {
        result.className = "error";
        result.textContent = `未能记录 (failed, ${e.status}): ${problem(e)}`;
      }
    });
  }

  return {render, wire};
})();
