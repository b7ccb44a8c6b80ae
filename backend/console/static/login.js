"use strict";

function nextPage() {
  // Only back into the console: never to another site.
  const next = new URLSearchParams(location.search).get("next") || "";
  return /^\/console\/[^/]/.test(next) && !next.startsWith("/console/login") ? next : "/console/tickets";
}

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const response = await fetch("/console/login", {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify({username: document.getElementById("username").value,
                          password: document.getElementById("password").value}),
  });
  if (response.ok) { location.assign(nextPage()); return; }
  error.textContent = response.status === 429
    ? "尝试次数过多，请稍后再试 (too many attempts, try later)"
    : "用户名或密码错误 (wrong username or password)";
});
