// The console's keyboard actions (Improved Initiative's hot path) and their default keys;
// the DM's own keys come from their settings.

import * as store from "./store.js";

export const ACTIONS = {
  damage: { key: "t", label: "Damage the selection" },
  heal: { key: "h", label: "Heal the selection" },
  temp: { key: "y", label: "Temp HP for the selection" },
  condition: { key: "g", label: "Add a condition to the selection" },
  hide: { key: "v", label: "Hide or reveal the selection" },
  next: { key: "n", label: "Next turn" },
  previous: { key: "p", label: "Previous turn" },
  down: { key: "j", label: "Select the next row" },
  up: { key: "k", label: "Select the previous row" },
  extendDown: { key: "J", label: "Add the next row to the selection" },
  extendUp: { key: "K", label: "Add the previous row to the selection" },
  toggle: { key: "x", label: "Add or remove the row from the selection" },
  turn: { key: "c", label: "Select whoever's turn it is" },
  initiative: { key: "r", label: "Roll initiative (party prompt)" },
  statblock: { key: "s", label: "Stat block of the selection" },
  undo: { key: "u", label: "Undo" },
  redo: { key: "U", label: "Redo" },
  search: { key: "/", label: "Find a monster" },
  combat: { key: "m", label: "Combat mode on or off" },
  help: { key: "?", label: "These shortcuts" },
};

/** action -> key, the DM's choices over the defaults. */
export function bindings() {
  const mine = store.prefs.value.keybindings || {};
  const out = {};
  for (const [action, { key }] of Object.entries(ACTIONS)) out[action] = mine[action] || key;
  return out;
}
