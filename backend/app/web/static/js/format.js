// Display helpers shared by the console and the player view.
import { h } from "./dom.js";

/** The log's lines carry a little markdown (`**nat 1**`, `` `total` ``): render it as nodes. */
export function richText(text) {
  const out = [];
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`/g;
  let last = 0;
  for (const match of String(text).matchAll(pattern)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push(match[1] !== undefined ? h("strong", {}, match[1]) : h("code", {}, match[2]));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function conditionLabel(condition) {
  let label = condition.name;
  if (condition.level) label += ` ${condition.level}`;
  const d = condition.duration;
  if (d && d.rounds) label += ` (${d.rounds} rd)`;
  return label;
}

export const STATUS_LABELS = {
  active: "",
  healthy: "Healthy",
  bloodied: "Bloodied",
  down: "Down",
  unconscious: "Unconscious",
  stable: "Stable",
  dead: "Dead",
  delayed: "Delayed",
};

/** 0..1, the share of hit points left (for the bar). */
export function hpFraction(hp, max) {
  if (!max) return 0;
  return Math.max(0, Math.min(1, hp / max));
}
