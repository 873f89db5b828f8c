// The console's one door to its vendored libraries (Preact, htm, signals; see scripts/vendor.sh).
import { Component, h, render, Fragment } from "../../vendor/preact.js";
import { useEffect, useLayoutEffect, useRef, useState, useMemo, useCallback } from "../../vendor/preact-hooks.js";
import { signal, computed, batch, effect } from "../../vendor/signals.js";
import htm from "../../vendor/htm.js";

/** Tagged templates that build Preact elements: html`<p>${text}</p>` (text is always text). */
export const html = htm.bind(h);
export { Component, h, render, Fragment, useEffect, useLayoutEffect, useRef, useState, useMemo, useCallback };
export { signal, computed, batch, effect };
