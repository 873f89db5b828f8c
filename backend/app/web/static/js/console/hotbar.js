// The hot path: one amount, applied as damage, healing or temp HP to the whole selection
// (with damage type, critical, magical/silvered/adamantine/spell and the attacker), and one
// condition with a chosen duration, also on the whole selection.

import * as store from "./store.js";
import { act } from "./encounter.js";
import { guard } from "./data.js";
import { html, useEffect, useRef, useState } from "./lib.js";

const DAMAGE_TYPES = ["acid", "bludgeoning", "cold", "fire", "force", "lightning", "necrotic", "piercing", "poison", "psychic", "radiant", "slashing", "thunder"];
const CONDITIONS = ["blinded", "charmed", "deafened", "exhaustion", "frightened", "grappled", "incapacitated", "invisible", "paralyzed", "petrified", "poisoned", "prone", "restrained", "stunned", "unconscious"];
const MODES = { damage: "Damage", heal: "Heal", temp: "Temp HP" };

function Amount({ ids }) {
  const input = useRef(null);
  const [options, setOptions] = useState(false);
  const [flags, setFlags] = useState({ critical: false, magical: false, silvered: false, adamantine: false, spell: false });
  const [damageType, setDamageType] = useState("");
  const [attacker, setAttacker] = useState("");
  const state = store.encounter.value;
  const turn = store.current.value;
  useEffect(() => {
    if (store.focusRequest.value && input.current) input.current.focus();
  }, [store.focusRequest.value]);

  const apply = guard(async (mode = store.hotMode.value) => {
    const value = Number(input.current.value);
    if (!input.current.value.trim() || !Number.isFinite(value) || value < 0) {
      input.current.focus();
      return store.toast("Type an amount first.", { kind: "error" });
    }
    if (!ids.length) return store.toast("Select who it hits first (click a row, or j/k and x).", { kind: "error" });
    const amount = Math.floor(value);
    input.current.value = "";
    let action;
    if (mode === "damage") {
      action = { type: "damage", targets: ids, amount };
      if (damageType) action.damage_type = damageType;
      // Only flags that are set: a server without them still takes plain damage.
      for (const [key, on] of Object.entries(flags)) if (on) action[key] = true;
      const source = attacker || turn?.id;
      if (source && !ids.includes(source)) action.source = source;
      setFlags({ ...flags, critical: false });
    } else action = { type: mode === "heal" ? "heal" : "set_temp_hp", targets: ids, amount };
    await act(action);
  });
  const flag = (key, label) => html`<label class="check"><input type="checkbox" checked=${flags[key]}
    onChange=${(e) => setFlags({ ...flags, [key]: e.currentTarget.checked })} /> ${label}</label>`;
  const others = state.combatants.filter((c) => c.kind !== "lair");
  const armed = (mode) => (store.hotMode.value === mode ? " armed" : "");
  return html`<div class="hot-amount">
    <div class="inline-form">
      <label class="amount-box">Amount <input id="amount" ref=${input} type="number" min="0" max="100000"
        inputmode="numeric" enterkeyhint="done" placeholder="0" title=${`Enter: ${MODES[store.hotMode.value]}, Shift+Enter: Heal`}
        onKeyDown=${(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            apply(e.shiftKey ? "heal" : store.hotMode.value);
          } else if (e.key === "Escape") e.currentTarget.blur();
        }} /></label>
      <button type="button" class=${`btn danger${armed("damage")}`} onClick=${() => apply("damage")}>Damage</button>
      <button type="button" class=${`btn good${armed("heal")}`} onClick=${() => apply("heal")}>Heal</button>
      <button type="button" class=${`btn${armed("temp")}`} onClick=${() => apply("temp")}>Temp HP</button>
      <button type="button" class="btn small ghost options-toggle" aria-expanded=${String(options)}
        onClick=${() => setOptions(!options)}>Options</button>
    </div>
    <div class=${`inline-form options${options ? " shown" : ""}`}>
      <label>Type <select aria-label="Damage type" value=${damageType} onChange=${(e) => setDamageType(e.currentTarget.value)}>
        <option value="">untyped</option>${DAMAGE_TYPES.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
      ${flag("critical", "Critical")}${flag("magical", "Magical")}${flag("silvered", "Silvered")}${flag("adamantine", "Adamantine")}${flag("spell", "Spell")}
      <label>Attacker <select aria-label="Attacker" value=${attacker} onChange=${(e) => setAttacker(e.currentTarget.value)}>
        <option value="">${turn ? `${turn.name} (whose turn)` : "none"}</option>
        ${others.map((c) => html`<option value=${c.id}>${c.name}</option>`)}</select></label>
    </div>
  </div>`;
}

