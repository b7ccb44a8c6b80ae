// Shared by every console page: the session (and its CSRF token), API calls, labels, the header.
// Everything from the API goes into the page with textContent: never as HTML.
"use strict";

const Console = (() => {
  let session = null;

  const LABELS = {
    status: {new: "新建", assigned: "已派工", scheduled: "已预约", in_progress: "处理中",
             resolved: "已解决", closed: "已关闭", cancelled: "已取消", reopened: "重新打开"},
    type: {repair: "维修", installation: "安装", complaint: "投诉",
           return_exchange: "退换货", inquiry: "咨询"},
    priority: {low: "低", normal: "普通", high: "高", urgent: "紧急"},
    state: {waiting: "等待中", active: "对话中", closed: "已结束", callback: "待回电"},
    sla: {overdue: "已超时", due_soon: "即将到期", nearly_due: "即将到期", at_risk: "即将到期",
          on_track: "正常", met: "已达成"},
    team: {supervisor: "主管", agent: "客服", dispatcher: "调度", technician: "技术人员"},
    warranty: {in_warranty: "保修期内", main_parts_only: "仅主要部件在保", expired: "已过保",
               unknown: "未知"},
    coverage: {whole_unit: "整机保修", main_parts_only: "仅主要部件在保", expired: "已过保",
               unknown: "保修未知"},
    region: {mainland: "内地", hong_kong: "香港", taiwan: "台湾"},
    source: {customer: "客户登记", technician: "技术人员", staff: "客服登记"},
    channel: {telegram: "Telegram", webchat: "网页聊天", terminal: "终端"},
    window: {morning: "上午", afternoon: "下午", evening: "晚上"},
  };

  function label(kind, value) {
    if (value === null || value === undefined || value === "") return "—";
    const zh = (LABELS[kind] || {})[value];
    return zh ? `${zh} ${value}` : String(value);
  }

  function loginUrl() {
    const here = location.pathname + location.search;
    return `/console/login?next=${encodeURIComponent(here)}`;
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(typeof detail === "string" ? detail : JSON.stringify(detail));
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = {"Accept": "application/json"};
    const unsafe = !["GET", "HEAD"].includes(method);
    if (unsafe && session) headers["X-CSRF-Token"] = session.csrf_token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {method, headers, credentials: "same-origin",
                                        body: body === undefined ? undefined : JSON.stringify(body)});
    if (response.status === 401) { location.assign(loginUrl()); throw new ApiError(401, "signed out"); }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, data && data.detail !== undefined ? data.detail : text);
    return data;
  }

  let openapiPaths = null;
  async function operation(method, path) {
    // The backend's description of a route, or null (features still being added elsewhere).
    if (openapiPaths === null) {
      try { openapiPaths = (await api("GET", "/openapi.json")).paths || {}; }
      catch (e) { openapiPaths = {}; }
    }
    const entry = openapiPaths[path];
    return (entry && entry[method.toLowerCase()]) || null;
  }

  async function hasRoute(method, path) {
    return Boolean(await operation(method, path));
  }

  async function queryParams(method, path) {
    // The names of a route's query parameters.
    const op = await operation(method, path);
    return new Set(((op && op.parameters) || []).filter((p) => p.in === "query").map((p) => p.name));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return d.toLocaleString("zh-CN", {hour12: false});
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  }

  function header(here) {
    const nav = [["tickets", "/console/tickets", "工单 Tickets"]];
    if (session.may_talk !== false) nav.push(["live", "/console/live", "在线会话 Live chats"]);
    if (session.may_find_customers) nav.push(["customers", "/console/customers", "客户 Customers"]);
    if (session.role !== "technician") nav.push(["stats", "/console/stats", "统计 Statistics"]);
    if (session.may_edit_policies) nav.push(["policies", "/console/policies", "保修政策 Warranty policies"]);
    if (session.may_see_stock) nav.push(["parts", "/console/parts", "配件 Parts"]);
    nav.push(["fees", "/console/fees", "收费标准 Fees"]);
    // Filled in place: the page's empty header already takes its height, so nothing moves
    // under a click made while the page loads (a click on one link landed on another).
    let bar = document.querySelector("body > header");
    if (!bar) { bar = el("header", {}); document.body.prepend(bar); }
    bar.replaceChildren(
      el("strong", {text: "售后服务台 Front desk"}),
      ...nav.map(([key, href, text]) => el("a", {href, class: key === here ? "here" : null, text})),
      el("span", {class: "who", id: "who", text: `${session.display_name} (${session.role})`}),
      el("button", {type: "button", id: "logout", text: "退出 Sign out", onclick: logout}));
  }

  async function logout() {
    try { await api("POST", "/console/logout"); } catch (e) { /* signed out anyway */ }
    location.assign("/console/login");
  }

  async function start(here) {
    // The signed-in staff member and their CSRF token; to the login page without a session.
    session = await api("GET", "/console/session");
    const meta = await api("GET", "/console/meta.json");
    Object.assign(session, {may_talk: meta.may_talk, may_assign: meta.may_assign,
                            may_find_customers: meta.may_find_customers,
                            may_edit_policies: meta.may_edit_policies,
                            may_see_stock: meta.may_see_stock});
    header(here);
    return {session, meta};
  }

  function every(ms, fn) {
    // Run fn now and every ms, never two at once; keeps going after an error.
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try { await fn(); } catch (e) { console.error(e); } finally { busy = false; }
    };
    tick();
    return setInterval(tick, ms);
  }

  function problem(e) {
    // What went wrong, for the person: a 422's fields and reasons, else the message.
    if (e instanceof ApiError && e.status === 403) return "无权限 Not allowed for your role.";
    let detail = null;
    try { detail = JSON.parse(e.message); } catch (ignored) { detail = null; }
    if (Array.isArray(detail)) {
      return detail.map((d) => {
        const field = (d.loc || []).filter((part) => part !== "body").join(".");
        const msg = String(d.msg || "").replace(/^Value error, /, "");
        return field ? `${field}: ${msg}` : msg;
      }).join("; ");
    }
    return String(e.message || e);
  }

  function day(iso) {
    // A date as staff read it: 2026-06-18 (dates come from the API as ISO already).
    return iso || "—";
  }

  return {api, ApiError, el, label, when, duration, start, every, hasRoute, queryParams, LABELS,
          problem, day};
})();
