// Picks a named check profile, or fails with the list of known ones.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import { UnknownProfileError } from "./errors.js";

export function selectProfile(subject: string, profiles: Readonly<Record<string, ProfileDesc>>, name: string): ProfileDesc {
  const p = Object.prototype.hasOwnProperty.call(profiles, name) ? profiles[name] : undefined;
  if (!p) throw new UnknownProfileError(subject, name, Object.keys(profiles));
  return p;
}
