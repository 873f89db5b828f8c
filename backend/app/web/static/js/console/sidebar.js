// Campaigns, their encounters (open, rename, duplicate, export, delete) and characters
// (add, edit, delete).

import * as store from "./store.js";
import * as data from "./data.js";
import * as roster from "./roster.js";
import { html, useState } from "./lib.js";
import { Modal, confirm } from "./dialogs.js";

const { guard } = data;
const formValues = (form) => {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "number") {
      if (el.value.trim() !== "") out[el.name] = Number(el.value);
    } else if (el.type === "checkbox") out[el.name] = el.checked;
    else out[el.name] = el.value.trim();
  }
  return out;
};

export function Campaigns() {
  const create = guard(async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    await data.createCampaign(formValues(form).name);
    form.reset();
  });
  return html`<section class="card" aria-labelledby="campaigns-title">
    <h2 id="campaigns-title">Campaigns</h2>
    <ul id="campaign-list" class="pick-list">
      ${store.campaigns.value.length === 0 && html`<li class="muted">No campaigns yet.</li>`}
      ${store.campaigns.value.map(
        (c) => html`<li key=${c.id}>
          <button type="button" class="pick" aria-current=${c.id === store.campaignId.value ? "true" : null}
            onClick=${guard(() => data.chooseCampaign(c.id))}>${c.name}</button>
        </li>`,
      )}
    </ul>
    <form id="campaign-form" class="inline-form" onSubmit=${create}>
      <label class="grow">New campaign <input name="name" required maxlength="200" /></label>
      <button type="submit" class="btn small">Create</button>
    </form>
  </section>`;
}

export function Encounters() {
  if (!store.campaignId.value) return null;
  const open = store.encounter.value?.id;
  const create = guard(async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const values = formValues(form);
    await data.createEncounter({ name: values.name, ruleset: values.ruleset });
    form.reset();
  });
  return html`<section class="card" aria-labelledby="encounters-title">
    <h2 id="encounters-title">Encounters</h2>
    <ul id="encounter-list" class="pick-list">
      ${store.encounters.value.length === 0 && html`<li class="muted">No encounters yet.</li>`}
      ${store.encounters.value.map(
        (e) => html`<li key=${e.id} class="pick-row">
          <button type="button" class="pick" aria-current=${e.id === open ? "true" : null}
            onClick=${guard(() => data.openEncounter(e.id))}>
            ${e.name} <span class=${`badge status-${e.status}`}>${e.status}</span>
          </button>
          <details class="menu">
            <summary aria-label=${`Manage ${e.name}`}>⋯</summary>
            <div class="menu-body" onClick=${(event) => event.target.closest("button") && (event.currentTarget.closest("details").open = false)}>
              <button type="button" class="btn small" onClick=${() => store.openDialog({ kind: "rename", item: e })}>Rename</button>
              <button type="button" class="btn small" onClick=${guard(() => data.duplicateEncounter(e))}>Duplicate</button>
              <button type="button" class="btn small" onClick=${guard(() => data.exportEncounter(e))}>Export</button>
              <button type="button" class="btn small danger"
                onClick=${() => confirm(`Delete ${e.name}?`, "The encounter and its log are deleted for good.", "Delete", () => data.deleteEncounter(e))}>Delete</button>
            </div>
          </details>
        </li>`,
      )}
    </ul>
    <form id="encounter-form" class="inline-form" onSubmit=${create}>
      <label class="grow">New encounter <input name="name" required maxlength="200" /></label>
      <label>Rules <select name="ruleset"><option value="2014">2014</option><option value="2024">2024</option></select></label>
      <button type="submit" class="btn small">Create</button>
    </form>
    <button type="button" class="btn small ghost" onClick=${() => store.openDialog({ kind: "import" })}>Import…</button>
  </section>`;
}

export function Rename({ item }) {
  const save = guard(async (event) => {
    event.preventDefault();
    await data.renameEncounter(item, formValues(event.currentTarget).name);
    store.closeDialog();
  });
  return html`<${Modal} title=${`Rename ${item.name}`}>
    <form onSubmit=${save}>
      <label>Name <input name="name" required maxlength="200" value=${item.name} autofocus /></label>
      <div class="button-row end"><button type="submit" class="btn primary">Save</button></div>
    </form>
  <//>`;
}

function CharacterForm({ character, onDone }) {
  const c = character || {};
  const save = guard(async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const saved = await roster.saveCharacter(formValues(form), character?.id);
    store.toast(character ? `${saved.name} saved.` : `${saved.name} joins the party.`);
    if (onDone) onDone();
    else {
      form.reset();
      form.elements.name.focus();
    }
  });
  return html`<form id=${character ? null : "character-form"} class="grid-form" onSubmit=${save}>
    <label class="wide">Name <input name="name" required maxlength="100" value=${c.name} /></label>
    <label class="wide">Player <input name="player_name" maxlength="100" value=${c.player_name || ""} /></label>
    <label>Level <input name="level" type="number" min="1" max="20" value=${c.level ?? 1} /></label>
    <label>AC <input name="ac" type="number" min="0" max="50" value=${c.ac ?? 10} /></label>
    <label>Max HP <input name="max_hp" type="number" min="1" max="10000" required value=${c.max_hp} /></label>
    ${character && html`<label>Current HP <input name="current_hp" type="number" min="0" max="10000" value=${c.current_hp} /></label>`}
    <label>Init. bonus <input name="initiative_bonus" type="number" min="-10" max="30" value=${c.initiative_bonus ?? 0} /></label>
    <button type="submit" class="btn primary small">${character ? "Save" : "Add character"}</button>
  </form>`;
}

export function EditCharacter({ character }) {
  return html`<${Modal} title=${`Edit ${character.name}`}>
    <${CharacterForm} character=${character} onDone=${store.closeDialog} />
  <//>`;
}

function hpOf(character, combatant) {
  if (combatant && store.encounter.value?.status === "active") return `${combatant.hp}/${combatant.max_hp} HP in combat`;
  return `${character.current_hp}/${character.max_hp} HP`;
}

export function Characters() {
  const [adding, setAdding] = useState(false);
  if (!store.campaignId.value) return null;
  // In the open encounter a character's HP are the encounter's, live from the stream.
  const fighting = new Map(
    (store.encounter.value?.combatants || []).filter((c) => c.character_id).map((c) => [c.character_id, c]),
  );
  return html`<section class="card" aria-labelledby="characters-title">
    <h2 id="characters-title">Characters</h2>
    <ul id="character-list" class="pick-list">
      ${store.characters.value.length === 0 && html`<li class="muted">No characters yet.</li>`}
      ${store.characters.value.map(
        (c) => html`<li key=${c.id} class="pick-row">
          <span class="grow"><strong>${c.name}</strong>
            <span class="muted small"> Lv ${c.level} · AC ${c.ac} · ${hpOf(c, fighting.get(c.id))}</span></span>
          <button type="button" class="btn small ghost" aria-label=${`Edit ${c.name}`}
            onClick=${() => store.openDialog({ kind: "character", character: c })}>Edit</button>
          <button type="button" class="btn small ghost" aria-label=${`Delete ${c.name}`}
            onClick=${() => confirm(`Delete ${c.name}?`, "The character leaves the campaign (encounters keep their copy).", "Delete", () => roster.deleteCharacter(c))}>✕</button>
        </li>`,
      )}
    </ul>
    <details open=${adding} onToggle=${(e) => setAdding(e.currentTarget.open)}>
      <summary>Add a character</summary>
      ${adding && html`<${CharacterForm} />`}
    </details>
  </section>`;
}
