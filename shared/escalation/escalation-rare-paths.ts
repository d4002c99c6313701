// The escalation handlers' rarer paths, one module loaded on demand (decision 333): the sweep, the region-serving
// notice, a re-fire re-opening or joining its incident, a kill switch change's announcement. One module, not four:
// every module loaded on demand is an entry point to esbuild, and the code each set of entry points shares becomes a
// chunk of its own, so four would split what init reads into more files (each file costs its own load at init).
export { sweep, heldRefused } from './escalation-sweep';
export { standbyServes, checkNoticeLater, resumeStandby } from './escalation-notice';
export { afterRegroup } from './escalation-reopen';
export { killSwitchAnnouncer } from './kill-switch-announce';
