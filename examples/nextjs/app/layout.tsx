import type { ReactNode } from "react";

import { Nav } from "../components/Nav";
import { Providers } from "../components/Providers";
import "./globals.css";

export const metadata = { title: "Sekisho × Next.js" };

// No session read here: under cacheComponents (create-next-app's default) a layout
// that awaited getSession() would hold every page behind the request. The provider
// asks /api/v1/auth/session once in the browser, and each protected page reads the
// session inside its own <Suspense> boundary.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <Nav />
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
