// Toasts: at most one per kind (info, action, reminder, roll, error), each replacing the
// last, with Undo (or Redo) where the action can be taken back. A roll's toast shows only
// where the log is out of sight (narrow screens; see console.css).

import * as store from "./store.js";
import { redo, undo } from "./encounter.js";
import { guard } from "./data.js";
import { html } from "./lib.js";

const ORDER = ["error", "action", "reminder", "roll", "info"];

export function Toasts() {
  const shown = store.toasts.value;
  return html`<div class="toasts" aria-live="polite">
    ${ORDER.filter((kind) => shown[kind]).map((kind) => {
      const t = shown[kind];
      const close = () => store.dismiss(kind, t.id);
      return html`<div key=${t.id} class=${`toast ${kind}`} role=${kind === "error" ? "alert" : "status"}>
        <span>${t.text}</span>
        ${t.undo && html`<button type="button" class="btn tiny" onClick=${guard(async () => (close(), await undo()))}>Undo</button>`}
        ${t.redo && html`<button type="button" class="btn tiny" onClick=${guard(async () => (close(), await redo()))}>Redo</button>`}
        <button type="button" class="toast-close" aria-label="Dismiss" onClick=${close}>×</button>
      </div>`;
    })}
  </div>`;
}
