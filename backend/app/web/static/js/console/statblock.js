// The full stat block of a combatant or a search result. Attack bonuses and damage dice
// are buttons that roll through POST /api/dice/roll; each result goes into the log panel
// (beside the encounter's events, which stay visible under the block) and atop the block.

import * as store from "./store.js";
import { api } from "../api.js";
import { guard } from "./data.js";
import { html, useEffect, useRef, useState } from "./lib.js";
import { RollText } from "./text.js";

const DICE = /([+-]\d+) to hit|(\d+d\d+(?:\s*[+-]\s*\d+)?)/g;
const mod = (score) => Math.floor((score - 10) / 2);
const signed = (n) => (n >= 0 ? `+${n}` : String(n));

async function roll(expression, label, who) {
  const result = await api("/api/dice/roll", { method: "POST", body: { expression }, auth: false });
  store.addRoll({ who, label, breakdown: result.breakdown, total: result.total });
  // On a phone the log is far below the block: the total comes up as a toast too.
  store.toast(`${who ? `${who} ` : ""}${label}: ${result.total} (${result.breakdown.replace(/`|\*\*/g, "")})`, { kind: "roll" });
}

/** A description with its dice as buttons. */
function Described({ text, label, who }) {
  const out = [];
  let last = 0;
  for (const m of String(text).matchAll(DICE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const expression = m[1] ? `1d20${m[1]}` : m[2].replace(/\s+/g, "");
    const what = m[1] ? `${label}: to hit` : `${label}: ${expression}`;
    out.push(html`<button type="button" class="dice" aria-label=${`${m[0]}, ${label}`} title=${`Roll ${expression}`}
      onClick=${guard(() => roll(expression, what, who))}>${m[0]}</button>`);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function Entries({ title, items, who }) {
  if (!items?.length) return null;
  return html`<h3>${title}</h3>${items.map(
    (item) => html`<p class="entry" key=${item.name}><strong>${item.name}.</strong> <${Described} text=${item.desc} label=${item.name} who=${who} /></p>`,
  )}`;
}

function Defence({ label, list, note }) {
  if (!list?.length && !note) return null;
  return html`<p><strong>${label}</strong> ${note || list.join(", ")}</p>`;
}

function Block({ b, who }) {
  const abilities = ["str", "dex", "con", "int", "wis", "cha"];
  const saves = Object.entries(b.saving_throws || {});
  const skills = Object.entries(b.skills || {});
  return html`<article class="statblock" aria-label=${`${b.name} stat block`}>
    <h2>${b.name}</h2>
    <p class="muted"><em>${b.size} ${b.type}${b.subtype ? ` (${b.subtype})` : ""}, ${b.alignment}</em></p>
    <p><strong>Armor Class</strong> ${b.ac}${b.ac_notes ? ` (${b.ac_notes})` : ""}</p>
    <p><strong>Hit Points</strong> ${b.hp}${b.hit_dice ? html` (<button type="button" class="dice"
      aria-label=${`${b.hit_dice}, hit points`} title="Roll hit points" onClick=${guard(() => roll(b.hit_dice, "HP dice", who))}>${b.hit_dice}</button>)` : ""}</p>
    <p><strong>Speed</strong> ${Object.entries(b.speed || {}).map(([k, v]) => (k === "walk" ? v : `${k} ${v}`)).join(", ")}</p>
    <table class="abilities"><thead><tr>${abilities.map((a) => html`<th scope="col">${a.toUpperCase()}</th>`)}</tr></thead>
      <tbody><tr>${abilities.map((a) => {
        const score = b.abilities?.[a] ?? 10;
        return html`<td><button type="button" class="dice" aria-label=${`${score} (${signed(mod(score))}), ${a.toUpperCase()} check`} title=${`Roll a ${a.toUpperCase()} check`}
          onClick=${guard(() => roll(`1d20${signed(mod(score))}`, `${a.toUpperCase()} check`, who))}>${score} (${signed(mod(score))})</button></td>`;
      })}</tr></tbody></table>
    ${saves.length > 0 && html`<p><strong>Saving Throws</strong> ${saves.map(([k, v]) => `${k.toUpperCase()} ${signed(v)}`).join(", ")}</p>`}
    ${skills.length > 0 && html`<p><strong>Skills</strong> ${skills.map(([k, v]) => `${k} ${signed(v)}`).join(", ")}</p>`}
    <${Defence} label="Damage Vulnerabilities" list=${b.damage_vulnerabilities} note=${b.damage_vulnerabilities_note} />
    <${Defence} label="Damage Resistances" list=${b.damage_resistances} note=${b.damage_resistances_note} />
    <${Defence} label="Damage Immunities" list=${b.damage_immunities} note=${b.damage_immunities_note} />
    <${Defence} label="Condition Immunities" list=${b.condition_immunities} />
    ${Object.keys(b.senses || {}).length > 0 && html`<p><strong>Senses</strong> ${Object.entries(b.senses).map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", ")}</p>`}
    <p><strong>Languages</strong> ${b.languages || "—"}</p>
    <p><strong>Challenge</strong> ${b.cr} (${b.xp} XP)</p>
    <${Entries} title="Traits" items=${b.traits} who=${who} />
    <${Entries} title="Actions" items=${b.actions} who=${who} />
    <${Entries} title="Reactions" items=${b.reactions} who=${who} />
    ${b.legendary_actions?.length > 0 && html`<p class="muted small">Legendary actions per round: ${b.legendary_actions_per_round || 3}</p>`}
    <${Entries} title="Legendary Actions" items=${b.legendary_actions} who=${who} />
    ${b.source === "homebrew" && html`<button type="button" class="btn small" onClick=${() => store.openDialog({ kind: "homebrew", block: b })}>Edit homebrew</button>`}
  </article>`;
}

export function StatblockPanel() {
  const wanted = store.statblock.value;
  const [block, setBlock] = useState(null);
  useEffect(() => {
    if (!wanted) return setBlock(null);
    let live = true;
    api(`/api/statblocks/${encodeURIComponent(wanted.id)}`)
      .then((b) => live && setBlock(b))
      .catch(guard(async (error) => {
        throw error;
      }));
    return () => (live = false);
  }, [wanted?.id]);
  // Below the tracker (narrow screens) a block opened from a row would open out of sight.
  const panel = useRef(null);
  useEffect(() => {
    if (wanted && panel.current && window.matchMedia("(max-width: 1100px)").matches) panel.current.scrollIntoView({ block: "start" });
  }, [wanted?.id]);
  const rolls = store.rolls.value;
  return html`<section class="card statblock-panel" aria-label="Stat block" ref=${panel}>
    <div class="title-line">
      <button type="button" class="btn tiny" aria-label="Close the stat block" onClick=${() => store.showStatblock(null)}>✕ Close</button>
      ${rolls[0] && html`<p class="last-roll" aria-live="polite"><${RollText} r=${rolls[0]} /></p>`}
    </div>
    ${block ? html`<${Block} b=${block} who=${wanted?.who || block.name} />` : html`<p class="muted">Loading…</p>`}
  </section>`;
}
