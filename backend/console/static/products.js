// The customer page's products: each with its warranty today (whole unit until…, main parts
// (which) until…, expired, unknown until a purchase date is given), the 三包 return and
// exchange windows still open, and its safe-use life (安全使用年限, GB/T 27922 5.33). Those who
// may change a customer's record (meta.may_edit_customers) add, correct and remove products,
// and settle a serial number registered twice: keep this registration, or remove it. The
// photos of a product's invoice or nameplate the customer sent are links that open the image
// (the desk only: the backend refuses technicians, and logs who opened one).
"use strict";

const Products = (() => {
  const {el, label, api, problem, when} = Console;
  const PHOTO_KINDS = {invoice: "发票 Invoice", nameplate: "铭牌 Nameplate", unknown: "照片 Photo"};
  const FIELDS = ["category", "brand", "model", "serial", "purchase_date", "purchased_from",
                  "installed_on", "install_address", "region"];
  let customer = null, meta = null, editing = null;
  let known = new Set();  // the ids listed: a registration that answers with one is not new

  function today() {
    // The backend's day (warranties are counted in its time zone), not the browser's.
    return meta.today;
  }

  function line(cls, text) {
    return el("p", {class: cls, text});
  }

  function cover(p) {
    // What the product's warranty says today, and the dates it changes (warranty.js).
    return Warranty.lines(p.warranty, {today: today()});
  }

  function safeUse(p) {
    const w = p.warranty;
    if (!w.safe_use_years) return line("hint", "安全使用年限 Safe-use life: —");
    if (!w.safe_use_until) {
      return line("safe-use", `安全使用年限 ${w.safe_use_years} 年（自购买日起）Safe-use life ${w.safe_use_years} years from purchase`);
    }
    if (w.safe_use_until < today()) {
      return line("safe-use warn", `⚠ 已超过安全使用年限 ${w.safe_use_years} 年（${w.safe_use_until} 到期），建议停用更换 Past its ${w.safe_use_years}-year safe-use life (ended ${w.safe_use_until}): advise replacing it`);
    }
    return line("safe-use", `安全使用年限 ${w.safe_use_years} 年，至 ${w.safe_use_until} Safe-use life ${w.safe_use_years} years, until ${w.safe_use_until}`);
  }

  function duplicateBanner(p) {
    const same = p.duplicate_customer_id === customer.id;
    const who = same ? "这位客户的" : `客户 #${p.duplicate_customer_id} 的`;
    const banner = el("div", {class: "duplicate-banner", role: "note"},
      el("strong", {text: "⚠ 序列号重复 Duplicate serial number"}), " ",
      `${who}产品 #${p.duplicate_of} 先登记了同一序列号 ${p.serial || ""}。`,
      same ? "The same customer registered it first." : el("a", {
        href: `/console/customers?id=${p.duplicate_customer_id}`,
        text: `Product #${p.duplicate_of} of customer #${p.duplicate_customer_id} registered it first.`}));
    if (meta.may_edit_customers) {
      banner.append(el("span", {class: "buttons"},
        el("button", {type: "button", class: "keep", text: "保留此登记 Keep this one",
                      onclick: () => act(`/api/v1/products/${p.id}/keep`, "POST", "已保留 Kept.")}),
        el("button", {type: "button", class: "remove", text: "删除此登记 Remove this one",
                      onclick: () => remove(p)})));
    } else {
      banner.append(el("span", {class: "hint", text: " 待客服或主管处理 For an agent or supervisor to settle."}));
    }
    return banner;
  }

  function photos(p) {
    // Links, not thumbnails: an image is fetched (and its view logged) only when asked for.
    if (!meta.may_find_customers || !(p.photos || []).length) return null;
    const links = p.photos.map((photo) => el("a", {
      href: `/api/v1/products/${p.id}/photos/${photo.id}`, target: "_blank", rel: "noopener",
      class: "photo", text: `${PHOTO_KINDS[photo.kind] || photo.kind} ${when(photo.created_at)}`}));
    return el("p", {class: "photos"}, "照片 Photos: ",
              ...links.flatMap((link, i) => (i ? [" · ", link] : [link])));
  }

  function card(p) {
    const title = [p.category, p.brand, p.model].filter(Boolean).join(" ");
    const facts = [
      `序列号 Serial ${p.serial || "—"}`,
      `购买 Bought ${p.purchase_date || "—"}${p.purchased_from ? ` · ${p.purchased_from}` : ""}`,
      `安装 Installed ${p.installed_on || "—"}`,
      p.install_address ? `安装地址 Address ${p.install_address}` : null,
      `地区 Region ${label("region", p.region)}`,
      `来源 Source ${label("source", p.source)}`,
    ];
    const node = el("article", {class: `product ${p.duplicate_of ? "duplicate" : ""}`.trim(),
                                "data-product-id": String(p.id)},
      el("h3", {}, el("span", {text: `#${p.id} ${title}`}), " ",
         Warranty.badge(p.warranty)),
      p.duplicate_of ? duplicateBanner(p) : null,
      line("facts", facts.filter(Boolean).join(" ｜ ")),
      photos(p),
      ...cover(p).map((text) => line("cover", text)),
      safeUse(p));
    if (meta.may_edit_customers) {
      node.append(el("p", {class: "buttons"},
        el("button", {type: "button", class: "edit", text: "编辑 Edit", onclick: () => edit(p)}),
        el("button", {type: "button", class: "remove", text: "删除 Remove", onclick: () => remove(p)})));
    }
    return node;
  }

  async function load() {
    const products = await api("GET", `/api/v1/customers/${customer.id}/products`);
    known = new Set(products.map((p) => p.id));
    document.getElementById("products").replaceChildren(...products.map(card));
    document.getElementById("no-products").hidden = products.length > 0;
  }

  function message(text, kind) {
    const result = document.getElementById("product-result");
    result.className = kind || "ok";
    result.textContent = text;
  }

  async function act(path, method, done) {
    try {
      await api(method, path);
      message(done);
      await load();
    } catch (e) { message(problem(e), "error"); }
  }

  function remove(p) {
    const name = [p.category, p.brand, p.model, p.serial].filter(Boolean).join(" ");
    if (!window.confirm(`从客户档案删除产品 #${p.id}（${name}）？\nRemove product #${p.id} from the customer's record?`)) return;
    act(`/api/v1/products/${p.id}`, "DELETE", `已删除产品 #${p.id} Removed.`);
  }

  function input(name) { return document.getElementById(`p-${name}`); }

  function openForm(product) {
    editing = product;
    const form = document.getElementById("product-form");
    form.hidden = false;
    document.getElementById("product-error").textContent = "";
    document.getElementById("product-form-title").replaceChildren(product
      ? `编辑产品 #${product.id} ` : "登记产品 ",
      el("span", {class: "hint", text: product ? "Correct a product" : "Add a product"}));
    for (const name of FIELDS) input(name).value = product ? (product[name] ?? "") : "";
    if (!product) { input("category").value = meta.product_categories[0]; input("region").value = "mainland"; }
    input("purchase_date").max = input("installed_on").max = today();
    (product && !product.purchase_date ? input("purchase_date") : input("category")).focus();
  }

  function edit(p) { openForm(p); }

  function body() {
    // Every field: an emptied one is null (cleared).
    const data = {};
    for (const name of FIELDS) data[name] = input(name).value.trim() || null;
    return data;
  }

  async function save(event) {
    event.preventDefault();
    const error = document.getElementById("product-error");
    error.textContent = "";
    try {
      const saved = editing
        ? await api("PATCH", `/api/v1/products/${editing.id}`, body())
        : await api("POST", `/api/v1/customers/${customer.id}/products`, body());
      document.getElementById("product-form").hidden = true;
      if (editing) message(`已保存产品 #${saved.id} Saved.`);
      else if (known.has(saved.id)) message(`这位客户已登记过这个序列号：产品 #${saved.id} Already registered as product #${saved.id}.`, "hint");
      else message(`已登记产品 #${saved.id} Added.`);
      editing = null;
      await load();
    } catch (e) { error.textContent = problem(e); }
  }

  function fillSelect(id, values, kind) {
    document.getElementById(id).replaceChildren(...values.map((value) => el("option", {
      value, text: kind ? label(kind, value) : value})));
  }

  let wired = false;
  function wire() {
    if (wired) return;
    wired = true;
    fillSelect("p-category", meta.product_categories);
    fillSelect("p-region", meta.regions, "region");
    document.getElementById("add-product").addEventListener("click", () => openForm(null));
    document.getElementById("p-cancel").addEventListener("click", () => {
      document.getElementById("product-form").hidden = true;
      editing = null;
    });
    document.getElementById("product-form").addEventListener("submit", save);
  }

  async function show(who, vocabulary) {
    customer = who;
    meta = vocabulary;
    wire();
    document.getElementById("product-form").hidden = true;
    document.getElementById("product-result").textContent = "";
    // Nothing personal is added to an erased customer's record.
    document.getElementById("add-product").hidden = !meta.may_edit_customers || Boolean(who.anonymised_at);
    await load();
  }

  return {show};
})();
