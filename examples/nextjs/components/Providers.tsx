"use client";
import type { ReactNode } from "react";
import type { User } from "@sekisho/client";
import { SekishoProvider } from "@sekisho/client/react";

// The client's base URL is NEXT_PUBLIC_API_URL (cross-origin) or, unset, this page's
// own origin (same-origin through the /api proxy or rewrites).
export function Providers({ children, initialUser }: { children: ReactNode; initialUser: User | null | undefined }) {
  return (
    <SekishoProvider initialUser={initialUser} options={{ language: "en" }}>
      {children}
    </SekishoProvider>
  );
}
