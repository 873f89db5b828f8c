// The DM console: campaigns, characters, encounter building and running combat.
// Everything goes through the public API; the encounter stays live over the DM's
// WebSocket, and each action's own answer updates the screen at once.

import { ApiError, api, session, socketUrl, whenUnauthorized } from "./api.js";
import { $, fill, formValues, h, isTyping } from "./dom.js";
import { STATUS_LABELS, conditionLabel, hpFraction, richText } from "./format.js";
import { LiveStream } from "./live.js";

const ui = {
  user: null,
  campaigns: [],
  campaignId: null,
  characters: [],
  encounters: [],
  encounter: null, // the DM's state, exactly as GET /api/encounters/{id} answers
  events: new Map(), // seq -> event
  rows: new Map(), // combatant id -> row refs
  turnShown: null,
};

// --- toasts --------------------------------------------------------------------------

const TOAST_MS = 6000;

function toast(message, kind = "info") {
  const item = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", {}, message),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss" }, "×"),
  );
  item.querySelector("button").addEventListener("click", () => item.remove());
  $("#toasts").append(item);
  setTimeout(() => item.remove(), kind === "error" ? TOAST_MS * 1.5 : TOAST_MS);
}

function showError(error) {
  if (error instanceof ApiError) toast(error.message, "error");
  else {
    console.error(error);
    toast("Something went wrong in the console.", "error");
  }
}

/** Run an async UI handler, disabling its button meanwhile and toasting failures. */
function guarded(handler) {
  return async (event) => {
    const button = event?.currentTarget instanceof HTMLButtonElement ? event.currentTarget : null;
    if (event?.type === "submit") event.preventDefault();
    if (button) button.disabled = true;
    try {
      await handler(event);
    } catch (error) {
      showError(error);
    } finally {
      if (button) button.disabled = false;
    }
  };
}

// --- navigation (#/c/<campaign>/e/<encounter>) -----------------------------------------

function readHash() {
  const parts = window.location.hash.replace(/^#\/?/, "").split("/");
  const out = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]] = decodeURIComponent(parts[i + 1]);
  return { campaign: out.c || null, encounter: out.e || null };
}

function writeHash() {
  let hash = "";
  if (ui.campaignId) hash += `#/c/${encodeURIComponent(ui.campaignId)}`;
  if (ui.campaignId && ui.encounter) hash += `/e/${encodeURIComponent(ui.encounter.id)}`;
  if (window.location.hash !== hash) history.replaceState(null, "", hash || window.location.pathname);
}

// --- signing in ------------------------------------------------------------------------

function showAuth() {
  $("#booting").hidden = true;
  $("#app").hidden = true;
  $("#user-box").hidden = true;
  $("#auth").hidden = false;
  $("#login-form input[name=email]").focus();
}

async function showApp() {
  $("#booting").hidden = true;
  $("#auth").hidden = true;
  $("#app").hidden = false;
  $("#user-box").hidden = false;
  $("#user-name").textContent = ui.user.display_name || ui.user.email;
  const wanted = readHash();
  await loadCampaigns();
  const campaign = wanted.campaign || ui.campaigns[0]?.id;
  if (campaign && ui.campaigns.some((c) => c.id === campaign)) {
    await selectCampaign(campaign);
    if (wanted.encounter) await openEncounter(wanted.encounter).catch(showError);
  }
}

async function signIn(email, password) {
  const token = await api("/api/auth/login", {
    method: "POST",
    body: { email, password },
    auth: false,
  });
  session.token = token.access_token;
  ui.user = await api("/api/auth/me");
  await showApp();
}

function signOut(message) {
  session.token = null;
  closeEncounter();
  Object.assign(ui, { user: null, campaigns: [], campaignId: null, characters: [], encounters: [] });
  history.replaceState(null, "", window.location.pathname);
  showAuth();
  if (message) toast(message, "error");
}

// --- campaigns -------------------------------------------------------------------------

async function loadCampaigns() {
  const page = await api("/api/campaigns?limit=200");
  ui.campaigns = page.items;
  renderCampaigns();
}

function renderCampaigns() {
  const list = $("#campaign-list");
  if (!ui.campaigns.length) {
    fill(list, h("li", { class: "muted" }, "No campaigns yet."));
    return;
  }
  fill(
    list,
    ui.campaigns.map((c) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "pick",
            "aria-current": c.id === ui.campaignId ? "true" : null,
            onclick: guarded(() => selectCampaign(c.id)),
          },
          c.name,
          c.role === "co_dm" ? h("span", { class: "badge" }, "co-DM") : null,
        ),
      ),
    ),
  );
}

