"use client";
// Around every page `init` wrote: the session (the app's own <SekishoProvider>, when
// its root layout has one) and the server's messages in the visitor's language.
import { type ReactNode, useEffect } from "react";
import { SekishoProvider, useSekisho } from "@sekisho/client/react";

import { useLanguage } from "./language";

function AskInLanguage({ children }: { children: ReactNode }) {
  const client = useSekisho();
  const language = useLanguage();
  useEffect(() => client.setLanguage(language), [client, language]);
  return <div className="sekisho-page">{children}</div>;
}

export function SekishoPages({ children }: { children: ReactNode }) {
  return (
    <SekishoProvider>
      <AskInLanguage>{children}</AskInLanguage>
    </SekishoProvider>
  );
}
