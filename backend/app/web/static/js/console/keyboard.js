// Keyboard shortcuts: one listener on the document, the DM's bindings, the "?" list.

import * as store from "./store.js";
import { act, redo, undo } from "./encounter.js";
import { guard } from "./data.js";
import { html } from "./lib.js";
import { Modal } from "./dialogs.js";
import { ACTIONS, bindings } from "./keys.js";
import { nextTurn, openInitiative, previousTurn } from "./tracker.js";

function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)) return true;
  return target.tagName === "INPUT" && !["button", "checkbox", "radio", "submit", "reset"].includes(target.type);
}

function focusCondition() {
  const details = document.querySelector(".hot-condition");
  if (!details) return;
  if (details.open) details.querySelector("input[name=condition]")?.focus();
  else details.open = true; // the form focuses its first field as it opens
}

function hideSelection() {
  const chosen = store.targets.value;
  if (!chosen.length) return;
  const hide = chosen.some((c) => !c.hidden);
  return Promise.all(chosen.map((c) => act({ type: "set_hidden", combatant_id: c.id, hidden: hide })));
}

function scrollToCursor() {
  const id = store.cursor.value;
  const row = id && document.querySelector(`.row[data-id="${CSS.escape(id)}"]`);
  if (row) row.scrollIntoView({ block: "nearest" });
}

const RUN = {
  damage: () => store.armHotbar("damage"),
  heal: () => store.armHotbar("heal"),
  temp: () => store.armHotbar("temp"),
  condition: focusCondition,
  hide: hideSelection,
  next: nextTurn,
  previous: previousTurn,
  down: () => (store.moveCursor(1), requestAnimationFrame(scrollToCursor)),
  up: () => (store.moveCursor(-1), requestAnimationFrame(scrollToCursor)),
  extendDown: () => (store.moveCursor(1, { extend: true }), requestAnimationFrame(scrollToCursor)),
  extendUp: () => (store.moveCursor(-1, { extend: true }), requestAnimationFrame(scrollToCursor)),
  toggle: store.toggleCursor,
  turn: () => store.current.value && store.selectOnly([store.current.value.id]),
  initiative: openInitiative,
  statblock: () => {
    const block = store.targets.value.find((c) => c.statblock_id);
    if (block) store.showStatblock(block.statblock_id, { who: block.name });
  },
  undo,
  redo,
  search: () => document.getElementById("monster-q")?.focus(),
  combat: () => store.setCombatMode(!store.combatMode.value),
  help: () => store.openDialog({ kind: "keys" }),
};

function onKey(event) {
  if (event.key === "Escape" && !store.dialog.value) {
    if (typing(event.target)) event.target.blur();
    else store.clearSelection();
    return;
  }
  if (event.ctrlKey || event.metaKey) {
    if (typing(event.target) || !store.encounter.value) return;
    const key = event.key.toLowerCase();
    if (key === "z" || key === "y") {
      event.preventDefault();
      guard(key === "y" || event.shiftKey ? redo : undo)();
    }
    return;
  }
  if (event.altKey || typing(event.target) || store.dialog.value) return;
  const keys = bindings();
  const action = Object.keys(keys).find((name) => keys[name] === event.key);
  if (!action) return;
  if (action !== "help" && !store.encounter.value) return;
  event.preventDefault();
  guard(async () => RUN[action]())();
}

/** Open menus (the "⋯" ones) close on a click outside them, and on Esc. */
function closeMenus(except = null) {
  for (const menu of document.querySelectorAll("details.menu[open]")) if (menu !== except) menu.open = false;
}

export function installKeyboard() {
  document.addEventListener("keydown", onKey);
  document.addEventListener("keydown", (event) => event.key === "Escape" && closeMenus());
  document.addEventListener("click", (event) => closeMenus(event.target.closest?.("details.menu")));
}

export function KeysHelp() {
  const keys = bindings();
  return html`<${Modal} title="Keyboard shortcuts">
    <dl id="shortcuts" class="keys-list">
      ${Object.entries(ACTIONS).map(([action, { label }]) => html`<div key=${action}><dt><kbd>${keys[action]}</kbd></dt><dd>${label}</dd></div>`)}
      <div><dt><kbd>Enter</kbd></dt><dd>In the amount box: apply (Shift+Enter heals)</dd></div>
      <div><dt><kbd>Ctrl+Z</kbd> / <kbd>Ctrl+Y</kbd></dt><dd>Undo / redo</dd></div>
      <div><dt><kbd>Esc</kbd></dt><dd>Leave a field, or clear the selection</dd></div>
      <div><dt>Click, Shift/Ctrl-click</dt><dd>Select one row, a range, or add a row</dd></div>
    </dl>
    <p class="muted small">Change the keys in your settings.</p>
  <//>`;
}
