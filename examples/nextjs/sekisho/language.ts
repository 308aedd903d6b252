"use client";
// The visitor's language, English or Japanese, from the browser's own setting
// (LANGUAGE in strings.ts forces one). The server's render has no browser, so it
// and the first client render say English and React switches after hydration,
// without a mismatch.
import { useSyncExternalStore } from "react";
import { type Language, pickLanguage } from "@sekisho/client";

import { LANGUAGE, strings, type Strings } from "./strings";

function subscribe(onChange: () => void) {
  window.addEventListener("languagechange", onChange);
  return () => window.removeEventListener("languagechange", onChange);
}

export function useLanguage(): Language {
  return useSyncExternalStore(
    subscribe,
    () => LANGUAGE ?? pickLanguage(navigator.language),
    () => LANGUAGE ?? "en",
  );
}

export function useStrings(): Strings {
  return strings[useLanguage()];
}
