// What the escalation handlers keep of their invocation's time after their calls (review 18b R18-10, decision 312): every
// call of the work (escalation-timer's sweep or timer, escalate's event or kill switch notice) is given up before the
// function's timeout, and the writes that record what a delivery sent, or give its claim back, still have time after
// it. Project defaults for the 60 s timeout both functions have (infra DEFAULT_SIZING; test/infra/escalation-deadline-fit.test.ts).

/**
 * No call of either handler's work (a timer's or escalate's: a read, a claim, a publish, a case, a schedule) starts with
 * 8 s or less of the invocation left, and one under way is aborted at 8 s left: a page that was answered has the 6 s
 * after it to be recorded; one that was not is given back (released) in them, as after a network error. Named
 * TIMER_CALL_RESERVE_MS until decision 325 (decisions 306, 312 name it so).
 */
export const ESCALATION_CALL_RESERVE_MS = 8_000;

/**
 * The writes that record a delivery's channels and its completion, or release its claim (EscalationStore's
 * recordDelivered, completeSend, releaseSend; KillSwitchNoticeLog's recordDelivered, complete, release), run until 2 s
 * are left: the last 2 s are the handler's answer (its log lines, its metrics, the sweep's result). Named
 * TIMER_RECORD_RESERVE_MS until decision 325.
 */
export const ESCALATION_RECORD_RESERVE_MS = 2_000;
