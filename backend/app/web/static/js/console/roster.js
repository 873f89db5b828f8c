// The campaign's characters over the network. Its own module because both the campaign
// (choosing one) and the open encounter (ending combat writes the party's HP back) reload
// them; the store holds them.

import { api } from "../api.js";
import * as store from "./store.js";

export async function loadCharacters() {
  const id = store.campaignId.value;
  store.setCharacters((await api(`/api/campaigns/${id}/characters?limit=200`)).items);
}

export async function saveCharacter(body, characterId = null) {
  const base = `/api/campaigns/${store.campaignId.value}/characters`;
  const saved = characterId
    ? await api(`${base}/${characterId}`, { method: "PATCH", body })
    : await api(base, { method: "POST", body });
  await loadCharacters();
  return saved;
}

export async function deleteCharacter(character) {
  await api(`/api/campaigns/${store.campaignId.value}/characters/${character.id}`, { method: "DELETE" });
  await loadCharacters();
  store.toast(`${character.name} left the campaign.`);
}
