// Promela export of machine specs and the SPIN cross-check of the explorer's state space.

export { exportPromela, MAX_PAYLOADS } from "./export.js";
export { FASTEST_SPIN_CFLAGS, runSpin, parsePanReport, SpinRunError, SPIN_TMP, type PanReport, type SpinOptions, type SpinResult } from "./spin.js";
export { PromelaProfileError, PromelaUnsupportedError, SpinNotInstalledError } from "./errors.js";
