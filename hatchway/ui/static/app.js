// hatchway review inbox: keyboard shortcuts, claim heartbeat, hold-window countdown,
// local times. Served from /static (CSP script-src 'self'); no inline script anywhere.
"use strict";

(function () {
  document.documentElement.classList.add("js");
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function post(url) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
      credentials: "same-origin",
      keepalive: true,
    });
  }

  // Times are stored and rendered in UTC; show them in the reader's zone.
  function localTimes() {
    document.querySelectorAll("time[data-local]").forEach((el) => {
      const at = new Date(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      const long = el.dataset.local === "long";
      el.textContent = long
        ? at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" })
        : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      el.title = at.toString();
    });
  }

  // --- keyboard shortcuts -------------------------------------------------------------
  function typing(target) {
    const tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function openPanel(id) {
    const panel = document.getElementById(id);
    if (!panel) return;
    document.querySelectorAll("details.action[open]").forEach((d) => d !== panel && (d.open = false));
    panel.open = true;
    const field = panel.querySelector("select, input:not([type=hidden])");
    if (field) field.focus();
    panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function activate(el) {
    if (el.disabled || el.closest("fieldset[disabled]") || el.closest("[hidden]")) return false;
    if (el.dataset.open) openPanel(el.dataset.open);
    else if (el.tagName === "TEXTAREA" || el.tagName === "INPUT") el.focus();
    else el.click();
    return true;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey) {
      if (event.key === "Enter" && event.target.closest("form[data-editor]")) {
        event.preventDefault();
        event.target.closest("form").requestSubmit();
      }
      return;
    }
    if (event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const list = document.querySelector("table[data-list]");
    if (list && listKeys(event, list)) return;
    const el = document.querySelector('[data-shortcut="' + CSS.escape(event.key) + '"]');
    if (el && activate(el)) event.preventDefault();
  }

  // j/k/Enter move through the inbox list.
  function listKeys(event, list) {
    const rows = Array.from(list.querySelectorAll("tbody tr[data-href]"));
    if (!rows.length || !["j", "k", "Enter"].includes(event.key)) return false;
    let index = rows.findIndex((r) => r.classList.contains("cursor"));
    if (event.key === "Enter") {
      if (index >= 0) window.location.href = rows[index].dataset.href;
      return index >= 0;
    }
    index = event.key === "j" ? Math.min(rows.length - 1, index + 1) : Math.max(0, index - 1);
    rows.forEach((r) => r.classList.remove("cursor"));
    rows[index].classList.add("cursor");
    rows[index].scrollIntoView({ block: "nearest" });
    event.preventDefault();
    return true;
  }

  // --- the claim: renewed while the page is open, released when moving on ----------------
  function claim() {
    const chip = document.querySelector("[data-heartbeat-url]");
    if (!chip) return;
    const every = Math.max(15, Number(chip.dataset.every) || 60) * 1000;
    setInterval(async () => {
      if (document.hidden) return;
      try {
        const answer = await (await post(chip.dataset.heartbeatUrl)).json();
        if (!answer.held) {
          chip.textContent = answer.holder ? "now held by " + answer.holder : "claim lost";
          chip.className = "chip held";
        }
      } catch (e) { /* offline for a moment: the next beat tries again */ }
    }, every);
    document.querySelectorAll("a[data-release]").forEach((a) =>
      a.addEventListener("click", () => { post(chip.dataset.releaseUrl); })
    );
  }

  // --- after Send: the hold window counts down; Undo while it lasts -----------------------
  function followStatus(box) {
    const countdown = box.querySelector("[data-countdown]");
    const undo = box.querySelector("form[data-undo]");
    const reload = box.hasAttribute("data-reload-when-settled");
    let seen = null;
    const tick = async () => {
      let s;
      try { s = await (await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })).json(); }
      catch (e) { return setTimeout(tick, 2000); }
      const state = s.pending ? "pending" : (s.outbox_state || s.status);
      if (reload && seen !== null && state !== seen) return window.location.reload();
      seen = state;
      if (undo) undo.hidden = s.outbox_state !== "held";
      if (countdown) {
        if (s.pending) countdown.textContent = "waiting for the worker…";
        else if (s.outbox_state === "held") countdown.textContent = "sending in " + Math.ceil(s.seconds_left) + " s";
        else if (s.outbox_state === "sending") countdown.textContent = "sending now…";
        else if (s.outbox_state === "sent") countdown.textContent = "sent ✓";
        else if (s.outbox_state === "cancelled") countdown.textContent = "undone";
        else countdown.textContent = s.status.replace("_", " ");
      }
      const final = !s.pending && ["sent", "cancelled", "returned"].includes(s.outbox_state);
      if (!final || reload) setTimeout(tick, 1000);
    };
    tick();
  }

  // --- the editor: say when the draft was changed ----------------------------------------
  function editor() {
    const form = document.querySelector("form[data-editor]");
    if (!form) return;
    const label = form.querySelector("[data-send-label]");
    const fields = form.querySelectorAll("input[name=subject], textarea[name=body]");
    const changed = () => Array.from(fields).some((f) => f.value !== f.defaultValue);
    const update = () => {
      label.firstChild.textContent = changed() ? "Send edited " : "Send ";
    };
    fields.forEach((f) => f.addEventListener("input", update));
    form.addEventListener("submit", () => label.setAttribute("disabled", ""));
  }

  function help() {
    const dialog = document.querySelector("dialog[data-help-dialog]");
    const button = document.querySelector("[data-help]");
    if (dialog && button) button.addEventListener("click", () => dialog.showModal());
  }

  function rowLinks() {
    document.querySelectorAll("tr[data-href]").forEach((row) =>
      row.addEventListener("click", (event) => {
        if (event.target.closest("a, button, form")) return;
        window.location.href = row.dataset.href;
      })
    );
  }

  document.addEventListener("DOMContentLoaded", () => {
    localTimes();
    claim();
    editor();
    help();
    rowLinks();
    document.querySelectorAll("[data-status-url]").forEach(followStatus);
    document.addEventListener("keydown", onKey);
  });
})();
