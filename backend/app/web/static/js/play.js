// The player view: a read-only, live, redacted encounter for a TV or a phone.
// It shows exactly what the server's redacted state holds and nothing else.

import { ApiError, api, socketUrl } from "./api.js";
import { $, fill, h } from "./dom.js";
import { STATUS_LABELS, conditionLabel, hpFraction } from "./format.js";
import { LiveStream } from "./live.js";

const token = decodeURIComponent(window.location.pathname.split("/").filter(Boolean).pop() || "");
let shown = null; // the redacted state on screen
let turnText = "";

/** The DM's player-view options, as the server's projection carries them: `round` is
 * null when the round counter is off, `turn_started_at` set when the turn timer is on,
 * and the list already starts at the active creature when "active on top" is chosen. */
function options(state) {
  return { showRound: state.round !== null && state.round !== undefined, timer: Boolean(state.turn_started_at), turnStarted: state.turn_started_at || null };
}

let timerTick = null;
function renderTimer(opts, state) {
  clearInterval(timerTick);
  const box = $("#play-timer");
  box.hidden = !(opts.timer && opts.turnStarted && state.status === "active");
  if (box.hidden) return;
  const started = Date.parse(opts.turnStarted);
  const tick = () => {
    const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
    box.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  timerTick = setInterval(tick, 1000);
}

function render(state) {
  if (shown && state.seq < shown.seq) return;
  shown = state;
  const opts = options(state);
  document.title = `${state.name} — Player view`;
  $("#play-name").textContent = state.name;
  $("#play-round").hidden = state.status === "active" && !opts.showRound;
  $("#play-round").textContent =
    state.status === "active" ? `Round ${state.round}` : state.status === "ended" ? "Combat over" : "Getting ready";
  renderTimer(opts, state);

  const byId = new Map(state.combatants.map((c) => [c.id, c]));
  const current = byId.get(state.turn);
  let text;
  if (state.status === "planning") text = "Waiting for the DM to start combat…";
  else if (state.status === "ended") text = "Combat is over.";
  else text = current ? `${current.name}'s turn` : `Round ${state.round}`;
  // Only a real change is announced to screen readers.
  if (text !== turnText) {
    turnText = text;
    $("#play-turn").textContent = text;
  }
  $("#play-turn").dataset.side = current?.side || "";

  fill(
    $("#play-order"),
    state.combatants.map((c) => {
      const isTurn = c.id === state.turn && state.status === "active";
      const status = c.delayed ? "delayed" : c.status;
      const hasHp = typeof c.hp === "number" && typeof c.max_hp === "number";
      const bar = hasHp ? h("span", { class: "hp-fill" }) : null;
      if (bar) bar.style.width = `${Math.round(hpFraction(c.hp, c.max_hp) * 100)}%`;
      return h(
        "li",
        {
          class: `play-row side-${c.side}${isTurn ? " current" : ""}${status ? ` state-${status}` : ""}`,
          "aria-current": isTurn ? "step" : null,
          dataset: { id: c.id },
        },
        h("span", { class: "play-marker", "aria-hidden": "true" }, isTurn ? "▶" : ""),
        h(
          "div",
          { class: "play-who" },
          h("span", { class: "play-name" }, c.name),
          h(
            "span",
            { class: "play-tags" },
            status ? h("span", { class: `badge status-${status}` }, STATUS_LABELS[status] || status) : null,
            c.concentration ? h("span", { class: "badge conc" }, `◎ ${c.concentration}`) : null,
            (c.conditions || []).map((cond) => h("span", { class: "badge condition" }, conditionLabel(cond))),
            c.death_saves && (c.death_saves.successes || c.death_saves.failures)
              ? h("span", { class: "badge" }, `saves ✓${c.death_saves.successes} ✗${c.death_saves.failures}`)
              : null,
          ),
        ),
        hasHp
          ? h(
              "div",
              { class: "play-hp" },
              h("span", {}, `${c.hp}/${c.max_hp}${c.temp_hp ? ` +${c.temp_hp}` : ""}`),
              h("span", { class: "hp-bar", "aria-hidden": "true" }, bar),
            )
          : null,
      );
    }),
  );
  if (!state.combatants.length) fill($("#play-order"), h("li", { class: "play-empty" }, "Nobody here yet."));
  const row = document.querySelector(".play-row.current");
  if (row) row.scrollIntoView({ block: "nearest" });
}

function fatal(message) {
  stream.stop();
  $("#play-live").dataset.state = "offline";
  $("#play-live").textContent = "offline";
  const box = $("#play-message");
  box.hidden = false;
  box.textContent = message;
  $("#play-turn").textContent = "This player view is not available.";
}

const GONE = "This link no longer works. Ask the DM for a new one.";

const stream = new LiveStream(
  (since) => socketUrl(`/api/public/encounters/${encodeURIComponent(token)}/ws`, { since: since ?? undefined }),
  {
    onMessage: (message) => {
      $("#play-message").hidden = true;
      render(message.state);
    },
    onStatus: (status) => {
      const badge = $("#play-live");
      badge.dataset.state = status;
      badge.textContent = { live: "live", connecting: "reconnecting…", offline: "offline" }[status];
    },
    onDrop: async ({ opened, code }) => {
      if (code === 4403 || code === 4404) {
        fatal(GONE);
        return false;
      }
      if (opened) return true;
      // Refused before opening: a dead link, or just the network?
      try {
        await api(`/api/public/encounters/${encodeURIComponent(token)}`, { auth: false });
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          fatal(GONE);
          return false;
        }
        return true;
      }
    },
  },
);

async function boot() {
  if (!token) {
    fatal(GONE);
    return;
  }
  try {
    render(await api(`/api/public/encounters/${encodeURIComponent(token)}`, { auth: false }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      fatal(GONE);
      return;
    }
  }
  stream.start(shown ? shown.seq : null);
  // Back from a sleeping phone or a dropped network: try now rather than at the next backoff.
  const nudge = () => {
    if (!stream.stopped && !stream.socket) stream.start(shown ? shown.seq : null);
  };
  window.addEventListener("online", nudge);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && nudge());
}

boot();