async function selectCampaign(id) {
  if (ui.campaignId !== id) closeEncounter();
  ui.campaignId = id;
  renderCampaigns();
  $("#characters-panel").hidden = false;
  $("#encounters-panel").hidden = false;
  await Promise.all([loadCharacters(), loadEncounters()]);
  writeHash();
}

// --- characters ------------------------------------------------------------------------

async function loadCharacters() {
  const page = await api(`/api/campaigns/${ui.campaignId}/characters?limit=200`);
  ui.characters = page.items;
  renderCharacters();
  renderParty();
}

function renderCharacters() {
  const list = $("#character-list");
  if (!ui.characters.length) {
    fill(list, h("li", { class: "muted" }, "No characters yet."));
    return;
  }
  fill(
    list,
    ui.characters.map((c) => {
      const hp = h("input", {
        type: "number",
        name: "current_hp",
        min: 0,
        max: c.max_hp,
        value: c.current_hp,
        inputmode: "numeric",
        class: "hp-input",
        "aria-label": `Current HP of ${c.name}`,
      });
      const form = h(
        "form",
        {
          class: "character-hp",
          onsubmit: guarded(async () => {
            const updated = await api(`/api/campaigns/${ui.campaignId}/characters/${c.id}`, {
              method: "PATCH",
              body: { current_hp: Number(hp.value) },
            });
            Object.assign(c, updated);
            toast(`${c.name}: ${updated.current_hp}/${updated.max_hp} HP saved.`);
          }),
        },
        hp,
        h("span", { class: "muted" }, `/ ${c.max_hp}`),
        h("button", { type: "submit", class: "btn small", "aria-label": `Save HP of ${c.name}` }, "Save"),
      );
      return h(
        "li",
        { class: "character" },
        h(
          "div",
          { class: "character-name" },
          h("strong", {}, c.name),
          h(
            "span",
            { class: "muted small" },
            [c.player_name, `Lv ${c.level}`, `AC ${c.ac}`].filter(Boolean).join(" · "),
          ),
        ),
        form,
      );
    }),
  );
}

// --- encounters list -------------------------------------------------------------------

async function loadEncounters() {
  const page = await api(`/api/campaigns/${ui.campaignId}/encounters?limit=200`);
  ui.encounters = page.items;
  renderEncounters();
}

function renderEncounters() {
  const list = $("#encounter-list");
  if (!ui.encounters.length) {
    fill(list, h("li", { class: "muted" }, "No encounters yet."));
    return;
  }
  fill(
    list,
    ui.encounters.map((e) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "pick",
            "aria-current": e.id === ui.encounter?.id ? "true" : null,
            onclick: guarded(() => openEncounter(e.id)),
          },
          e.name,
          h("span", { class: `badge status-${e.status}` }, e.status),
        ),
      ),
    ),
  );
}

// --- the open encounter ----------------------------------------------------------------

const live = new LiveStream(
  (since) =>
    socketUrl(`/api/encounters/${ui.encounter.id}/ws`, { since: since ?? undefined }),
  {
    // The token rides in the subprotocol pair, never in the URL.
    protocols: () => ["bearer", session.token],
    onMessage: (message) => {
      if (message.event) addEvents([message.event]);
      if (message.type === "snapshot") refreshEvents().catch(() => {});
      if (ui.encounter && message.version >= ui.encounter.version) setState(message.state);
    },
    onStatus: (status) => {
      const badge = $("#live-indicator");
      badge.dataset.state = status;
      badge.textContent = { live: "live", connecting: "connecting…", offline: "offline" }[status];
    },
    onDrop: async ({ opened, code }) => {
      const revoked = code === 4401 || code === 4403 || code === 4404;
      if ((opened && !revoked) || !ui.encounter) return Boolean(ui.encounter);
      // Refused before opening: find out whether it is us (signed out, gone) or the network.
      try {
        await api(`/api/encounters/${ui.encounter.id}`);
        return true;
      } catch (error) {
        return error instanceof ApiError && error.status === 0;
      }
    },
  },
);

async function openEncounter(id) {
  const state = await api(`/api/encounters/${id}`);
  closeEncounter();
  ui.encounter = state;
  ui.events = new Map();
  $("#welcome").hidden = true;
  $("#encounter").hidden = false;
  fill($("#log"));
  renderShare();
  setState(state, { force: true });
  renderEncounters();
  renderParty();
  writeHash();
  live.start(state.version);
  await refreshEvents();
}

