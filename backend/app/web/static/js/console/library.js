// The import dialog (stat blocks: 5e-bits, Improved Initiative, ours; encounters: ours,
// Improved Initiative) and the homebrew stat block editor.

import * as store from "./store.js";
import { api } from "../api.js";
import { guard, importEncounter } from "./data.js";
import { html, useState } from "./lib.js";
import { Modal } from "./dialogs.js";

export function ImportDialog() {
  const [text, setText] = useState("");
  const [what, setWhat] = useState("statblock");
  const load = async (event) => {
    const file = event.currentTarget.files?.[0];
    if (file) setText(await file.text());
  };
  const submit = guard(async (event) => {
    event.preventDefault();
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      return store.toast("That is not JSON.", { kind: "error" });
    }
    if (what === "statblock") {
      const made = await api("/api/statblocks/import", { method: "POST", body: doc });
      store.closeDialog();
      store.toast(`${made.name} is in your homebrew.`);
      store.showStatblock(made.id);
    } else {
      if (!store.campaignId.value) return store.toast("Choose a campaign first.", { kind: "error" });
      await importEncounter(JSON.stringify(doc));
      store.closeDialog();
      store.toast("Encounter imported.");
    }
  });
  return html`<${Modal} title="Import" wide>
    <form id="import-form" onSubmit=${submit}>
      <fieldset class="inline-form"><legend>What is it?</legend>
        <label class="check"><input type="radio" name="what" checked=${what === "statblock"} onChange=${() => setWhat("statblock")} />
          A stat block (5e-bits / dnd5eapi, Improved Initiative, or ours)</label>
        <label class="check"><input type="radio" name="what" checked=${what === "encounter"} onChange=${() => setWhat("encounter")} />
          An encounter (ours, or Improved Initiative's)</label>
      </fieldset>
      <label>File <input type="file" accept="application/json,.json" onChange=${load} /></label>
      <label>Or paste the JSON <textarea rows="10" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea></label>
      <div class="button-row end">
        <button type="button" class="btn" onClick=${() => store.openDialog({ kind: "homebrew" })}>Write a homebrew stat block…</button>
        <button type="submit" class="btn primary">Import</button>
      </div>
    </form>
  <//>`;
}

const ENTRY = /^([^.]{1,200})\.\s*(.*)$/;
const toLines = (items) => (items || []).map((i) => `${i.name}. ${i.desc}`).join("\n");
const fromLines = (text) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const m = ENTRY.exec(line);
      return m ? { name: m[1].trim(), desc: m[2].trim() } : { name: line.slice(0, 200), desc: "" };
    });

export function HomebrewEditor({ block }) {
  const b = block || { name: "", size: "medium", type: "humanoid", ac: 12, hp: 10, challenge_rating: 0.25, abilities: {} };
  const abilities = ["str", "dex", "con", "int", "wis", "cha"];
  const save = guard(async (event) => {
    event.preventDefault();
    const f = event.currentTarget.elements;
    const body = {
      name: f.name.value.trim(),
      size: f.size.value,
      type: f.type.value.trim(),
      ac: Number(f.ac.value),
      hp: Number(f.hp.value),
      challenge_rating: f.cr.value.trim(),
      abilities: Object.fromEntries(abilities.map((a) => [a, Number(f[a].value) || 10])),
      traits: fromLines(f.traits.value),
      actions: fromLines(f.actions.value),
      reactions: fromLines(f.reactions.value),
      legendary_actions: fromLines(f.legendary.value),
    };
    if (f.hit_dice.value.trim()) body.hit_dice = f.hit_dice.value.trim();
    const saved = block
      ? await api(`/api/statblocks/${block.id}`, { method: "PATCH", body })
      : await api("/api/statblocks", { method: "POST", body });
    store.closeDialog();
    store.toast(`${saved.name} saved to your homebrew.`);
    store.showStatblock(saved.id);
  });
  const area = (name, label, value) => html`<label class="wide">${label} <span class="muted small">(one per line: “Name. What it does”)</span>
    <textarea name=${name} rows="3" value=${value} aria-label=${label}></textarea></label>`;
  return html`<${Modal} title=${block ? `Edit ${b.name}` : "New homebrew stat block"} wide>
    <form id="homebrew-form" class="grid-form" onSubmit=${save}>
      <label class="wide">Name <input name="name" required maxlength="200" value=${b.name} /></label>
      <label>Size <select name="size" value=${b.size}>${["tiny", "small", "medium", "large", "huge", "gargantuan"].map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      <label>Type <input name="type" required maxlength="60" value=${b.type} /></label>
      <label>AC <input name="ac" type="number" min="0" max="50" required value=${b.ac} /></label>
      <label>HP <input name="hp" type="number" min="1" max="10000" required value=${b.hp} /></label>
      <label>Hit dice <input name="hit_dice" placeholder="2d6" value=${b.hit_dice || ""} /></label>
      <label>CR <input name="cr" required value=${b.cr ?? b.challenge_rating} /></label>
      ${abilities.map((a) => html`<label key=${a}>${a.toUpperCase()} <input name=${a} type="number" min="1" max="30" value=${b.abilities?.[a] ?? 10} /></label>`)}
      ${area("traits", "Traits", toLines(b.traits))}
      ${area("actions", "Actions", toLines(b.actions))}
      ${area("reactions", "Reactions", toLines(b.reactions))}
      ${area("legendary", "Legendary actions", toLines(b.legendary_actions))}
      <div class="button-row end wide"><button type="submit" class="btn primary">Save stat block</button></div>
    </form>
  <//>`;
}
