// `runbook report <timeline.json>`: renders a recorded game-day timeline as a self-contained HTML page; the demo uses
// the same writer at the end of every run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EXIT } from '../exit-codes';
import { renderReport, type ReportAssets } from './render-report';
import { parseTimeline, TimelineError, type Timeline } from './timeline';

/** uPlot's browser build and stylesheet, from the installed package; they are inlined into every page. */
export function loadReportAssets(): ReportAssets {
  const file = (name: string): string => readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');
  return { uplotJs: file('uPlot.iife.min.js'), uplotCss: file('uPlot.min.css') };
}

export interface WrittenReport {
  htmlPath: string;
  timelinePath: string;
}

/** `game-day-2026-12-05T04-31-07Z`: sortable, and a valid file name everywhere. */
export const reportStem = (startedAt: string): string => `game-day-${startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`;

/** Writes the timeline as JSON and its page beside it, in `dir`. */
export function writeGameDayReport(recorded: Timeline, dir: string, assets: ReportAssets = loadReportAssets()): WrittenReport {
  // Through the same schema as `runbook report`: what is written is valid, and rendering it again gives the same page.
  const timeline = parseTimeline(JSON.stringify(recorded), 'the recorded timeline');
  mkdirSync(dir, { recursive: true });
  const stem = reportStem(timeline.startedAt);
  const timelinePath = resolve(dir, `${stem}.json`);
  const htmlPath = resolve(dir, `${stem}.html`);
  writeFileSync(timelinePath, `${JSON.stringify(timeline, null, 2)}\n`);
  writeFileSync(htmlPath, renderReport(timeline, assets));
  return { htmlPath, timelinePath };
}

export async function reportCommand(file: string, options: { output?: string }): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`runbook report: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  }
  let timeline: Timeline;
  try {
    timeline = parseTimeline(text, file);
  } catch (error) {
    if (!(error instanceof TimelineError)) throw error;
    console.error(`runbook report: ${error.message}`);
    return EXIT.rejected;
  }
  const output = resolve(options.output ?? join(dirname(file), `${basename(file).replace(/\.json$/i, '')}.html`));
  const page = renderReport(timeline, loadReportAssets());
  try {
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, page);
  } catch (error) {
    // Review 23a R23a-14: an unwritable -o is the person's to fix (another path), so usage, with the file named.
    console.error(`runbook report: cannot write ${output}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  }
  console.log(`Game-day report: ${output}`);
  return EXIT.ok;
}