function closeEncounter() {
  live.stop();
  ui.encounter = null;
  ui.rows.clear();
  ui.turnShown = null;
  fill($("#order"));
  fill($("#delayed"));
  $("#encounter").hidden = true;
  $("#welcome").hidden = false;
  $("#share-box").hidden = true;
}

async function reloadEncounter() {
  if (!ui.encounter) return;
  const state = await api(`/api/encounters/${ui.encounter.id}`);
  setState(state, { force: true });
  await refreshEvents();
}

async function refreshEvents() {
  if (!ui.encounter) return;
  const id = ui.encounter.id;
  const after = Math.max(0, ...ui.events.keys());
  const page = await api(`/api/encounters/${id}/events?after=${after}`);
  if (ui.encounter?.id === id) addEvents(page.items);
}

function setState(state, { force = false } = {}) {
  if (!ui.encounter || state.id !== ui.encounter.id) return;
  if (!force && state.version < ui.encounter.version) return;
  ui.encounter = state;
  renderEncounter();
}

// One action at a time, each sent with the version it was decided on: a burst of
// "n n n" becomes three turns, not one turn and two 412s.
let queue = Promise.resolve();

function act(action) {
  const run = () => send(`/api/encounters/${ui.encounter.id}/actions`, action);
  queue = queue.then(run, run);
  return queue;
}

function addCombatants(body) {
  const run = () => send(`/api/encounters/${ui.encounter.id}/combatants`, body);
  queue = queue.then(run, run);
  return queue;
}

async function send(path, body, method = "POST") {
  if (!ui.encounter) return;
  try {
    const result = await api(path, { method, body, version: ui.encounter.version });
    addEvents(result.events);
    setState(result.state);
    for (const event of result.events) for (const line of event.reminders) toast(line, "reminder");
    // Without the socket nobody else tells us what changed meanwhile.
    if (!live.isLive) await refreshEvents();
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await reloadEncounter().catch(() => {});
      toast("The encounter changed in another window, so it was reloaded. Check it and try again.", "error");
      return;
    }
    showError(error);
  }
}

// --- rendering the encounter -----------------------------------------------------------

function renderEncounter() {
  const state = ui.encounter;
  $("#encounter-name").textContent = state.name;
  const status = $("#encounter-status");
  status.textContent = state.status;
  status.className = `badge status-${state.status}`;
  $("#encounter-round").textContent = state.round ? `Round ${state.round}` : "";
  $("#encounter-version").textContent = `v${state.version}`;

  const planning = state.status === "planning";
  const active = state.status === "active";
  const ended = state.status === "ended";
  $("#start-combat").hidden = !planning;
  $("#start-combat").disabled = !state.combatants.length;
  for (const id of ["#previous-turn", "#next-turn", "#end-combat"]) $(id).hidden = !active;
  $("#roll-initiative").disabled = ended || !state.combatants.length;
  $("#order").classList.toggle("ended", ended);

  renderOrder(state);
  renderTurnBanner(state);
  renderSummary(state);
  renderParty();
  const listed = ui.encounters.find((e) => e.id === state.id);
  if (listed && listed.status !== state.status) {
    listed.status = state.status;
    renderEncounters();
  }
}

function renderTurnBanner(state) {
  const banner = $("#turn-banner");
  const current = state.combatants.find((c) => c.id === state.turn);
  let text;
  if (state.status === "planning") text = "Planning: roll initiative, then start combat.";
  else if (state.status === "ended") text = `Combat ended after ${state.round} round(s).`;
  else text = current ? `Round ${state.round}: ${current.name}'s turn` : `Round ${state.round}`;
  if (banner.textContent !== text) banner.textContent = text;
  if (state.turn !== ui.turnShown) {
    ui.turnShown = state.turn;
    const row = ui.rows.get(state.turn);
    if (row && !row.el.matches(":focus-within")) row.el.scrollIntoView({ block: "nearest" });
  }
}

function renderOrder(state) {
  const order = $("#order");
  const delayed = $("#delayed");
  const inOrder = new Set(state.order);
  const byId = new Map(state.combatants.map((c) => [c.id, c]));
  const ordered = state.order.map((id) => byId.get(id)).filter(Boolean);
  const rest = state.combatants.filter((c) => !inOrder.has(c.id) && c.status !== "delayed");
  const waiting = state.combatants.filter((c) => c.status === "delayed");

  for (const [id, row] of ui.rows) {
    if (!byId.has(id)) {
      row.el.remove();
      ui.rows.delete(id);
    }
  }
  const place = (list, combatants) => {
    combatants.forEach((c, index) => {
      let row = ui.rows.get(c.id);
      if (!row) {
        row = buildRow(c.id);
        ui.rows.set(c.id, row);
      }
      updateRow(row, c, state);
      // Moving a row that holds focus would lose it; only move rows out of place.
      if (list.children[index] !== row.el) list.insertBefore(row.el, list.children[index] || null);
    });
  };
  place(order, [...ordered, ...rest]);
  place(delayed, waiting);
  $("#delayed-title").hidden = !waiting.length;
  $("#order-empty").hidden = state.combatants.length > 0;
}

