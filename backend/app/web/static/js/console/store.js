// The console's one store. Components read these signals and nothing else; every change
// to them goes through a function in this file (the network modules call these with
// what the server said, the components call them for purely local choices).

import { batch, computed, signal } from "./lib.js";

// --- session and library ----------------------------------------------------------------
export const user = signal(null);
export const booting = signal(true);
export const campaigns = signal([]);
export const campaignId = signal(null);
export const characters = signal([]);
export const encounters = signal([]);
export const prefs = signal({
  keybindings: {},
  monster_hp: "average",
  initiative_roll_mode: "normal",
  group_monsters: true,
});
export const prefsStored = signal("server"); // "server" | "local" (server lacks the endpoint)

// --- the open encounter (fed by the DM stream: a snapshot, then one state per version) -
export const encounter = signal(null);
export const events = signal([]); // newest first
export const live = signal("offline");
export const difficulty = signal(null);
// Dice rolled from stat blocks, newest first (this tab only, kept through a reload: the
// encounter's log has no entry for a roll). Each notes the newest event when rolled, so the log panel shows it
// among the events, where it happened.
export const rolls = signal([]);

// --- local choices ----------------------------------------------------------------------
export const selection = signal([]); // combatant ids, in the order picked
export const cursor = signal(null); // the row j/k moved to
export const combatMode = signal(false);
export const panel = signal("log"); // right-hand panel: "log" | "statblock"
export const statblock = signal(null); // {id, who} shown in the panel (who: the combatant's name)
export const dialog = signal(null); // {kind, ...}: one modal at a time
export const toasts = signal({}); // kind -> {id, text, undo, redo}
export const checks = signal([]); // pending concentration checks
export const notes = signal({}); // combatant id -> this turn's reminders for that row
export const hotMode = signal("damage"); // what Enter in the amount box does
export const focusRequest = signal(0); // bumped to focus the amount box

let toastId = 0;
const toastTimers = new Map();

// --- derived ------------------------------------------------------------------------------
// A computed notifies only when its value changes: the layout and the top bar read these,
// not the whole state, so a damage action re-renders the tracker and the log, not them.
export const encounterId = computed(() => encounter.value?.id ?? null);

export const byId = computed(() => new Map((encounter.value?.combatants || []).map((c) => [c.id, c])));

/** The rows in the order the tracker shows them: turn order, then the rest, then delayed.
 * Before combat starts: rolled initiatives first (highest first), then the party, then
 * the monsters kept together by group, in the order they were added. */
export const rows = computed(() => {
  const state = encounter.value;
  if (!state) return [];
  const map = byId.value;
  const delayed = state.combatants.filter((c) => c.status === "delayed");
  const rank = (c) => (c.kind === "character" ? 0 : c.kind === "npc" ? 1 : c.kind === "lair" ? 3 : 2);
  if (state.status === "planning") {
    const added = new Map(state.combatants.map((c, i) => [c.id, i]));
    const groupAt = new Map();
    for (const c of state.combatants) if (c.group && !groupAt.has(c.group)) groupAt.set(c.group, added.get(c.id));
    const at = (c) => (c.group ? groupAt.get(c.group) : added.get(c.id));
    const planned = state.combatants.filter((c) => c.status !== "delayed");
    planned.sort((a, b) => {
      if ((a.initiative === null) !== (b.initiative === null)) return a.initiative === null ? 1 : -1;
      if (a.initiative !== null && a.initiative !== b.initiative) return b.initiative - a.initiative;
      return rank(a) - rank(b) || at(a) - at(b) || added.get(a.id) - added.get(b.id);
    });
    return [...planned, ...delayed];
  }
  const placed = new Set(state.order);
  const ordered = state.order.map((id) => map.get(id)).filter(Boolean);
  const rest = state.combatants.filter((c) => !placed.has(c.id) && c.status !== "delayed");
  rest.sort((a, b) => rank(a) - rank(b));
  return [...ordered, ...rest, ...delayed];
});

export const current = computed(() => {
  const state = encounter.value;
  return state && state.status === "active" ? byId.value.get(state.turn) || null : null;
});

