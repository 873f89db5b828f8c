// Building the encounter: the party, monsters from the library (typo-forgiving search on
// the server), ad hoc combatants, and the difficulty as it changes.

import * as store from "./store.js";
import { api } from "../api.js";
import { guard } from "./data.js";
import { addCombatants } from "./encounter.js";
import { html, useEffect, useRef, useState } from "./lib.js";

export function Difficulty() {
  const rated = store.difficulty.value;
  const state = store.encounter.value;
  if (!state) return null;
  if (!rated) return html`<p id="difficulty" class="difficulty muted small">Difficulty: add the party and some monsters.</p>`;
  const rating = rated.rating || "no party yet";
  const marks = rated.thresholds || rated.budget || {};
  return html`<p id="difficulty" class=${`difficulty rating-${rated.rating || "none"}`} aria-live="polite">
    <strong>Difficulty (${rated.ruleset}): <span class="rating">${rating}</span></strong>
    <span class="muted small"> · ${rated.total_xp} XP${rated.adjusted_xp !== undefined ? ` (adjusted ${rated.adjusted_xp})` : ""}
      ${Object.keys(marks).length ? ` · ${Object.entries(marks).map(([k, v]) => `${k} ${v}`).join(", ")}` : ""}</span>
  </p>`;
}

function Party() {
  const inFight = new Set((store.encounter.value?.combatants || []).map((c) => c.character_id).filter(Boolean));
  const missing = store.characters.value.filter((c) => !inFight.has(c.id));
  const [unticked, setUnticked] = useState(() => new Set());
  if (!store.characters.value.length) return html`<p class="muted small">Add characters to the campaign first.</p>`;
  if (!missing.length) return html`<p class="muted small">Every character is in the encounter.</p>`;
  const toggle = (id) => {
    const next = new Set(unticked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setUnticked(next);
  };
  const add = guard(async () => {
    const ids = missing.filter((c) => !unticked.has(c.id)).map((c) => c.id);
    if (!ids.length) return store.toast("Tick the characters to add.", { kind: "error" });
    await addCombatants({ character_ids: ids });
  });
  return html`<div class="party">
    <ul id="party-list" class="checks">
      ${missing.map(
        (c) => html`<li key=${c.id}><label class="check">
          <input type="checkbox" checked=${!unticked.has(c.id)} onChange=${() => toggle(c.id)} />
          ${c.name} <span class="muted small">${c.current_hp}/${c.max_hp} HP</span></label></li>`,
      )}
    </ul>
    <button type="button" id="add-party" class="btn small primary" onClick=${add}>Add selected characters</button>
  </div>`;
}

function Search() {
  const [q, setQ] = useState("");
  const [found, setFound] = useState(null);
  const seq = useRef(0);
  useEffect(() => {
    const text = q.trim();
    if (!text) return setFound(null);
    const mine = ++seq.current;
    const timer = setTimeout(
      guard(async () => {
        const page = await api(`/api/statblocks?q=${encodeURIComponent(text)}&limit=12`);
        if (mine === seq.current) setFound(page);
      }),
      180,
    );
    return () => clearTimeout(timer);
  }, [q]);
  const add = (m, count) =>
    guard(async () => {
      const prefs = store.prefs.value;
      const body = { statblock_id: m.id, count, hp: prefs.monster_hp || "average" };
      // Same-kind monsters share one initiative, named after the kind in the log.
      if (count > 1 && prefs.group_monsters !== false) body.group = m.name;
      await addCombatants(body);
    });
  return html`<div class="search">
    <label>Find a monster <input id="monster-q" type="search" value=${q} autocomplete="off"
      placeholder="goblin, dragon… (/)" onInput=${(e) => setQ(e.currentTarget.value)} /></label>
    <p id="monster-status" class="muted small" aria-live="polite">
      ${found && (found.total ? `${found.total} found.` : "No monster by that name.")}</p>
    <ul id="monster-results" class="results">
      ${(found?.items || []).map((m) => html`<${Result} key=${m.id} m=${m} add=${add} />`)}
    </ul>
  </div>`;
}

function Result({ m, add }) {
  const [count, setCount] = useState(1);
  return html`<li class="result">
    <button type="button" class="link" aria-label=${`Stat block of ${m.name}`} onClick=${() => store.showStatblock(m.id)}>
      <strong>${m.name}</strong></button>
    <span class="muted small">CR ${m.cr} · AC ${m.ac} · HP ${m.hp}${m.source === "homebrew" ? " · homebrew" : ""}</span>
    <span class="inline-form">
      <input type="number" class="short" min="1" max="50" value=${count} aria-label=${`How many ${m.name}`}
        onInput=${(e) => setCount(Math.max(1, Number(e.currentTarget.value) || 1))} />
      <button type="button" class="btn small primary" aria-label=${`Add ${m.name}`} onClick=${add(m, count)}>Add</button>
    </span>
  </li>`;
}

function AdHoc() {
  const submit = guard(async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const f = form.elements;
    const body = { name: f.name.value.trim(), max_hp: Number(f.max_hp.value) || 1, kind: f.kind.value };
    if (f.ac.value) body.ac = Number(f.ac.value);
    if (f.initiative_bonus.value) body.initiative_bonus = Number(f.initiative_bonus.value);
    if (f.hidden.checked) body.hidden = true;
    if (f.side.value) body.side = f.side.value;
    await addCombatants(body);
    f.name.select();
  });
  return html`<details>
    <summary>Ad hoc combatant</summary>
    <form id="adhoc-form" class="grid-form" onSubmit=${submit}>
      <label class="wide">Name <input name="name" required maxlength="100" /></label>
      <label>Max HP <input name="max_hp" type="number" min="0" max="100000" required /></label>
      <label>AC <input name="ac" type="number" min="0" max="50" /></label>
      <label>Init. bonus <input name="initiative_bonus" type="number" min="-20" max="30" /></label>
      <label>Kind <select name="kind"><option value="monster">Monster</option><option value="npc">NPC</option>
        <option value="lair">Lair</option></select></label>
      <label>Side <select name="side"><option value="">by kind</option><option value="party">party</option>
        <option value="enemies">enemies</option><option value="neutral">neutral</option></select></label>
      <label class="check wide"><input name="hidden" type="checkbox" /> Hidden from players</label>
      <button type="submit" class="btn small primary">Add</button>
    </form>
  </details>`;
}

export function Builder() {
  if (!store.encounter.value) return null;
  return html`<section class="card builder" aria-labelledby="builder-title">
    <h2 id="builder-title">Add to ${store.encounter.value.name}</h2>
    <${Difficulty} />
    <h3>Party</h3>
    <${Party} />
    <h3>Monsters</h3>
    <${Search} />
    <${AdHoc} />
  </section>`;
}
