// The party's initiative in one form: each PC's roll in a stable Tab order, Enter rolls
// the rest (monsters by group, in the chosen roll mode), and combat can start at once.

import * as store from "./store.js";
import { act } from "./encounter.js";
import { guard } from "./data.js";
import { html } from "./lib.js";
import { Modal } from "./dialogs.js";

export function InitiativePrompt() {
  const state = store.encounter.value;
  if (!state) return null;
  // In the order they joined, whatever their rolls: the Tab order never moves under the DM.
  // defaultValue, not value: a frame from the stream must not wipe what is being typed.
  const pcs = state.combatants.filter((c) => c.kind === "character");
  const planning = state.status === "planning";
  const submit = guard(async (event) => {
    event.preventDefault();
    // Read the whole form first: each answer re-renders it with the server's values.
    const f = event.currentTarget.elements;
    const typed = new Map();
    for (const pc of pcs) {
      const raw = f[`pc-${pc.id}`].value.trim();
      if (raw !== "") typed.set(pc.id, Number(raw));
    }
    const mode = f.mode.value;
    const reroll = f.reroll.checked;
    const start = planning && f.start.checked;
    const surprised = state.combatants.filter((c) => f[`surprised-${c.id}`]?.checked).map((c) => c.id);
    for (const pc of pcs) {
      if (typed.has(pc.id) && typed.get(pc.id) !== pc.initiative) {
        await act({ type: "set_initiative", combatant_id: pc.id, initiative: typed.get(pc.id) });
      }
    }
    const rest = store.encounter.value.combatants
      .filter((c) => !typed.has(c.id) && (reroll || c.initiative === null))
      .map((c) => c.id);
    store.closeDialog();
    if (rest.length) {
      const action = { type: "roll_initiative", combatants: rest, mode };
      if (surprised.length) action.surprised = surprised;
      await act(action);
    }
    if (start) await act({ type: "start_combat" });
  });
  return html`<${Modal} title="Roll initiative">
    <form id="initiative-form" onSubmit=${submit}>
      ${pcs.length > 0 && html`<fieldset class="pc-rolls"><legend>The party's rolls (leave blank to roll for them)</legend>
        ${pcs.map(
          (pc, i) => html`<label key=${pc.id}>${pc.name}
            <input name=${`pc-${pc.id}`} type="number" inputmode="numeric" min="-20" max="100"
              defaultValue=${pc.initiative ?? ""} aria-label=${`${pc.name}'s initiative roll`} autofocus=${i === 0} /></label>`,
        )}
      </fieldset>`}
      <div class="inline-form">
        <label>The rest roll with <select name="mode" value=${store.prefs.value.initiative_roll_mode || "normal"}>
          <option value="normal">normal</option><option value="advantage">advantage</option><option value="disadvantage">disadvantage</option>
        </select></label>
        <label class="check"><input type="checkbox" name="reroll" /> Re-roll those who have one</label>
        ${planning && html`<label class="check"><input type="checkbox" name="start" checked /> Start combat</label>`}
      </div>
      ${planning && html`<details><summary>Surprised (2014)</summary><div class="checks">
        ${state.combatants.map((c) => html`<label class="check" key=${c.id}><input type="checkbox" name=${`surprised-${c.id}`} /> ${c.name}</label>`)}
      </div></details>`}
      <div class="button-row end"><button type="submit" class="btn primary">Roll the rest</button></div>
    </form>
  <//>`;
}
