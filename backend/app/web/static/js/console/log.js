// The encounter's log, newest first (undone lines marked), with this tab's dice rolls from
// stat blocks among its events, each where it was rolled.

import * as store from "./store.js";
import { guard } from "./data.js";
import { undo } from "./encounter.js";
import { Component, h, html, useState } from "./lib.js";
import { RollText, richText } from "./text.js";

const PAGE = 60;

/** One line. Events never change once logged (only whether they were undone), so a line
 * renders once and again only when that flag turns. */
class Line extends Component {
  shouldComponentUpdate(next) {
    return next.item !== this.props.item || next.undone !== this.props.undone;
  }

  render({ item, undone, roll }) {
    if (roll) return html`<li class="roll"><${RollText} r=${item} /></li>`;
    return html`<li class=${undone ? "undone" : item.undo_of ? "undo" : ""}>
      <span class="text">${richText(item.text)}</span>
      ${undone && html` <span class="badge muted-badge">undone</span>`}
    </li>`;
  }
}

/** Events and rolls, newest first: a roll goes above the event that was newest when it
 * was rolled. At most `limit` lines. */
function merged(events, rolls, limit) {
  const out = [];
  let r = 0;
  for (const e of events) {
    while (r < rolls.length && rolls[r].after >= e.seq && out.length < limit) out.push({ roll: rolls[r++] });
    if (out.length >= limit) return out;
    out.push({ event: e });
  }
  while (r < rolls.length && out.length < limit) out.push({ roll: rolls[r++] });
  return out;
}

export function Log() {
  const [shown, setShown] = useState(PAGE);
  const all = store.events.value;
  const rolls = store.rolls.value;
  const undone = new Set();
  for (const e of all) if (e.undo_of !== null && e.undo_of !== undefined) undone.add(e.undo_of);
  const lines = merged(all, rolls, shown);
  return html`<section class="card log-panel" aria-labelledby="log-title">
    <div class="title-line">
      <h2 id="log-title">Log</h2>
      <button type="button" id="log-undo" class="btn tiny" onClick=${guard(undo)}>Undo last</button>
    </div>
    <ol id="log" class="log">
      ${lines.map((l) =>
        l.roll
          ? h(Line, { key: `roll-${l.roll.id}`, item: l.roll, roll: true })
          : h(Line, { key: l.event.seq, item: l.event, undone: undone.has(l.event.seq) }),
      )}
    </ol>
    ${all.length + rolls.length > shown &&
    html`<button type="button" class="btn tiny ghost" onClick=${() => setShown(shown + PAGE * 4)}>Older entries</button>`}
  </section>`;
}
