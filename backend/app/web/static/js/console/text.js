// The log's little markdown (**bold**, `code`) as Preact nodes (text stays text), and a
// dice roll as a line of it.
import { html } from "./lib.js";

export function richText(text) {
  const out = [];
  const source = String(text ?? "");
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`/g;
  let last = 0;
  for (const match of source.matchAll(pattern)) {
    if (match.index > last) out.push(source.slice(last, match.index));
    out.push(match[1] !== undefined ? html`<strong>${match[1]}</strong>` : html`<code>${match[2]}</code>`);
    last = match.index + match[0].length;
  }
  if (last < source.length) out.push(source.slice(last));
  return out;
}

/** A roll as a line: who, what, and how the total came about
 * ("Goblin 1 Scimitar: to hit — 1d20 (14) + 4 = 18"). */
export function RollText({ r }) {
  return html`<span class="roll-mark">Roll</span> ${r.who &&
    html`<strong>${r.who}</strong> `}${r.label} — ${richText(r.breakdown)}`;
}