function Condition({ ids }) {
  const [open, setOpen] = useState(false);
  const state = store.encounter.value;
  const turn = store.current.value;
  const add = guard(async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = form.elements;
    const name = f.condition.value.trim();
    if (!name) return f.condition.focus();
    if (!ids.length) return store.toast("Select who it affects first.", { kind: "error" });
    const action = { type: "add_condition", targets: ids, condition: name };
    if (f.rounds.value) {
      const of = f.of.value || turn?.id || ids[0];
      action.duration = { rounds: Number(f.rounds.value), ends: f.ends.value, of };
    }
    if (f.link.value) action.concentration_of = f.link.value;
    if (f.save.value && f.dc.value) action.save = { ability: f.save.value, dc: Number(f.dc.value) };
    await act(action);
    form.reset();
    setOpen(false); // one condition at a time: the form folds away again
  });
  const concentrating = state.combatants.filter((c) => c.concentration);
  return html`<details class="hot-condition" open=${open} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>Condition…</summary>
    ${open && html`<form id="condition-form" class="inline-form" onSubmit=${add}>
      <label class="grow">Condition <input name="condition" list="condition-names" maxlength="100" ref=${(el) => el && !el.dataset.shown && ((el.dataset.shown = "1"), el.focus())} /></label>
      <datalist id="condition-names">${CONDITIONS.map((n) => html`<option value=${n}></option>`)}</datalist>
      <label class="short">Rounds <input name="rounds" type="number" min="1" max="1000" inputmode="numeric" /></label>
      <label>Ends at <select name="ends" aria-label="Ends at"><option value="end">end</option><option value="start">start</option></select></label>
      <label>of whose turn <select name="of" aria-label="of whose turn">
        <option value="">${turn ? `${turn.name} (current)` : "the target"}</option>
        ${state.combatants.map((c) => html`<option value=${c.id}>${c.name}</option>`)}</select></label>
      ${concentrating.length > 0 && html`<label>Ends with concentration of <select name="link">
        <option value="">nobody</option>${concentrating.map((c) => html`<option value=${c.id}>${c.name} (${c.concentration})</option>`)}
      </select></label>`}
      ${!concentrating.length && html`<input type="hidden" name="link" value="" />`}
      <label>Save to end <select name="save" aria-label="Save to end it"><option value="">none</option>
        ${["str", "dex", "con", "int", "wis", "cha"].map((a) => html`<option value=${a}>${a.toUpperCase()}</option>`)}</select></label>
      <label class="short">DC <input name="dc" type="number" min="1" max="40" inputmode="numeric" aria-label="Save DC" /></label>
      <button type="submit" class="btn small primary">Add condition</button>
    </form>`}
  </details>`;
}

export function Hotbar() {
  const state = store.encounter.value;
  // Once combat is over the rules take no damage, healing or conditions: no hot path.
  if (!state || !state.combatants.length || state.status === "ended") return null;
  const chosen = store.targets.value;
  const ids = chosen.map((c) => c.id);
  return html`<section class="hotbar" aria-label="Apply to the selection">
    <p class="hot-targets" aria-live="polite">
      ${chosen.length
        ? html`<strong>${chosen.length} selected:</strong> ${chosen.map((c) => c.name).join(", ")}
            <button type="button" class="btn tiny ghost" onClick=${store.clearSelection}>Clear</button>`
        : html`<span class="muted">Select rows (click, shift/ctrl-click, j/k, x), then type an amount.</span>`}
    </p>
    <${Amount} ids=${ids} />
    <${Condition} ids=${ids} />
  </section>`;
}