function button(label, onclick, attrs = {}) {
  return h("button", { type: "button", class: "btn small", ...attrs, onclick: guarded(onclick) }, label);
}

function buildRow(id) {
  const r = { id };
  const target = () => [id];
  const amount = () => {
    const value = Number(r.amount.value);
    if (!r.amount.value.trim() || !Number.isFinite(value) || value < 0) {
      r.amount.focus();
      throw new ApiError(422, { detail: "Type an amount first." });
    }
    return Math.floor(value);
  };

  r.init = h("input", { type: "number", class: "init", inputmode: "numeric", min: -100, max: 1000 });
  r.init.addEventListener("change", () => {
    if (r.init.value.trim() === "") return;
    act({ type: "set_initiative", combatant_id: id, initiative: Number(r.init.value) });
  });
  r.name = h("span", { class: "name" });
  r.alias = h("span", { class: "alias muted small" });
  r.kind = h("span", { class: "badge kind" });
  r.ac = h("span", { class: "ac", title: "Armour class" });
  r.status = h("span", { class: "badge" });
  r.flags = h("span", { class: "flags" });
  r.hpText = h("span", { class: "hp-text" });
  r.fill = h("span", { class: "hp-fill" });
  r.bar = h("span", { class: "hp-bar", "aria-hidden": "true" }, r.fill);
  r.conditions = h("ul", { class: "chips" });
  r.saves = h("div", { class: "death-saves" });

  r.amount = h("input", {
    type: "number",
    class: "amount",
    min: 0,
    inputmode: "numeric",
    placeholder: "amt",
  });
  r.amount.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      r.damage.click();
    }
  });
  r.damage = button("Damage", () => act({ type: "damage", targets: target(), amount: amount() }), {
    class: "btn small danger",
  });
  r.heal = button("Heal", () => act({ type: "heal", targets: target(), amount: amount() }), {
    class: "btn small good",
  });
  r.temp = button("Temp HP", () => act({ type: "set_temp_hp", targets: target(), amount: amount() }));

  // Less frequent actions, folded away.
  r.condition = h("input", { list: "condition-names", maxlength: 100 });
  r.rounds = h("input", { type: "number", min: 1, max: 1000, inputmode: "numeric" });
  r.addCondition = button("Add", () => {
    const name = r.condition.value.trim();
    if (!name) {
      r.condition.focus();
      throw new ApiError(422, { detail: "Type or pick a condition." });
    }
    const action = { type: "add_condition", targets: target(), condition: name };
    if (r.rounds.value) action.duration = { rounds: Number(r.rounds.value), ends: "end", of: id };
    r.condition.value = "";
    r.rounds.value = "";
    return act(action);
  });
  r.spell = h("input", { maxlength: 100 });
  r.concentrate = button("Concentrate", () => {
    const spell = r.spell.value.trim();
    if (!spell) {
      r.spell.focus();
      throw new ApiError(422, { detail: "Name the spell first." });
    }
    r.spell.value = "";
    return act({ type: "set_concentration", combatant_id: id, spell });
  });
  r.endConcentration = button("End concentration", () =>
    act({ type: "set_concentration", combatant_id: id, spell: null }),
  );
  r.hide = button("Hide", () => act({ type: "set_hidden", combatant_id: id, hidden: !r.hidden }));
  r.delay = button("Delay", () => act({ type: "delay", combatant_id: id }));
  r.resume = button("Resume now", () => act({ type: "resume", combatant_id: id }));
  r.reaction = button("Use reaction", () => act({ type: "use_reaction", combatant_id: id }));
  r.legendary = button("Legendary action", () =>
    act({ type: "use_legendary_action", combatant_id: id }),
  );
  r.remove = button(
    "Remove",
    async () => {
      const run = () => send(`/api/encounters/${ui.encounter.id}/combatants/${id}`, undefined, "DELETE");
      queue = queue.then(run, run);
      return queue;
    },
    { class: "btn small ghost danger-text" },
  );

  r.conditionLabel = h("label", { class: "grow" }, "Condition ", r.condition);
  r.roundsLabel = h("label", { class: "short" }, "Rounds ", r.rounds);
  r.spellLabel = h("label", { class: "grow" }, "Spell ", r.spell);
  r.more = h(
    "details",
    { class: "more" },
    h("summary", {}, "More"),
    h(
      "div",
      { class: "more-body" },
      h("div", { class: "inline-form" }, r.conditionLabel, r.roundsLabel, r.addCondition),
      h("div", { class: "inline-form" }, r.spellLabel, r.concentrate, r.endConcentration),
      h("div", { class: "button-row" }, r.hide, r.delay, r.resume, r.reaction, r.legendary, r.remove),
    ),
  );

  r.el = h(
    "li",
    { class: "combatant", dataset: { id } },
    h(
      "div",
      { class: "row-main" },
      h("label", { class: "init-box" }, h("span", { class: "sr-only" }, "Initiative"), r.init),
      h(
        "div",
        { class: "who" },
        h("div", { class: "who-line" }, r.name, r.kind, r.status, r.flags),
        h("div", { class: "who-line small" }, r.alias, r.ac),
      ),
      h("div", { class: "hp" }, r.hpText, r.bar),
    ),
    h("div", { class: "row-conditions" }, r.conditions, r.saves),
    h(
      "div",
      { class: "row-actions" },
      h("label", { class: "amount-box" }, h("span", { class: "sr-only" }, "Amount"), r.amount),
      r.damage,
      r.heal,
      r.temp,
      r.more,
    ),
  );
  return r;
}

