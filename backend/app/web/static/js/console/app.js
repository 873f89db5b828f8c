// The DM console's root: the layout (building, or combat mode where the tracker owns the
// screen), the one open dialog, the toasts. Everything it shows comes from the store.

import * as store from "./store.js";
import { boot, signOut } from "./data.js";
import { html, render } from "./lib.js";
import { SignIn } from "./auth.js";
import { Campaigns, Characters, EditCharacter, Encounters, Rename } from "./sidebar.js";
import { Builder } from "./builder.js";
import { Tracker } from "./tracker.js";
import { Log } from "./log.js";
import { StatblockPanel } from "./statblock.js";
import { Toasts } from "./toasts.js";
import { Confirm } from "./dialogs.js";
import { InitiativePrompt } from "./initiative.js";
import { EncounterSettings, UserSettings } from "./settings.js";
import { KeysHelp, installKeyboard } from "./keyboard.js";
import { Share } from "./share.js";
import { HomebrewEditor, ImportDialog } from "./library.js";

const DIALOGS = {
  confirm: (d) => html`<${Confirm} ...${d} />`,
  rename: (d) => html`<${Rename} item=${d.item} />`,
  character: (d) => html`<${EditCharacter} character=${d.character} />`,
  initiative: () => html`<${InitiativePrompt} />`,
  settings: () => store.encounter.value && html`<${EncounterSettings} />`,
  prefs: () => html`<${UserSettings} />`,
  keys: () => html`<${KeysHelp} />`,
  share: () => store.encounter.value && html`<${Share} />`,
  import: () => html`<${ImportDialog} />`,
  homebrew: (d) => html`<${HomebrewEditor} block=${d.block} />`,
};

function Dialog() {
  const d = store.dialog.value;
  return d ? DIALOGS[d.kind]?.(d) || null : null;
}

function TopBar() {
  const user = store.user.value;
  const state = store.encounterId.value;
  const combat = store.combatMode.value;
  const open = (kind) => () => store.openDialog({ kind });
  return html`<header class="topbar">
    <span class="brand" aria-hidden="true">⚔</span>
    <h1 class="app-name">Initiative Tracker</h1>
    <nav class="top-actions" aria-label="Console">
      ${state && html`<button type="button" class="btn small" aria-pressed=${String(combat)}
        onClick=${() => store.setCombatMode(!combat)}>${combat ? "Build" : html`Combat<span class="long"> mode</span>`}</button>
        <button type="button" class="btn small" aria-label="Encounter settings" onClick=${open("settings")}><span class="long">Encounter settings</span><span class="brief">Settings</span></button>
        <button type="button" class="btn small" aria-label="Share player view" onClick=${open("share")}>Share<span class="long"> player view</span></button>`}
      <button type="button" class="btn small ghost" aria-label="Your settings" onClick=${open("prefs")}>⚙</button>
      <button type="button" class="btn small ghost" aria-label="Keyboard shortcuts" onClick=${open("keys")}>?</button>
      <span id="user-box" class="user"><span class="muted small">${user.display_name || user.email}</span>
        <button type="button" class="btn small ghost" onClick=${() => signOut()}>Sign out</button></span>
    </nav>
  </header>`;
}

function Welcome() {
  return html`<section id="welcome" class="card welcome">
    <h2>Ready when you are</h2>
    <p>Create a campaign, add your party's characters, then make an encounter and add monsters from the SRD.</p>
    <p class="muted small keyboard-only">Press <kbd>?</kbd> for keyboard shortcuts.</p>
  </section>`;
}

function Console() {
  const state = store.encounterId.value;
  const combat = store.combatMode.value && state;
  // A stat block sits above the log, never instead of it: its rolls land in the log.
  const block = store.panel.value === "statblock" && store.statblock.value;
  const side = block ? html`<${StatblockPanel} />${state && html`<${Log} />`}` : state ? html`<${Log} />` : null;
  return html`<a class="skip-link" href="#main">Skip to the tracker</a>
    <${TopBar} />
    <div class=${`layout${combat ? " combat" : ""}${side ? "" : " no-side"}`}>
      ${!combat && html`<aside class="sidebar" aria-label="Campaign">
        <${Campaigns} /><${Encounters} /><${Characters} /><${Builder} />
      </aside>`}
      <main id="main" class="main" tabindex="-1">${state ? html`<${Tracker} />` : html`<${Welcome} />`}</main>
      ${side && html`<aside class=${`side-panel${block && state ? " stacked" : ""}`} aria-label="Log and stat blocks">${side}</aside>`}
    </div>`;
}

function App() {
  if (store.booting.value) return html`<p class="booting muted">Loading…</p>`;
  return html`${store.user.value ? html`<${Console} />` : html`<${SignIn} />`}<${Toasts} /><${Dialog} />`;
}

installKeyboard();
render(html`<${App} />`, document.getElementById("app"));
boot();
