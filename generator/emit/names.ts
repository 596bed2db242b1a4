// Naming conventions shared by the emitters, so a composition can import what a machine exported.

export function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export const machineNames = (machine: string) => ({
  state: `${machine}State`,
  input: `${machine}Input`,
  signal: `${machine}Signal`,
  trigger: `${machine}Trigger`,
  effect: `${machine}Effect`,
  transitionName: `${machine}TransitionName`,
  guardName: `${machine}GuardName`,
  refusalCode: `${machine}RefusalCode`,
  triggerName: `${machine}TriggerName`,
  result: `${machine}Result`,
  kernel: `${lowerFirst(machine)}Kernel`,
  instance: `${machine}Machine`,
  triggerType: (trigger: string, kind: "input" | "signal") => `${machine}${trigger}${kind === "input" ? "Input" : "Signal"}`,
  effectType: (effect: string) => `${machine}${effect}Effect`,
});

export const compositionNames = (composition: string) => ({
  state: `${composition}State`,
  kernel: `${lowerFirst(composition)}Composition`,
});