function updateRow(r, c, state) {
  const current = state.turn === c.id;
  r.hidden = c.hidden;
  r.el.classList.toggle("current", current);
  r.el.classList.toggle("is-hidden", c.hidden);
  r.el.classList.toggle("is-down", ["down", "dead", "unconscious", "stable"].includes(c.status));
  r.el.dataset.kind = c.kind;
  if (current) r.el.setAttribute("aria-current", "step");
  else r.el.removeAttribute("aria-current");

  if (document.activeElement !== r.init) r.init.value = c.initiative ?? "";
  r.init.setAttribute("aria-label", `Initiative of ${c.name}`);
  r.name.textContent = c.name;
  r.alias.textContent = c.alias ? `Players see “${c.alias}”` : "";
  r.kind.textContent = c.kind === "character" ? "PC" : c.kind;
  r.ac.textContent = c.ac === null || c.ac === undefined ? "" : `AC ${c.ac}`;
  r.status.textContent = STATUS_LABELS[c.status] ?? c.status;
  r.status.className = `badge status-${c.status}`;
  r.status.hidden = c.status === "active";
  fill(
    r.flags,
    c.hidden ? h("span", { class: "badge hidden-flag", title: "Hidden from players" }, "hidden") : null,
    c.concentration ? h("span", { class: "badge conc", title: "Concentrating" }, `◎ ${c.concentration}`) : null,
    c.reaction_used ? h("span", { class: "badge muted-badge" }, "reaction used") : null,
    c.legendary_actions.max
      ? h("span", { class: "badge" }, `LA ${c.legendary_actions.remaining}/${c.legendary_actions.max}`)
      : null,
  );

  r.hpText.textContent = c.kind === "lair" ? "" : `${c.hp}/${c.max_hp}${c.temp_hp ? ` +${c.temp_hp}` : ""}`;
  r.hpText.setAttribute("aria-label", `${c.name}: ${c.hp} of ${c.max_hp} hit points${c.temp_hp ? `, ${c.temp_hp} temporary` : ""}`);
  const fraction = hpFraction(c.hp, c.max_hp);
  r.fill.style.width = `${Math.round(fraction * 100)}%`;
  r.bar.dataset.level = fraction > 0.5 ? "ok" : fraction > 0 ? "low" : "out";
  r.bar.hidden = c.kind === "lair";

  fill(
    r.conditions,
    c.conditions.map((condition) =>
      h(
        "li",
        {},
        button(
          [conditionLabel(condition), h("span", { "aria-hidden": "true" }, " ×")],
          () => act({ type: "remove_condition", targets: [c.id], condition: condition.name }),
          { class: "chip", "aria-label": `Remove ${condition.name} from ${c.name}` },
        ),
      ),
    ),
  );

  const dying = c.kind === "character" && c.hp === 0 && ["unconscious", "stable", "dead"].includes(c.status);
  if (dying) {
    const pips = (n, cls) => [0, 1, 2].map((i) => h("span", { class: `pip ${cls}${i < n ? " on" : ""}` }));
    const save = (result, label) =>
      button(label, () => act({ type: "death_save", combatant_id: c.id, result }), {
        "aria-label": `Death save ${label.toLowerCase()} for ${c.name}`,
      });
    fill(
      r.saves,
      h("span", { class: "small" }, "Death saves"),
      h("span", { class: "pips", "aria-label": `${c.death_saves.successes} successes` }, pips(c.death_saves.successes, "ok")),
      h("span", { class: "pips", "aria-label": `${c.death_saves.failures} failures` }, pips(c.death_saves.failures, "bad")),
      c.status === "unconscious"
        ? [save("success", "Success"), save("failure", "Failure"), save("critical_success", "Nat 20"), save("critical_failure", "Nat 1")]
        : null,
    );
  } else if (r.saves.childElementCount) fill(r.saves);

  const noun = c.name;
  r.amount.setAttribute("aria-label", `Amount for ${noun}`);
  r.damage.setAttribute("aria-label", `Damage ${noun}`);
  r.heal.setAttribute("aria-label", `Heal ${noun}`);
  r.temp.setAttribute("aria-label", `Temporary HP for ${noun}`);
  r.condition.setAttribute("aria-label", `Condition for ${noun}`);
  r.rounds.setAttribute("aria-label", `Rounds the condition lasts on ${noun}`);
  r.spell.setAttribute("aria-label", `Spell ${noun} concentrates on`);
  r.more.querySelector("summary").setAttribute("aria-label", `More actions for ${noun}`);
  r.hide.textContent = c.hidden ? "Reveal" : "Hide";
  r.hide.setAttribute("aria-label", `${c.hidden ? "Reveal" : "Hide"} ${noun}`);
  r.hide.setAttribute("aria-pressed", String(c.hidden));
  r.delay.setAttribute("aria-label", `Delay ${noun}`);
  r.resume.setAttribute("aria-label", `Resume ${noun} now`);
  r.remove.setAttribute("aria-label", `Remove ${noun} from the encounter`);

  const active = state.status === "active";
  r.endConcentration.hidden = !c.concentration;
  r.delay.hidden = !active || c.status !== "active" || c.kind === "lair";
  r.resume.hidden = !active || c.status !== "delayed";
  r.reaction.hidden = !active;
  r.reaction.disabled = c.reaction_used;
  r.legendary.hidden = !c.legendary_actions.max;
  r.legendary.disabled = !c.legendary_actions.remaining;
  r.heal.hidden = c.kind === "lair";
  r.damage.hidden = c.kind === "lair";
  r.temp.hidden = c.kind === "lair";
}

