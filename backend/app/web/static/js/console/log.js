// The encounter's log (newest first; undone lines marked) and this tab's dice rolls.

import * as store from "./store.js";
import { guard } from "./data.js";
import { undo } from "./encounter.js";
import { html, useState } from "./lib.js";
import { richText } from "./text.js";

const PAGE = 60;

export function Log() {
  const [shown, setShown] = useState(PAGE);
  const all = store.events.value;
  const undone = new Set(all.map((e) => e.undo_of).filter((s) => s !== null && s !== undefined));
  const rolls = store.rolls.value;
  return html`<section class="card log-panel" aria-labelledby="log-title">
    <div class="title-line">
      <h2 id="log-title">Log</h2>
      <button type="button" id="log-undo" class="btn tiny" onClick=${guard(undo)}>Undo last</button>
    </div>
    ${rolls.length > 0 && html`<ul class="rolls" aria-label="Dice rolled">
      ${rolls.slice(0, 5).map((r) => html`<li key=${r.at}><strong>${r.label}</strong>: ${richText(r.breakdown)}</li>`)}
    </ul>`}
    <ol id="log" class="log" reversed>
      ${all.slice(0, shown).map(
        (e) => html`<li key=${e.seq} class=${undone.has(e.seq) ? "undone" : e.undo_of ? "undo" : ""}>
          <span class="text">${richText(e.text)}</span>
          ${undone.has(e.seq) && html` <span class="badge muted-badge">undone</span>`}
        </li>`,
      )}
    </ol>
    ${all.length > shown && html`<button type="button" class="btn tiny ghost" onClick=${() => setShown(shown + PAGE * 4)}>Older entries</button>`}
  </section>`;
}
