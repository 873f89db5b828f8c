// One combatant's row: initiative, name (click to select), what is on it right now
// (conditions, concentration, reaction, legendary actions, death saves), HP, and a menu.

import * as store from "./store.js";
import { act } from "./encounter.js";
import { guard } from "./data.js";
import { Component, h, html, useState } from "./lib.js";
import { confirm } from "./dialogs.js";
import { STATUS_LABELS, hpFraction } from "../format.js";

const DOWN = ["down", "dead", "unconscious", "stable"];

function onRowClick(event, id) {
  if (event.target.closest("input, button, select, details, a, label, textarea")) return;
  store.select(id, { toggle: event.ctrlKey || event.metaKey, range: event.shiftKey });
}

function conditionText(k) {
  let label = k.name;
  if (k.level) label += ` ${k.level}`;
  const d = k.duration;
  if (d?.rounds) label += ` · ${d.rounds} rd, ${d.ends}`;
  if (k.save) label += ` · DC ${k.save.dc} ${k.save.ability}`;
  return label;
}

function Chips({ c }) {
  return c.conditions.map(
    (k) => html`<button type="button" class="chip" key=${k.name}
      aria-label=${`Remove ${k.name} from ${c.name}`} title="Remove"
      onClick=${guard(() => act({ type: "remove_condition", targets: [c.id], condition: k.name }))}>
      ${conditionText(k)}<span aria-hidden="true"> ×</span></button>`,
  );
}

function DeathSaves({ c }) {
  const pips = (n, cls) => [0, 1, 2].map((i) => html`<span class=${`pip ${cls}${i < n ? " on" : ""}`}></span>`);
  const save = (result, label) => html`<button type="button" class="btn tiny"
    aria-label=${`Death save ${label.toLowerCase()} for ${c.name}`}
    onClick=${guard(() => act({ type: "death_save", combatant_id: c.id, result }))}>${label}</button>`;
  return html`<span class="death-saves">
    <span class="pips" aria-label=${`${c.death_saves.successes} successes`}>${pips(c.death_saves.successes, "ok")}</span>
    <span class="pips" aria-label=${`${c.death_saves.failures} failures`}>${pips(c.death_saves.failures, "bad")}</span>
    ${c.status === "unconscious" && html`${save("success", "Pass")}${save("failure", "Fail")}${save("critical_success", "Nat 20")}`}
  </span>`;
}

function Resources({ c, active }) {
  const la = c.legendary_actions;
  return html`<span class="resources">
    ${la.max > 0 && html`<button type="button" class="res" disabled=${!la.remaining || !active}
      aria-label=${`Legendary action for ${c.name} (${la.remaining} of ${la.max} left)`}
      onClick=${guard(() => act({ type: "use_legendary_action", combatant_id: c.id }))}>
      LA ${"●".repeat(la.remaining)}${"○".repeat(Math.max(0, la.max - la.remaining))}</button>`}
    ${c.legendary_resistances.max > 0 && html`<button type="button" class="res" disabled=${!c.legendary_resistances.remaining}
      aria-label=${`Legendary resistance for ${c.name} (${c.legendary_resistances.remaining} left)`}
      onClick=${guard(() => act({ type: "use_legendary_resistance", combatant_id: c.id }))}>LR ${c.legendary_resistances.remaining}</button>`}
    ${active && c.kind !== "lair" && html`<button type="button" class=${`res${c.reaction_used ? " used" : ""}`}
      disabled=${c.reaction_used} aria-label=${c.reaction_used ? `${c.name} has used its reaction` : `Use reaction of ${c.name}`}
      onClick=${guard(() => act({ type: "use_reaction", combatant_id: c.id }))}>${c.reaction_used ? "R used" : "R"}</button>`}
  </span>`;
}

