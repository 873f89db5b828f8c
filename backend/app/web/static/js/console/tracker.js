// The combat tracker: the turn banner and controls, the order of rows, and the summary.

import * as store from "./store.js";
import { act, redo, undo } from "./encounter.js";
import { guard } from "./data.js";
import { html, useEffect, useLayoutEffect, useRef } from "./lib.js";
import { confirm } from "./dialogs.js";
import { Row } from "./row.js";
import { Hotbar } from "./hotbar.js";
import { Checks } from "./checks.js";
import { STATUS_LABELS } from "../format.js";

function bannerText(state, turn) {
  if (state.status === "planning") return "Planning: roll initiative, then start combat.";
  if (state.status === "ended") return `Combat ended after ${state.round} round(s).`;
  return turn ? `Round ${state.round}: ${turn.name}'s turn` : `Round ${state.round}`;
}

export const endCombat = () =>
  confirm("End combat?", "The summary is shown and the party's HP are saved to the campaign. Undo can take it back.", "End combat", () =>
    act({ type: "end_combat" }),
  );

export const nextTurn = () => store.encounter.value?.status === "active" && act({ type: "next_turn" });
export const previousTurn = () => store.encounter.value?.status === "active" && act({ type: "previous_turn" });
export const openInitiative = () => store.encounter.value?.status !== "ended" && store.openDialog({ kind: "initiative" });

function Controls({ state }) {
  const planning = state.status === "planning";
  const active = state.status === "active";
  const none = !state.combatants.length;
  return html`<div class="controls" role="toolbar" aria-label="Combat">
    ${state.status !== "ended" && html`<button type="button" id="roll-initiative" class="btn small" disabled=${none} onClick=${openInitiative}>Roll initiative</button>`}
    ${planning && html`<button type="button" id="start-combat" class="btn small primary" disabled=${none}
      onClick=${guard(() => act({ type: "start_combat" }))}>Start combat</button>`}
    ${active && html`<button type="button" class="btn small" aria-label="Previous turn" onClick=${guard(previousTurn)}>◀ Previous</button>
      <button type="button" id="next-turn" class="btn small primary" aria-label="Next turn" onClick=${guard(nextTurn)}>Next turn ▶</button>`}
    <button type="button" class="btn small" aria-label="Undo" title="Undo (u)" onClick=${guard(undo)}>↶<span class="long"> Undo</span></button>
    <button type="button" class="btn small" aria-label="Redo" title="Redo (shift+u)" onClick=${guard(redo)}>↷<span class="long"> Redo</span></button>
    ${active && html`<button type="button" id="end-combat" class="btn small danger" onClick=${endCombat}>End combat</button>`}
  </div>`;
}

function Summary({ state }) {
  const s = state.summary;
  if (state.status !== "ended" || !s) return null;
  return html`<section id="summary" class="card summary" aria-labelledby="summary-title">
    <h2 id="summary-title">Combat summary</h2>
    <p>${s.rounds} round(s). ${s.xp_total} XP earned, ${s.xp_per_character} per character. Characters' hit points were saved to the campaign.</p>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Combatant</th><th scope="col">Status</th><th scope="col">Dealt</th><th scope="col">Taken</th></tr></thead>
      <tbody>${s.combatants.map(
        (c) => html`<tr key=${c.id || c.name}><th scope="row">${c.name}</th>
          <td>${c.status === "active" ? "Standing" : STATUS_LABELS[c.status] || c.status}</td>
          <td>${c.damage_dealt}</td><td>${c.damage_taken}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

/** What has the focus inside the order (and its caret), read before a render moves rows. */
function focusInOrder() {
  const el = document.activeElement;
  if (!el || !el.closest?.("#order")) return null;
  const caret = typeof el.selectionStart === "number" ? [el.selectionStart, el.selectionEnd] : null;
  return { el, caret };
}

/** Moving a row in the DOM (a re-sort: an initiative typed, a turn delayed) takes the focus
 * from whatever was in it; rows are keyed, so the same element is still there: focus it
 * again, caret and all, before the frame is painted. */
function useFocusKept() {
  const held = useRef(null);
  held.current = focusInOrder();
  useLayoutEffect(() => {
    const was = held.current;
    if (!was || !was.el.isConnected || document.activeElement === was.el) return;
    if (document.activeElement && document.activeElement !== document.body) return; // moved on
    was.el.focus({ preventScroll: true });
    if (was.caret) was.el.setSelectionRange(...was.caret);
  });
}

export function Tracker() {
  const state = store.encounter.value;
  const turn = store.current.value;
  useFocusKept();
  useEffect(() => {
    if (!turn) return;
    const row = document.querySelector(`.row[data-id="${CSS.escape(turn.id)}"]`);
    if (row && !row.matches(":focus-within")) row.scrollIntoView({ block: "nearest" });
  }, [turn?.id]);
  if (!state) return null;
  const chosen = new Set(store.selection.value);
  const cursor = store.cursor.value;
  const rows = store.rows.value;
  return html`<section class="tracker" aria-labelledby="encounter-name">
    <header class="tracker-head">
      <div class="title-line">
        <h2 id="encounter-name">${state.name}</h2>
        <span id="encounter-status" class=${`badge status-${state.status}`}>${state.status}</span>
        <span id="live-indicator" class="live" data-state=${store.live.value}>
          ${{ live: "live", connecting: "connecting…", offline: "offline" }[store.live.value]}</span>
      </div>
      <p id="turn-banner" class="turn-banner" aria-live="polite">${bannerText(state, turn)}</p>
      <${Controls} state=${state} />
    </header>
    <${Checks} />
    <${Summary} state=${state} />
    <h3 id="order-title" class="sr-only">Initiative order</h3>
    <div class="order-head" aria-hidden="true"><span>Init</span><span>Name</span><span></span><span></span><span>HP</span><span>AC</span><span></span></div>
    <ol id="order" class=${`order${state.status === "ended" ? " ended" : ""}`} aria-labelledby="order-title">
      ${rows.map(
        (c) => html`<${Row} key=${c.id} c=${c} status=${state.status} isTurn=${state.status === "active" && state.turn === c.id}
          selected=${chosen.has(c.id)} cursor=${cursor === c.id} />`,
      )}
    </ol>
    ${!rows.length && html`<p id="order-empty" class="muted">Nobody here yet: add the party and some monsters.</p>`}
    <${Hotbar} />
  </section>`;
}
