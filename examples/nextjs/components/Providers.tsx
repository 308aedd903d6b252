"use client";
import type { ReactNode } from "react";
import { SekishoProvider } from "@sekisho/client/react";

// The client's base URL is NEXT_PUBLIC_API_URL (cross-origin) or, unset, this page's
// own origin (same-origin through the /api proxy or rewrites). No language is forced:
// the browser's own Accept-Language picks English or Japanese messages.
export function Providers({ children }: { children: ReactNode }) {
  return <SekishoProvider>{children}</SekishoProvider>;
}