function Menu({ c, status }) {
  const [open, setOpen] = useState(false);
  const [spell, setSpell] = useState("");
  const active = status === "active";
  const update = (patch) => guard(() => act({ type: "update_combatant", combatant_id: c.id, ...patch }));
  const setAc = guard(async (event) => {
    event.preventDefault();
    const raw = event.currentTarget.elements.ac.value.trim();
    const ac = raw === "" ? null : Number(raw);
    if (ac === c.ac) return;
    await act({ type: "update_combatant", combatant_id: c.id, ac });
  });
  const concentrate = guard(async (event) => {
    event.preventDefault();
    if (!spell.trim()) return;
    event.currentTarget.closest("details").open = false;
    await act({ type: "set_concentration", combatant_id: c.id, spell: spell.trim() });
    setSpell("");
  });
  const remove = () =>
    confirm(`Remove ${c.name}?`, "Undo brings it back.", "Remove", () =>
      act({ type: "remove_combatant", combatant_id: c.id }),
    );
  // A button in the menu does its thing and closes the menu.
  const closeOnButton = (event) => {
    if (event.target.closest("button:not([type=submit])")) event.currentTarget.closest("details").open = false;
  };
  return html`<details class="menu row-menu" onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary aria-label=${`More actions for ${c.name}`}>⋯</summary>
    ${open && html`<div class="menu-body" onClick=${closeOnButton}>
      <div class="button-row">
        <button type="button" class="btn small" aria-pressed=${String(c.hidden)} aria-label=${`${c.hidden ? "Reveal" : "Hide"} ${c.name}`}
          onClick=${guard(() => act({ type: "set_hidden", combatant_id: c.id, hidden: !c.hidden }))}>${c.hidden ? "Reveal" : "Hide"}</button>
        ${active && c.status === "active" && c.kind !== "lair" && html`<button type="button" class="btn small"
          aria-label=${`Delay ${c.name}`} onClick=${guard(() => act({ type: "delay", combatant_id: c.id }))}>Delay</button>`}
        ${c.status === "delayed" && html`<button type="button" class="btn small" aria-label=${`Resume ${c.name} now`}
          onClick=${guard(() => act({ type: "resume", combatant_id: c.id }))}>Resume now</button>`}
        ${c.statblock_id && html`<button type="button" class="btn small" aria-label=${`Stat block of ${c.name}`}
          onClick=${() => store.showStatblock(c.statblock_id, { who: c.name })}>Stat block</button>`}
        ${c.kind !== "character" && c.hp === 0 && html`<button type="button" class="btn small"
          aria-label=${c.status === "dead" ? `Mark ${c.name} down, not dead` : `Mark ${c.name} dead`}
          onClick=${guard(() => act({ type: "set_dead", combatant_id: c.id, dead: c.status !== "dead" }))}>
          ${c.status === "dead" ? "Down, not dead" : "Dead"}</button>`}
      </div>
      <form class="inline-form" onSubmit=${concentrate}>
        <label class="grow">Concentrating on <input value=${spell} maxlength="100" aria-label=${`Spell ${c.name} concentrates on`}
          onInput=${(e) => setSpell(e.currentTarget.value)} /></label>
        <button type="submit" class="btn small">Concentrate</button>
        ${c.concentration && html`<button type="button" class="btn small" aria-label=${`End concentration of ${c.name}`}
          onClick=${guard(() => act({ type: "set_concentration", combatant_id: c.id, spell: null }))}>End</button>`}
      </form>
      ${(c.qualified_defences || []).length > 0 && html`<fieldset class="defences"><legend>Defences that hold only sometimes</legend>
        ${c.qualified_defences.map(
          (d, i) => html`<label class="check" key=${i}><input type="checkbox" checked=${d.active}
            onChange=${(e) => update({ qualified_defences: c.qualified_defences.map((x, j) => (j === i ? { ...x, active: e.currentTarget.checked } : x)) })()} />
            ${d.kind} to ${d.text}</label>`,
        )}
      </fieldset>`}
      <form class="inline-form" onSubmit=${setAc}>
        <label>Armour class <input name="ac" class="ac-box" type="number" min="0" max="100" inputmode="numeric"
          defaultValue=${c.ac ?? ""} aria-label=${`Armour class of ${c.name}`} /></label>
        <button type="submit" class="btn small">Set AC</button>
      </form>
      <div class="inline-form">
        <label>Side <select value=${c.side || (c.kind === "character" ? "party" : "enemies")} aria-label=${`Side of ${c.name}`}
          onChange=${(e) => update({ side: e.currentTarget.value })()}>
          <option value="party">Party</option><option value="enemies">Enemies</option><option value="neutral">Neutral</option>
        </select></label>
        <label class="check"><input type="checkbox" checked=${Boolean(c.surprised)} aria-label=${`${c.name} is surprised`}
          onChange=${(e) => update({ surprised: e.currentTarget.checked })()} /> Surprised</label>
        <button type="button" class="btn small danger" aria-label=${`Remove ${c.name} from the encounter`} onClick=${remove}>Remove</button>
      </div>
    </div>`}
  </details>`;
}

const WHOLE = /^-?\d{1,4}$/;

/** The row's initiative box: Enter (or leaving it) sends what was typed, and the box keeps
 * the focus while the order re-sorts around it (the tracker puts it back; see tracker.js).
 * A text box, not type=number: no spinner to squeeze "25" on a phone, and a caret to keep. */
