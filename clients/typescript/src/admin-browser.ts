// What a browser bundle gets for `@sekisho/client/admin` (the `browser` export
// condition): the same names, and a call that refuses at once, so a management key
// imported into a client component fails the page in development rather than leaking.
export type * from "./admin.js";

export function createAdminClient(): never {
  throw new Error(
    "createAdminClient is server-only: a management key must never reach a browser (call it from a Route Handler, a Server Action or your backend)",
  );
}