function renderSummary(state) {
  const box = $("#summary");
  const summary = state.summary;
  box.hidden = !(state.status === "ended" && summary);
  if (box.hidden) return;
  const rows = summary.combatants.map((c) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, c.name),
      h("td", {}, c.status === "active" ? "Standing" : STATUS_LABELS[c.status] || c.status),
      h("td", {}, String(c.damage_dealt)),
      h("td", {}, String(c.damage_taken)),
    ),
  );
  fill(
    $("#summary-body"),
    h(
      "p",
      {},
      `${summary.rounds} round(s). ${summary.xp_total} XP earned, ${summary.xp_per_character} per character. `,
      "Characters' hit points were saved to the campaign.",
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Combatant"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Dealt"), h("th", { scope: "col" }, "Taken"))),
        h("tbody", {}, rows),
      ),
    ),
  );
}

// --- the log ---------------------------------------------------------------------------

function addEvents(events) {
  let changed = false;
  for (const event of events) {
    if (!ui.events.has(event.seq)) {
      ui.events.set(event.seq, event);
      changed = true;
    }
  }
  if (changed) renderLog();
}

function renderLog() {
  const events = [...ui.events.values()].sort((a, b) => b.seq - a.seq);
  const undone = new Set(events.map((e) => e.undo_of).filter((s) => s !== null && s !== undefined));
  fill(
    $("#log"),
    events.map((event) =>
      h(
        "li",
        { value: event.seq, class: undone.has(event.seq) ? "undone" : event.undo_of ? "undo" : null },
        h("span", { class: "seq muted" }, `#${event.seq}`),
        h("span", { class: "text" }, richText(event.text)),
        undone.has(event.seq) ? h("span", { class: "badge muted-badge" }, "undone") : null,
        event.reminders?.length ? h("ul", { class: "reminders" }, event.reminders.map((r) => h("li", {}, r))) : null,
      ),
    ),
  );
}

// --- building: party, monsters, ad hoc -------------------------------------------------