function Initiative({ c }) {
  const send = guard(async (box) => {
    const value = box.value.trim();
    if (value === "" || value === box.dataset.sent) return;
    if (!WHOLE.test(value)) {
      box.value = c.initiative ?? "";
      store.toast("Initiative is a whole number.", { kind: "error" });
      return;
    }
    if (Number(value) === c.initiative) return;
    box.dataset.sent = value; // Enter, then leaving the box, sends it once
    try {
      await act({ type: "set_initiative", combatant_id: c.id, initiative: Number(value) });
    } finally {
      delete box.dataset.sent;
    }
  });
  const onKeyDown = (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    send(e.currentTarget);
  };
  return html`<input class="init" type="text" inputmode="numeric" autocomplete="off" maxlength="5"
    value=${c.initiative ?? ""} aria-label=${`Initiative of ${c.name}`}
    onChange=${(e) => send(e.currentTarget)} onKeyDown=${onKeyDown} />`;
}

function RowView({ c, status, isTurn, selected, cursor }) {
  const active = status === "active";
  const down = DOWN.includes(c.status);
  const cls = ["row", c.kind, isTurn && "current", selected && "selected", cursor && "cursor", c.hidden && "is-hidden", down && "is-down"]
    .filter(Boolean)
    .join(" ");
  const fraction = hpFraction(c.hp, c.max_hp);
  const level = fraction > 0.5 ? "ok" : fraction > 0 ? "low" : "out";
  const dying = c.kind === "character" && c.hp === 0 && ["unconscious", "stable", "dead"].includes(c.status);
  return html`<li class=${cls} data-id=${c.id} aria-current=${isTurn ? "step" : null} onClick=${(e) => onRowClick(e, c.id)}>
    <${Initiative} c=${c} />
    <button type="button" class="who" aria-pressed=${String(selected)} aria-label=${`Select ${c.name}`}
      onClick=${(e) => store.select(c.id, { toggle: e.ctrlKey || e.metaKey, range: e.shiftKey })}>
      <span class="name" title=${c.name}>${c.name}</span>
      ${c.alias && html`<span class="alias muted small">“${c.alias}”</span>`}
      <span class="who-ac muted">AC ${c.ac ?? "—"}</span>
    </button>
    <span class="tags">
      ${c.kind === "character" ? html`<span class="badge kind">PC</span>` : c.kind !== "monster" && html`<span class="badge kind">${c.kind}</span>`}
      ${c.status !== "active" && html`<span class=${`badge status-${c.status}`}>${STATUS_LABELS[c.status] ?? c.status}</span>`}
      ${c.side && c.side !== (c.kind === "character" || c.kind === "npc" ? "party" : "enemies") &&
      html`<span class=${`badge side-${c.side}`} title="Side">${c.side === "party" ? "ally" : c.side === "enemies" ? "enemy" : "neutral"}</span>`}
      ${c.hidden && html`<span class="badge hidden-flag" title="Hidden from players">hidden</span>`}
      ${c.surprised && html`<span class="badge">surprised</span>`}
      ${c.concentration && html`<span class="badge conc" title="Concentrating">◎ ${c.concentration}</span>`}
      <${Chips} c=${c} />
      ${(store.notes.value[c.id] || []).map((line) => html`<span class="note" key=${line}>⚑ ${line}</span>`)}
      ${dying && html`<${DeathSaves} c=${c} />`}
    </span>
    <${Resources} c=${c} active=${active} />
    ${c.kind !== "lair"
      ? html`<span class="hp">
          <span class="hp-text">${c.hp}/${c.max_hp}${c.temp_hp ? html`<span class="temp"> +${c.temp_hp}</span>` : ""}</span>
          <span class="hp-bar" data-level=${level} aria-hidden="true"><span class="hp-fill" style=${{ width: `${Math.round(fraction * 100)}%` }}></span></span>
        </span>`
      : html`<span class="hp"></span>`}
    <span class="ac" title=${c.ac === null || c.ac === undefined ? "No armour class given: set one in the ⋯ menu" : "Armour class"}>${c.ac ?? "—"}</span>
    <${Menu} c=${c} status=${status} />
  </li>`;
}

/** A row re-renders only when its combatant or its place in the fight changed: every
 * state is new JSON, so the combatant is compared by its serialised form. */
export class Row extends Component {
  shouldComponentUpdate(next) {
    const p = this.props;
    return (
      p.selected !== next.selected ||
      p.cursor !== next.cursor ||
      p.status !== next.status ||
      p.isTurn !== next.isTurn ||
      (p.c !== next.c && JSON.stringify(p.c) !== JSON.stringify(next.c))
    );
  }

  render(props) {
    return h(RowView, props);
  }
}
