import type { ReactNode } from "react";
import { isSekishoError } from "@sekisho/client";
import { getSession } from "@sekisho/client/next";

import { Nav } from "../components/Nav";
import { Providers } from "../components/Providers";
import "./globals.css";

export const metadata = { title: "Sekisho × Next.js" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The same /me call as the page's (React cache: one per request). If Sekisho cannot
  // answer, the browser asks again itself and the page shows why.
  // (Only SekishoError is caught: Next.js signals "this page is dynamic" by throwing.)
  const initialUser = await getSession().then(
    (session) => session?.user ?? null,
    (error: unknown) => {
      if (isSekishoError(error)) return undefined;
      throw error;
    },
  );
  return (
    <html lang="en">
      <body>
        <Providers initialUser={initialUser}>
          <Nav />
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