/** Selected combatants that still exist, or the one whose turn it is when none are. */
export const targets = computed(() => {
  const map = byId.value;
  return selection.value.map((id) => map.get(id)).filter(Boolean);
});

export const party = computed(() => (encounter.value?.combatants || []).filter((c) => c.kind === "character"));

// --- session --------------------------------------------------------------------------------
export function signedIn(me) {
  batch(() => {
    user.value = me;
    booting.value = false;
  });
}

export function signedOut() {
  batch(() => {
    user.value = null;
    booting.value = false;
    campaigns.value = [];
    campaignId.value = null;
    characters.value = [];
    encounters.value = [];
    closeEncounter();
  });
}

export function setPrefs(value, where = "server") {
  batch(() => {
    prefs.value = { ...prefs.value, ...value };
    prefsStored.value = where;
  });
}

export const setCampaigns = (items) => (campaigns.value = items);
export function chooseCampaign(id) {
  batch(() => {
    if (campaignId.value !== id) closeEncounter();
    campaignId.value = id;
  });
}
export const setCharacters = (items) => (characters.value = items);
export const setEncounters = (items) => (encounters.value = items);

// --- the encounter -----------------------------------------------------------------------------
export function openEncounter(state) {
  batch(() => {
    closeEncounter();
    encounter.value = state;
    combatMode.value = state.status === "active";
    rolls.value = keptRolls(state.id);
  });
}

export function closeEncounter() {
  batch(() => {
    encounter.value = null;
    events.value = [];
    selection.value = [];
    cursor.value = null;
    difficulty.value = null;
    checks.value = [];
    notes.value = {};
    rolls.value = [];
    live.value = "offline";
  });
}

/** A newer state from the stream or an action's answer; older ones are ignored. */
export function applyState(state, { force = false } = {}) {
  const now = encounter.value;
  if (!now || state.id !== now.id) return;
  if (!force && state.version <= now.version) return;
  batch(() => {
    if (now.status !== state.status && state.status === "active") combatMode.value = true;
    encounter.value = state;
    const ids = new Set(state.combatants.map((c) => c.id));
    if (selection.value.some((id) => !ids.has(id))) selection.value = selection.value.filter((id) => ids.has(id));
    if (cursor.value && !ids.has(cursor.value)) cursor.value = null;
    const listed = encounters.value.find((e) => e.id === state.id);
    if (listed && (listed.status !== state.status || listed.name !== state.name)) {
      encounters.value = encounters.value.map((e) =>
        e.id === state.id ? { ...e, status: state.status, name: state.name } : e,
      );
    }
  });
}

const LOG_KEEP = 2000;

/** Events from the stream, an action's answer or a page of the log; each seq once. */
export function addEvents(items) {
  if (!items.length) return;
  const seen = new Set(events.value.map((e) => e.seq));
  const fresh = items.filter((e) => !seen.has(e.seq));
  if (!fresh.length) return;
  const merged = [...fresh, ...events.value].sort((a, b) => b.seq - a.seq);
  events.value = merged.slice(0, LOG_KEEP);
}

export const setLive = (status) => (live.value = status);
export const setDifficulty = (value) => (difficulty.value = value);
// The tab's rolls outlive a reload (sessionStorage, per encounter), not the tab.
const rollsKey = (id) => `initiative.rolls.${id}`;
function keptRolls(id) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(rollsKey(id)) || "[]");
    return Array.isArray(kept) ? kept : [];
  } catch {
    return [];
  }
}
export function addRoll(roll) {
  const state = encounter.value;
  const after = events.value[0]?.seq ?? 0;
  const id = (rolls.value[0]?.id ?? 0) + 1;
  rolls.value = [{ ...roll, id, after, at: Date.now() }, ...rolls.value].slice(0, 100);
  if (state) {
    try {
      sessionStorage.setItem(rollsKey(state.id), JSON.stringify(rolls.value));
    } catch {
      // Storage full or refused: the rolls stay in this page only.
    }
  }
}

