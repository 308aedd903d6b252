// The API under the app's own origin: every /api/* request goes to Sekisho with the
// visitor's address (set TRUSTED_PROXIES on Sekisho to this server's address).
import { sekishoProxy } from "@sekisho/client/next/proxy";

export const { GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD } = sekishoProxy();
