"use client";
// The example's own page for the sessions list that `init` also put in Settings: the
// generated component is the app's code, used wherever the app likes.
import { SessionList } from "../../sekisho/sessions";

export default function SessionsPage() {
  return <SessionList returnTo="/sessions" />;
}
