// Concentration checks as a prompt: the DC (and what exhaustion does to the save), then Pass
// (keeps it) or Fail (ends it).

import * as store from "./store.js";
import { act } from "./encounter.js";
import { guard } from "./data.js";
import { html } from "./lib.js";

export function Checks() {
  const pending = store.checks.value;
  if (!pending.length) return null;
  return html`<section class="checks-prompt" role="region" aria-label="Concentration checks">
    ${pending.map((check) => {
      const fail = guard(async () => {
        store.resolveCheck(check.key);
        await act({ type: "set_concentration", combatant_id: check.combatantId, spell: null });
      });
      return html`<div class="check-item" key=${check.key}>
        <span><strong>${check.name}</strong>: concentration on ${check.spell || "a spell"}, Con save <strong>DC ${check.dc}</strong>${check.note && html`, <strong class="check-note">${check.note}</strong>`}</span>
        <span class="button-row">
          <button type="button" class="btn small good" aria-label=${`${check.name} passes the concentration check`}
            onClick=${() => store.resolveCheck(check.key)}>Pass</button>
          <button type="button" class="btn small danger" aria-label=${`${check.name} fails the concentration check`} onClick=${fail}>Fail</button>
        </span>
      </div>`;
    })}
  </section>`;
}
