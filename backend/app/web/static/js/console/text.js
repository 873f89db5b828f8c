// The log's little markdown (**bold**, `code`) as Preact nodes: text stays text.
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
