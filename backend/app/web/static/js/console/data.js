// Session, campaigns, the encounter list and user settings: the API calls that feed the
// store outside of combat (the campaign's characters are roster.js's, the open encounter
// encounter.js's).

import { ApiError, api, session, whenUnauthorized } from "../api.js";
import * as store from "./store.js";
import { closeLive, openEncounterById } from "./encounter.js";
import { loadCharacters } from "./roster.js";

const LOCAL_PREFS = "initiative.prefs";

/** Show an error from anywhere as the one error toast. */
export function showError(error) {
  if (error instanceof ApiError) store.toast(error.message, { kind: "error" });
  else {
    console.error(error);
    store.toast("Something went wrong in the console.", { kind: "error" });
  }
}

/** Wrap an async handler so a failure becomes the error toast. */
export const guard =
  (handler) =>
  async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      showError(error);
      return undefined;
    }
  };

// --- navigation: #/c/<campaign>/e/<encounter> -------------------------------------------------
function readHash() {
  const parts = window.location.hash.replace(/^#\/?/, "").split("/");
  const out = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]] = decodeURIComponent(parts[i + 1]);
  return { campaign: out.c || null, encounter: out.e || null };
}

export function writeHash() {
  let hash = "";
  const c = store.campaignId.value;
  const e = store.encounter.value;
  if (c) hash += `#/c/${encodeURIComponent(c)}`;
  if (c && e) hash += `/e/${encodeURIComponent(e.id)}`;
  if (window.location.hash !== hash) history.replaceState(null, "", hash || window.location.pathname);
}

// --- signing in --------------------------------------------------------------------------------
export async function boot() {
  whenUnauthorized(() => signOut("Your session has ended; sign in again."));
  if (!session.token) return store.signedOut();
  try {
    store.signedIn(await api("/api/auth/me"));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) showError(error);
    return store.signedOut();
  }
  await afterSignIn();
}

async function afterSignIn() {
  loadPrefs().catch(() => {});
  const wanted = readHash();
  await loadCampaigns();
  const first = wanted.campaign || store.campaigns.value[0]?.id;
  if (first && store.campaigns.value.some((c) => c.id === first)) {
    await chooseCampaign(first);
    if (wanted.encounter) await openEncounter(wanted.encounter).catch(showError);
  }
}

export async function signIn(email, password) {
  const token = await api("/api/auth/login", { method: "POST", body: { email, password }, auth: false });
  session.token = token.access_token;
  store.signedIn(await api("/api/auth/me"));
  await afterSignIn();
}

export async function register({ email, password, display_name }) {
  const body = { email, password };
  if (display_name) body.display_name = display_name;
  await api("/api/auth/register", { method: "POST", body, auth: false });
  await signIn(email, password);
  store.toast("Welcome! Create your first campaign.");
}

export function signOut(message) {
  session.token = null;
  closeLive();
  store.signedOut();
  history.replaceState(null, "", window.location.pathname);
  if (message) store.toast(message, { kind: "error" });
}

// --- per-user settings (server, or this browser until the server has them) ---------------------
async function loadPrefs() {
  try {
    store.setPrefs(await api("/api/auth/me/settings"), "server");
  } catch (error) {
    if (!(error instanceof ApiError) || ![404, 405].includes(error.status)) throw error;
    store.setPrefs(JSON.parse(localStorage.getItem(LOCAL_PREFS) || "{}"), "local");
  }
}

export async function savePrefs(value) {
  const next = { ...store.prefs.value, ...value };
  try {
    store.setPrefs(await api("/api/auth/me/settings", { method: "PUT", body: next }), "server");
  } catch (error) {
    if (!(error instanceof ApiError) || ![404, 405].includes(error.status)) throw error;
    localStorage.setItem(LOCAL_PREFS, JSON.stringify(next));
    store.setPrefs(next, "local");
  }
}

// --- campaigns, characters, encounters -------------------------------------------------------
export async function loadCampaigns() {
  store.setCampaigns((await api("/api/campaigns?limit=200")).items);
}

export async function createCampaign(name) {
  const made = await api("/api/campaigns", { method: "POST", body: { name } });
  await loadCampaigns();
  await chooseCampaign(made.id);
}

export async function chooseCampaign(id) {
  if (store.campaignId.value !== id) closeLive();
  store.chooseCampaign(id);
  await Promise.all([loadCharacters(), loadEncounters()]);
  writeHash();
}

export async function loadEncounters() {
  const id = store.campaignId.value;
  store.setEncounters((await api(`/api/campaigns/${id}/encounters?limit=200`)).items);
}

export async function createEncounter(body) {
  const made = await api(`/api/campaigns/${store.campaignId.value}/encounters`, { method: "POST", body });
  await loadEncounters();
  await openEncounter(made.id);
}

export async function openEncounter(id) {
  await openEncounterById(id);
  writeHash();
}

export async function renameEncounter(item, name) {
  await api(`/api/encounters/${item.id}`, { method: "PATCH", body: { name } });
  await loadEncounters();
  store.toast(`Renamed to ${name}.`);
}

export async function duplicateEncounter(item) {
  const copy = await api(`/api/encounters/${item.id}/duplicate`, { method: "POST" });
  await loadEncounters();
  store.toast(`${copy.name} created.`);
}

export async function deleteEncounter(item) {
  await api(`/api/encounters/${item.id}`, { method: "DELETE" });
  if (store.encounter.value?.id === item.id) {
    closeLive();
    store.closeEncounter();
    writeHash();
  }
  await loadEncounters();
  store.toast(`${item.name} deleted.`);
}

/** Download the encounter as the API exports it (our JSON, which import reads back). */
export async function exportEncounter(item) {
  const data = await api(`/api/encounters/${item.id}/export`);
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${item.name.replace(/[^\w.-]+/g, "_") || "encounter"}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export async function importEncounter(text) {
  const body = JSON.parse(text);
  const made = await api(`/api/campaigns/${store.campaignId.value}/encounters/import`, { method: "POST", body });
  await loadEncounters();
  if (made?.id) await openEncounter(made.id);
}
