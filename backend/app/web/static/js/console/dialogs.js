// One modal at a time (store.dialog), on the native <dialog>: focus stays inside, Esc closes.

import * as store from "./store.js";
import { html, useEffect, useRef } from "./lib.js";
import { guard } from "./data.js";

/** A modal shell: title, body, and the close button. */
export function Modal({ title, onClose = store.closeDialog, wide = false, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current;
    if (el && !el.open) el.showModal();
    const cancel = (event) => {
      event.preventDefault();
      onClose();
    };
    el.addEventListener("cancel", cancel);
    return () => el.removeEventListener("cancel", cancel);
  }, []);
  return html`<dialog ref=${ref} class=${`modal${wide ? " wide" : ""}`} aria-label=${title}>
    <header class="modal-head">
      <h2>${title}</h2>
      <button type="button" class="btn ghost small" aria-label="Close" onClick=${onClose}>×</button>
    </header>
    <div class="modal-body">${children}</div>
  </dialog>`;
}

/** "Are you sure?" for what cannot be taken back in one click. */
export function Confirm({ title, text, yes, run }) {
  const go = guard(async () => {
    store.closeDialog();
    await run();
  });
  return html`<${Modal} title=${title}>
    <p>${text}</p>
    <div class="button-row end">
      <button type="button" class="btn" onClick=${store.closeDialog}>Cancel</button>
      <button type="button" class="btn danger" onClick=${go} autofocus>${yes}</button>
    </div>
  <//>`;
}

export function confirm(title, text, yes, run) {
  store.openDialog({ kind: "confirm", title, text, yes, run });
}
