// The open encounter over the network: its DM stream (a snapshot, then one state per
// version) and the actions the console sends, one at a time, each with If-Match.

import { ApiError, api, session, socketUrl } from "../api.js";
import { LiveStream } from "../live.js";
import * as store from "./store.js";
import { loadCharacters } from "./roster.js";

// --- the DM stream ---------------------------------------------------------------------------
const stream = new LiveStream(
  (since) => socketUrl(`/api/encounters/${store.encounter.value.id}/ws`, { since: since ?? undefined }),
  {
    // The token rides in the subprotocol pair, never in the URL.
    protocols: () => ["bearer", session.token],
    onMessage: (message) => {
      if (message.event) noticeEvents([message.event]);
      if (message.state) store.applyState(message.state);
      if (message.type === "snapshot") refreshEvents().catch(() => {});
      store.pruneChecks();
    },
    onStatus: (status) => store.setLive(status),
    onDrop: async ({ opened, code }) => {
      if ([4401, 4403, 4404].includes(code)) {
        store.toast("This encounter is no longer open to you.", { kind: "error" });
        return false;
      }
      if (opened || !store.encounter.value) return Boolean(store.encounter.value);
      try {
        await api(`/api/encounters/${store.encounter.value.id}`);
        return true;
      } catch (error) {
        return error instanceof ApiError && error.status === 0;
      }
    },
  },
);

export function closeLive() {
  stream.stop();
}

export async function openEncounterById(id) {
  const state = await api(`/api/encounters/${id}`);
  stream.stop();
  store.openEncounter(state);
  stream.start(state.version);
  await refreshEvents();
  refreshDifficulty();
}

export async function reload() {
  const state = store.encounter.value;
  if (!state) return;
  store.applyState(await api(`/api/encounters/${state.id}`), { force: true });
  await refreshEvents();
}

/** The log from the newest seq we hold (the whole log on opening). */
export async function refreshEvents() {
  const state = store.encounter.value;
  if (!state) return;
  const after = store.events.value[0]?.seq ?? 0;
  const page = await api(`/api/encounters/${state.id}/events?after=${after}&limit=1000`);
  if (store.encounter.value?.id === state.id) store.addEvents(page.items);
}

let difficultyTimer = null;
/** The encounter's difficulty, fetched a moment after the roster changes. */
export function refreshDifficulty() {
  clearTimeout(difficultyTimer);
  difficultyTimer = setTimeout(async () => {
    const state = store.encounter.value;
    if (!state) return;
    try {
      const rated = await api(`/api/encounters/${state.id}/difficulty`);
      if (store.encounter.value?.id === state.id) store.setDifficulty(rated);
    } catch {
      store.setDifficulty(null);
    }
  }, 150);
}

// --- reminders: concentration becomes a prompt, legendary lines stay on their row ----------------
// "Aria: concentration check, Con save DC 10 (Bless); -4 from exhaustion." (the note is
// what exhaustion does to the save: -2 a level in 2024, disadvantage from level 3 in 2014)
const CONCENTRATION = /^(.+?): concentration check.*?DC (\d+)(?: \(([^)]+)\))?(?:; ([^.]+))?/i;
const TURN_EVENTS = new Set(["turn_advanced", "turn_reverted", "combat_started", "combat_ended"]);

/** The combatant a reminder line is about ("Goblin 1: DC 13 Wisdom save…"), if any. */
function aboutWhom(line) {
  const all = [...(store.encounter.value?.combatants || [])].sort((a, b) => b.name.length - a.name.length);
  return all.find((c) => line.startsWith(`${c.name}:`) || line.startsWith(`${c.name} `)) || null;
}
const LEGENDARY = /legendary actions? left/i;
const noticed = new Set();

function noticeEvents(items) {
  store.addEvents(items);
  for (const event of items) {
    if (noticed.has(event.seq)) continue;
    noticed.add(event.seq);
    // Ending combat (or undoing that) writes the party's HP to the campaign.
    if (event.type === "combat_ended" || event.type === "undo" || event.type === "redo") loadCharacters().catch(() => {});
    if (TURN_EVENTS.has(event.type)) store.clearNotes();
    for (const line of event.reminders || []) {
      const check = CONCENTRATION.exec(line);
      if (check) {
        const who = store.encounter.value?.combatants.find((c) => c.name === check[1]);
        if (who) {
          store.addCheck({ combatantId: who.id, name: who.name, dc: Number(check[2]), spell: check[3] || who.concentration, note: check[4] || "", seq: event.seq });
          continue;
        }
      }
      if (LEGENDARY.test(line)) continue; // the row shows what is left
      const who = aboutWhom(line);
      if (who) store.addNote(who.id, line.slice(who.name.length).replace(/^:\s*/, "").trim());
      else store.toast(line, { kind: "reminder" });
    }
  }
}

// --- actions -----------------------------------------------------------------------------------
let queue = Promise.resolve();
// What each action says in the "action" toast (with Undo, or Redo after an undo).
const TOASTED = {
  remove_combatant: "Removed: ",
  end_combat: "Combat ended: ",
  undo: "Undone: ",
  redo: "Redone: ",
  damage: "",
  heal: "",
  set_temp_hp: "",
  add_condition: "",
  set_hidden: "",
  set_dead: "",
};

function enqueue(run) {
  queue = queue.then(run, run);
  return queue;
}

/** Send one action; the answer's state goes into the store before the next is sent. */
export function act(action, { quiet = false } = {}) {
  return enqueue(() => send("POST", `/api/encounters/${store.encounter.value?.id}/actions`, action, quiet));
}

export function addCombatants(body) {
  return enqueue(() => send("POST", `/api/encounters/${store.encounter.value?.id}/combatants`, body, true));
}

async function send(method, path, body, quiet) {
  const state = store.encounter.value;
  if (!state) return null;
  try {
    const result = await api(path, { method, body, version: state.version });
    noticeEvents(result.events);
    store.applyState(result.state);
    store.pruneChecks();
    if (body?.type === "add_combatants" || path.endsWith("/combatants") || ["remove_combatant", "update_combatant", "update_settings", "undo", "redo"].includes(body?.type)) refreshDifficulty();
    const said = TOASTED[body?.type];
    if (said !== undefined && !quiet && result.events.length) {
      const text = result.events.map((e) => e.text).join(" ");
      const undone = body.type === "undo";
      store.toast(`${said}${text}`, { kind: "action", undo: !undone, redo: undone, ms: 5000 });
    }
    if (!stream.isLive) await refreshEvents();
    return result;
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await reload().catch(() => {});
      store.toast("The encounter changed in another window, so it was reloaded. Check it and try again.", {
        kind: "error",
      });
      return null;
    }
    throw error;
  }
}

export const undo = () => act({ type: "undo" });
export const redo = () => act({ type: "redo" });

/** Online again: catch up at once rather than at the next backoff. */
window.addEventListener("online", () => {
  const state = store.encounter.value;
  if (state && !stream.isLive) stream.start(state.version);
});
