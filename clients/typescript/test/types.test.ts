// Compile-time checks of the generated types, run by `npm run typecheck` (tsc): each
// `@ts-expect-error` line must be an error, or tsc fails ("unused directive").
import { describe, expect, it } from "vitest";

import { createClient, type SekishoError, type User } from "../src/index.js";

const client = createClient({ baseUrl: "http://api.test", fetch: (async () => new Response()) as typeof fetch });

export function requiredFieldsAreRequired() {
  // @ts-expect-error: password is required by the server, so by the type
  void client.api.POST("/api/v1/auth/signup", { body: { email: "a@example.com" } });
  // @ts-expect-error: and it cannot be null
  void client.api.POST("/api/v1/auth/login", { body: { email: "a@example.com", password: null } });
  // @ts-expect-error: no such path
  void client.api.GET("/api/v1/auth/nothing");
  void client.api.POST("/api/v1/auth/signup", { body: { email: "a@example.com", password: "long enough" } });
}

export function unionsAreClosed(user: User, error: SekishoError) {
  // @ts-expect-error: role is "user" | "admin"
  const role: "root" = user.role;
  // @ts-expect-error: not a code the server or the client ever sends
  const code: "OOPS" = error.code;
  const name: string | null = user.name;
  const image: string | null = user.image;
  const field: string | undefined = error.fields.email;
  return [role, code, name, image, field];
}

describe("types", () => {
  it("are checked by tsc, not at run time", () => {
    expect(typeof requiredFieldsAreRequired).toBe("function");
  });
});
