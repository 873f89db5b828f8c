// The player view link: made once per encounter (remembered in this browser), rotated on demand.

import * as store from "./store.js";
import { api } from "../api.js";
import { guard } from "./data.js";
import { html, useState } from "./lib.js";
import { Modal } from "./dialogs.js";

const key = (id) => `initiative.share.${id}`;

export function Share() {
  const state = store.encounter.value;
  const [url, setUrl] = useState(() => localStorage.getItem(key(state.id)));
  const make = guard(async (rotate) => {
    const made = await api(`/api/encounters/${state.id}/share`, { method: "POST" });
    localStorage.setItem(key(state.id), made.url);
    setUrl(made.url);
    if (rotate) store.toast("New player view link made; the old one no longer works.");
  });
  const full = url ? new URL(url, window.location.origin).toString() : "";
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(full);
      store.toast("Link copied.");
    } catch {
      document.getElementById("share-link")?.select();
    }
  };
  return html`<${Modal} title="Player view">
    ${!url && html`<p>Make a link your players open on a TV or their phones. They see what you let them see, live.</p>
      <button type="button" class="btn primary" onClick=${() => make(false)}>Make the link</button>`}
    ${url && html`<label>Link <input id="share-link" readonly value=${full} onFocus=${(e) => e.currentTarget.select()} /></label>
      <div class="button-row">
        <button type="button" class="btn small" onClick=${copy}>Copy</button>
        <a class="btn small" href=${full} target="_blank" rel="noopener">Open</a>
        <button type="button" class="btn small ghost" onClick=${() => make(true)}>New link (the old one stops working)</button>
      </div>
      <p class="muted small">What each side shows is in the encounter settings.</p>`}
  <//>`;
}
