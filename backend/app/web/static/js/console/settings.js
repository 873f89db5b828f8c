// Settings: this encounter's (sent as one update_settings action) and the DM's own
// (GET/PUT /api/auth/me/settings), each in its own dialog.

import * as store from "./store.js";
import { act } from "./encounter.js";
import { guard, savePrefs, signOut } from "./data.js";
import { html } from "./lib.js";
import { Modal } from "./dialogs.js";
import { ACTIONS, bindings } from "./keys.js";

const SIDES = [
  ["players", "Player characters"],
  ["allies", "Allies"],
  ["enemies", "Enemies"],
];

/** Only what changed is sent, so a server without a newer field still takes the rest. */
function changed(before, after) {
  const out = {};
  for (const [key, value] of Object.entries(after)) {
    if (value && typeof value === "object") {
      const inner = changed(before?.[key] || {}, value);
      if (Object.keys(inner).length) out[key] = inner;
    } else if (before?.[key] !== value) out[key] = value;
  }
  return out;
}

export function EncounterSettings() {
  const state = store.encounter.value;
  const s = state.settings;
  const pv = s.player_view;
  const save = guard(async (event) => {
    event.preventDefault();
    const f = event.currentTarget.elements;
    const next = {
      ruleset: f.ruleset.value,
      tie_policy: f.tie_policy.value,
      skip_down_monsters: f.skip_down_monsters.checked,
      in_lair: f.in_lair.checked,
      monster_death_saves: f.monster_death_saves.checked,
      player_view: {
        show_round: f.show_round.checked,
        turn_timer: f.turn_timer.checked,
        active_on_top: f.active_on_top.checked,
      },
    };
    for (const [side] of SIDES) {
      next.player_view[side] = { show_hp: f[`${side}-hp`].value, show_conditions: f[`${side}-conditions`].checked };
    }
    // Compared with what the form showed, so a field this server lacks is not sent unchanged.
    const shown = {
      ...s,
      ruleset: state.ruleset,
      monster_death_saves: Boolean(s.monster_death_saves),
      player_view: { ...pv, show_round: pv.show_round ?? true, turn_timer: Boolean(pv.turn_timer), active_on_top: Boolean(pv.active_on_top) },
    };
    const patch = changed(shown, next);
    store.closeDialog();
    if (Object.keys(patch).length) await act({ type: "update_settings", ...patch });
  });
  const check = (name, label, on) => html`<label class="check"><input type="checkbox" name=${name} checked=${Boolean(on)} /> ${label}</label>`;
  return html`<${Modal} title="Encounter settings">
    <form id="encounter-settings" class="settings" onSubmit=${save}>
      <label>Rules edition <select name="ruleset" value=${state.ruleset} disabled=${state.status === "active"}>
        <option value="2014">2014 (SRD 5.1)</option><option value="2024">2024</option></select></label>
      ${state.status === "active" && html`<p class="muted small">The edition can change before or after combat, not during it.</p>`}
      <label>Initiative ties <select name="tie_policy" value=${s.tie_policy}>
        <option value="dex">higher Dexterity first</option><option value="pcs_first">PCs first</option>
        <option value="monsters_first">monsters first</option><option value="random">random</option></select></label>
      ${check("skip_down_monsters", "Skip monsters at 0 HP", s.skip_down_monsters)}
      ${check("monster_death_saves", "Monsters make death saves", s.monster_death_saves)}
      ${check("in_lair", "In its lair (lair actions, more legendary actions)", s.in_lair)}
      <fieldset><legend>Player view</legend>
        ${check("show_round", "Show the round counter", pv.show_round ?? true)}
        ${check("turn_timer", "Show a turn timer", pv.turn_timer)}
        ${check("active_on_top", "Whoever's turn it is on top", pv.active_on_top)}
        ${SIDES.map(
          ([side, label]) => html`<div class="inline-form" key=${side}>
            <label>${label}: HP <select name=${`${side}-hp`} value=${pv[side].show_hp}>
              <option value="exact">exact numbers</option><option value="status">healthy / bloodied / down</option><option value="none">nothing</option>
            </select></label>
            ${check(`${side}-conditions`, "conditions", pv[side].show_conditions)}
          </div>`,
        )}
      </fieldset>
      <div class="button-row end"><button type="submit" class="btn primary">Save settings</button></div>
    </form>
  <//>`;
}

export function UserSettings() {
  const p = store.prefs.value;
  const keys = bindings();
  const save = guard(async (event) => {
    event.preventDefault();
    const f = event.currentTarget.elements;
    const keybindings = {};
    for (const action of Object.keys(ACTIONS)) {
      const key = f[`key-${action}`].value.trim();
      if (key && key !== ACTIONS[action].key) keybindings[action] = key;
    }
    await savePrefs({
      monster_hp: f.monster_hp.value,
      initiative_roll_mode: f.initiative_roll_mode.value,
      group_monsters: f.group_monsters.checked,
      keybindings,
    });
    store.closeDialog();
    store.toast(store.prefsStored.value === "server" ? "Settings saved." : "Settings saved in this browser only.");
  });
  return html`<${Modal} title="Your settings" wide>
    <form id="user-settings" class="settings" onSubmit=${save}>
      <label>Monster HP <select name="monster_hp" value=${p.monster_hp}>
        <option value="average">average</option><option value="rolled">rolled</option></select></label>
      <label>Initiative roll mode <select name="initiative_roll_mode" value=${p.initiative_roll_mode}>
        <option value="normal">normal</option><option value="advantage">advantage</option><option value="disadvantage">disadvantage</option></select></label>
      <label class="check"><input type="checkbox" name="group_monsters" checked=${p.group_monsters !== false} /> Same-kind monsters share one initiative</label>
      <fieldset class="keys"><legend>Keyboard shortcuts</legend>
        ${Object.entries(ACTIONS).map(
          ([action, { label }]) => html`<label key=${action}>${label} <input name=${`key-${action}`} value=${keys[action]} maxlength="12" /></label>`,
        )}
      </fieldset>
      <div class="button-row end">
        <button type="button" class="btn ghost" onClick=${() => (store.closeDialog(), signOut())}>Sign out</button>
        <button type="submit" class="btn primary">Save</button></div>
    </form>
  <//>`;
}