function renderParty() {
  const list = $("#party-list");
  if (!list) return;
  const present = new Set((ui.encounter?.combatants || []).map((c) => c.character_id).filter(Boolean));
  const missing = ui.characters.filter((c) => !present.has(c.id));
  // Re-rendered only when who is missing changes, so ticks and focus survive live updates.
  const key = missing.map((c) => `${c.id}:${c.current_hp}`).join(",");
  if (list.dataset.key === key && list.childElementCount === missing.length) return;
  list.dataset.key = key;
  const checked = new Set([...list.querySelectorAll("input:checked")].map((i) => i.value));
  fill(
    list,
    missing.map((c) =>
      h(
        "li",
        {},
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", value: c.id, checked: checked.has(c.id) || !checked.size }),
          ` ${c.name} `,
          h("span", { class: "muted small" }, `${c.current_hp}/${c.max_hp} HP`),
        ),
      ),
    ),
  );
  $("#party-empty").hidden = missing.length > 0 || !ui.characters.length;
  $("#party-empty").textContent = "Every character is in the encounter.";
  $("#add-party").hidden = !missing.length;
}

let searchTimer = null;
let searchSeq = 0;

function scheduleSearch() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => searchMonsters().catch(showError), 200);
}

async function searchMonsters() {
  const q = $("#monster-q").value.trim();
  const seq = ++searchSeq;
  const status = $("#monster-status");
  if (!q) {
    fill($("#monster-results"));
    status.textContent = "";
    return;
  }
  const page = await api(`/api/statblocks?q=${encodeURIComponent(q)}&limit=20`);
  if (seq !== searchSeq) return;
  status.textContent = page.total ? `${page.total} found${page.total > page.items.length ? `, first ${page.items.length} shown` : ""}.` : "No monster by that name.";
  fill(
    $("#monster-results"),
    page.items.map((m) => {
      const count = h("input", {
        type: "number",
        min: 1,
        max: 50,
        value: 1,
        inputmode: "numeric",
        class: "short",
        "aria-label": `How many ${m.name}`,
      });
      return h(
        "li",
        { class: "result" },
        h(
          "div",
          { class: "result-name" },
          h("strong", {}, m.name),
          h("span", { class: "muted small" }, `CR ${m.cr} · AC ${m.ac} · HP ${m.hp} · ${m.size} ${m.type}${m.source === "homebrew" ? " · homebrew" : ""}`),
        ),
        h(
          "div",
          { class: "inline-form" },
          h("span", { "aria-hidden": "true" }, "×"),
          count,
          button(
            "Add",
            () => {
              if (!ui.encounter) throw new ApiError(0, { detail: "Open an encounter first." });
              return addCombatants({
                statblock_id: m.id,
                count: Math.max(1, Number(count.value) || 1),
                hp: $("#monster-hp").value,
              });
            },
            { class: "btn small primary", "aria-label": `Add ${m.name}` },
          ),
        ),
      );
    }),
  );
}

// --- sharing -----------------------------------------------------------------------------

const shareKey = (id) => `initiative.share.${id}`;

function renderShare(url = ui.encounter && localStorage.getItem(shareKey(ui.encounter.id))) {
  const box = $("#share-box");
  box.hidden = !url;
  if (!url) return;
  const full = new URL(url, window.location.origin).toString();
  $("#share-link").value = full;
  $("#share-open").href = full;
}

async function share({ rotate = false } = {}) {
  const id = ui.encounter.id;
  const known = localStorage.getItem(shareKey(id));
  if (known && !rotate) {
    renderShare(known);
    $("#share-link").select();
    return;
  }
  const made = await api(`/api/encounters/${id}/share`, { method: "POST" });
  localStorage.setItem(shareKey(id), made.url);
  renderShare(made.url);
  toast(rotate ? "New player view link made; the old one no longer works." : "Player view link ready.");
}

// --- wiring ------------------------------------------------------------------------------

function rollInitiative() {
  const who = $("#roll-who").value;
  let combatants = who;
  if (who === "missing") {
    combatants = ui.encounter.combatants.filter((c) => c.initiative === null).map((c) => c.id);
    if (!combatants.length) throw new ApiError(0, { detail: "Everyone has an initiative already." });
  }
  return act({ type: "roll_initiative", combatants, mode: $("#roll-mode").value });
}

function toggleShortcuts(force) {
  const panel = $("#shortcuts");
  const show = force ?? panel.hidden;
  panel.hidden = !show;
  $("#shortcuts-button").setAttribute("aria-expanded", String(show));
}

