import type { ReactNode } from "react";

import { SekishoPages } from "../../sekisho/layout";

// Only the pages `sekisho-client init` wrote sit under this layout (a route group
// adds nothing to their paths). It brings the session provider, or uses the app's
// own when its root layout already has one.
export default function SekishoLayout({ children }: { children: ReactNode }) {
  return <SekishoPages>{children}</SekishoPages>;
}