// --- selection (click, shift/ctrl-click, j/k, x) -------------------------------------------------
export function select(id, { toggle = false, range = false } = {}) {
  batch(() => {
    const ids = rows.value.map((c) => c.id);
    if (range && cursor.value && ids.includes(cursor.value)) {
      const [a, b] = [ids.indexOf(cursor.value), ids.indexOf(id)].sort((x, y) => x - y);
      const span = ids.slice(a, b + 1);
      selection.value = [...new Set([...selection.value, ...span])];
    } else if (toggle) {
      selection.value = selection.value.includes(id)
        ? selection.value.filter((x) => x !== id)
        : [...selection.value, id];
    } else {
      selection.value = selection.value.length === 1 && selection.value[0] === id ? [] : [id];
    }
    cursor.value = id;
  });
}

export function selectOnly(ids) {
  batch(() => {
    selection.value = [...ids];
    if (ids.length) cursor.value = ids[ids.length - 1];
  });
}

export const clearSelection = () => (selection.value = []);

/** j/k: move the cursor one row and select just that row (J/K: add it to the selection). */
export function moveCursor(step, { extend = false } = {}) {
  const ids = rows.value.map((c) => c.id);
  if (!ids.length) return null;
  // The first press lands on whoever's turn it is (or the first row), the next ones move.
  const at = ids.indexOf(cursor.value);
  const start = ids.includes(current.value?.id) ? current.value.id : ids[0];
  const next = at < 0 ? start : ids[(at + step + ids.length) % ids.length];
  batch(() => {
    cursor.value = next;
    selection.value = extend ? [...new Set([...selection.value, next])] : [next];
  });
  return next;
}

/** x: add or take the cursor's row out of the selection. */
export function toggleCursor() {
  const id = cursor.value ?? current.value?.id;
  if (id) select(id, { toggle: true });
}

// --- panels, dialogs, modes ---------------------------------------------------------------------
export const setCombatMode = (on) => (combatMode.value = on);
export const showPanel = (name) => (panel.value = name);
export function showStatblock(id, { who = null } = {}) {
  batch(() => {
    statblock.value = id ? { id, who } : null;
    panel.value = id ? "statblock" : "log";
  });
}
export const openDialog = (value) => (dialog.value = value);
export const closeDialog = () => (dialog.value = null);
export function armHotbar(mode) {
  batch(() => {
    hotMode.value = mode;
    focusRequest.value += 1;
  });
}
export const setHotMode = (mode) => (hotMode.value = mode);

// --- toasts: one per kind at a time ---------------------------------------------------------------
export function toast(text, { kind = "info", undo = false, redo = false, ms } = {}) {
  toastId += 1;
  const id = toastId;
  toasts.value = { ...toasts.value, [kind]: { id, text, undo, redo, kind } };
  clearTimeout(toastTimers.get(kind));
  const life = ms ?? (kind === "error" ? 9000 : 6000);
  toastTimers.set(kind, setTimeout(() => dismiss(kind, id), life));
}

export function dismiss(kind, id = null) {
  const shown = toasts.value[kind];
  if (!shown || (id !== null && shown.id !== id)) return;
  const next = { ...toasts.value };
  delete next[kind];
  toasts.value = next;
}

// --- reminders that belong to a row (saves to end a condition, surprise, death saves) -----
/** A new turn: the last turn's row reminders are done with. */
export const clearNotes = () => Object.keys(notes.value).length && (notes.value = {});
export function addNote(id, line) {
  const mine = notes.value[id] || [];
  if (!mine.includes(line)) notes.value = { ...notes.value, [id]: [...mine, line] };
}

// --- concentration checks ----------------------------------------------------------------------------
export function addCheck(check) {
  const others = checks.value.filter((c) => c.combatantId !== check.combatantId);
  checks.value = [...others, { ...check, key: `${check.combatantId}:${check.seq}` }];
}
export const resolveCheck = (key) => (checks.value = checks.value.filter((c) => c.key !== key));
/** Checks for creatures no longer concentrating are moot. */
export function pruneChecks() {
  const map = byId.value;
  const keep = checks.value.filter((c) => map.get(c.combatantId)?.concentration);
  if (keep.length !== checks.value.length) checks.value = keep;
}