function onKey(event) {
  if (event.key === "Escape") {
    if (!$("#shortcuts").hidden) toggleShortcuts(false);
    else if (isTyping(event.target)) event.target.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (event.key === "?") {
    toggleShortcuts();
    event.preventDefault();
    return;
  }
  if (!ui.encounter || $("#encounter").hidden) return;
  const keys = {
    n: () => ui.encounter.status === "active" && act({ type: "next_turn" }),
    p: () => ui.encounter.status === "active" && act({ type: "previous_turn" }),
    u: () => act({ type: "undo" }),
    "/": () => $("#monster-q").focus(),
  };
  const handler = keys[event.key];
  if (handler) {
    event.preventDefault();
    handler();
  }
}

function wire() {
  whenUnauthorized(() => signOut("Your session has ended; sign in again."));

  $("#login-form").addEventListener(
    "submit",
    guarded(async (event) => {
      const { email, password } = formValues(event.target);
      await signIn(email, password);
      event.target.reset();
    }),
  );
  $("#register-form").addEventListener(
    "submit",
    guarded(async (event) => {
      const values = formValues(event.target);
      const body = { email: values.email, password: values.password };
      if (values.display_name) body.display_name = values.display_name;
      await api("/api/auth/register", { method: "POST", body, auth: false });
      await signIn(values.email, values.password);
      event.target.reset();
      toast("Welcome! Create your first campaign.");
    }),
  );
  $("#sign-out").addEventListener("click", () => signOut());
  $("#shortcuts-button").addEventListener("click", () => toggleShortcuts());

  $("#campaign-form").addEventListener(
    "submit",
    guarded(async (event) => {
      const campaign = await api("/api/campaigns", { method: "POST", body: formValues(event.target) });
      event.target.reset();
      await loadCampaigns();
      await selectCampaign(campaign.id);
    }),
  );
  $("#character-form").addEventListener(
    "submit",
    guarded(async (event) => {
      const character = await api(`/api/campaigns/${ui.campaignId}/characters`, {
        method: "POST",
        body: formValues(event.target),
      });
      event.target.reset();
      await loadCharacters();
      toast(`${character.name} joins the party.`);
      event.target.querySelector("input[name=name]").focus();
    }),
  );
  $("#encounter-form").addEventListener(
    "submit",
    guarded(async (event) => {
      const encounter = await api(`/api/campaigns/${ui.campaignId}/encounters`, {
        method: "POST",
        body: formValues(event.target),
      });
      event.target.reset();
      await loadEncounters();
      await openEncounter(encounter.id);
    }),
  );

  $("#add-party").addEventListener(
    "click",
    guarded(async () => {
      const ids = [...$("#party-list").querySelectorAll("input:checked")].map((i) => i.value);
      if (!ids.length) throw new ApiError(0, { detail: "Tick the characters to add." });
      await addCombatants({ character_ids: ids });
    }),
  );
  $("#adhoc-form").addEventListener(
    "submit",
    guarded(async (event) => {
      const body = formValues(event.target);
      if (!body.hidden) delete body.hidden;
      await addCombatants(body);
      event.target.querySelector("input[name=name]").select();
    }),
  );
  $("#monster-q").addEventListener("input", scheduleSearch);

  $("#roll-initiative").addEventListener("click", guarded(rollInitiative));
  $("#start-combat").addEventListener("click", guarded(() => act({ type: "start_combat" })));
  $("#next-turn").addEventListener("click", guarded(() => act({ type: "next_turn" })));
  $("#previous-turn").addEventListener("click", guarded(() => act({ type: "previous_turn" })));
  $("#end-combat").addEventListener("click", guarded(() => act({ type: "end_combat" })));
  $("#undo").addEventListener("click", guarded(() => act({ type: "undo" })));
  $("#log-undo").addEventListener("click", guarded(() => act({ type: "undo" })));
  $("#share").addEventListener("click", guarded(() => share()));
  $("#share-rotate").addEventListener("click", guarded(() => share({ rotate: true })));
  $("#share-copy").addEventListener("click", async () => {
    const input = $("#share-link");
    try {
      await navigator.clipboard.writeText(input.value);
      toast("Link copied.");
    } catch {
      input.select();
      toast("Select the link and copy it.");
    }
  });

  document.addEventListener("keydown", onKey);
  window.addEventListener("online", () => ui.encounter && !live.isLive && live.start(ui.encounter.version));
}

async function boot() {
  wire();
  if (!session.token) {
    showAuth();
    return;
  }
  try {
    ui.user = await api("/api/auth/me");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) showError(error);
    showAuth();
    return;
  }
  await showApp().catch(showError);
}

boot();
