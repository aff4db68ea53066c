import { clip, count, escapeMrkdwn, minutes, signed, slackDate, type SlackMessage } from './format.js';

// The running trend of a /leak watch: samples in, slopes and a verdict out, and the one Slack
// message that shows them (updated in place at every tick). Pure: the watch runner feeds it.

export type Verdict = 'growing' | 'flat' | 'draining';

export interface WatchSample {
  index: number;
  at: number;
  /** Snapshot sequence number in the store, when the capture succeeded. */
  seq?: number;
  total: number | null;
  /** Plain-words reason when this tick's capture failed. */
  error?: string;
  /** Goroutines per group key (coarse signature) at this tick. */
  counts: Record<string, number>;
  /** The pod a fleet's watch follows (its name), so the message says which process it shows. */
  instanceName?: string;
}

export interface SuspectLabel {
  key: string;
  /** `fanout.go:42 (order.collect)`. */
  site: string;
  patternTitle: string;
  confidence: 'high' | 'medium' | 'low';
}

export interface WatchView {
  service: string;
  everyMs: number;
  ticks: number;
  startedAt: number;
  startedBy: string;
  status: 'running' | 'stopping' | 'done';
  endReason?: 'completed' | 'stopped' | 'failed';
  stoppedBy?: string;
  watchId: string;
}

export interface SeriesTrend {
  first: number;
  last: number;
  change: number;
  /** Least-squares slope in goroutines per minute; null with fewer than two points. */
  perMinute: number | null;
  verdict: Verdict;
  values: number[];
}

/** Least-squares slope of value over time, per minute. */
export function slopePerMinute(points: Array<{ at: number; v: number }>): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.at, 0) / n;
  const my = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - mx) * (p.v - my);
    den += (p.at - mx) ** 2;
  }
  return den === 0 ? null : (num / den) * 60_000;
}

/** Growing or draining needs a change beyond noise (a few goroutines or 2 %) that the slope agrees
 *  with; everything else is flat. */
export function trendOf(points: Array<{ at: number; v: number }>): SeriesTrend {
  const values = points.map((p) => p.v);
  const first = values[0] ?? 0;
  const last = values[values.length - 1] ?? 0;
  const change = last - first;
  const perMinute = slopePerMinute(points);
  const threshold = Math.max(3, Math.abs(first) * 0.02);
  let verdict: Verdict = 'flat';
  if (perMinute !== null && change > threshold && perMinute > 0) verdict = 'growing';
  else if (perMinute !== null && change < -threshold && perMinute < 0) verdict = 'draining';
  return { first, last, change, perMinute, verdict, values };
}

const BARS = '▁▂▃▄▅▆▇█';

/** Share of the level a sparkline spans at least: a change smaller than this draws as a small step. */
const MIN_SPAN = 0.1;

/** Unicode sparkline of the last `width` values. The bars span the values' range, but never less
 *  than a tenth of the highest value (centred): 74 → 73 → 73 goroutines drew `█▁▁`, a collapse, on a
 *  watch whose verdict said "flat" (trial5); it now draws `▅▄▄`. */
export function sparkline(values: number[], width = 24): string {
  const v = values.slice(-width);
  if (v.length === 0) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  if (hi === lo) return BARS[3]!.repeat(v.length);
  const span = Math.max(hi - lo, Math.abs(hi) * MIN_SPAN);
  const base = lo - (span - (hi - lo)) / 2;
  return v.map((x) => BARS[Math.round(((x - base) / span) * (BARS.length - 1))]).join('');
}

export interface WatchTrend {
  total: SeriesTrend;
  suspects: Array<SuspectLabel & { trend: SeriesTrend }>;
  verdict: Verdict;
  captured: number;
  failed: number;
}

const MAX_SUSPECTS = 5;

export function watchTrend(samples: WatchSample[], labels: SuspectLabel[]): WatchTrend {
  const ok = samples.filter((s) => s.total !== null).sort((a, b) => a.index - b.index);
  const total = trendOf(ok.map((s) => ({ at: s.at, v: s.total! })));
  const suspects = labels
    .map((l) => ({ ...l, trend: trendOf(ok.map((s) => ({ at: s.at, v: s.counts[l.key] ?? 0 }))) }))
    .sort((a, b) => b.trend.change - a.trend.change)
    .slice(0, MAX_SUSPECTS);
  // A suspect the engine trusts that keeps growing makes the service "growing" even when request
  // noise hides it in the total; otherwise the total decides.
  const suspectGrowing = suspects.some((s) => s.confidence !== 'low' && s.trend.verdict === 'growing');
  const verdict: Verdict = suspectGrowing ? 'growing' : total.verdict;
  return { total, suspects, verdict, captured: ok.length, failed: samples.length - ok.length };
}

const rate = (t: SeriesTrend): string => (t.perMinute === null ? '' : `, ${t.perMinute >= 0 ? '+' : ''}${Math.abs(t.perMinute) >= 10 ? t.perMinute.toFixed(0) : t.perMinute.toFixed(1)}/min`);
const VERDICT_ICON: Record<Verdict, string> = { growing: '📈', flat: '➖', draining: '📉' };

/** Where `values` last rose: the index of the last capture above the one before it (0 when none
 *  did), and how many captures came after it without rising again. */
function lastRise(values: number[]): { at: number; after: number } {
  let at = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[i - 1]!) at = i;
  return { at, after: values.length - 1 - at };
}

/** A pile that rose and then stopped rising, in the words of its last captures: 'rose 20 → 45 by
 *  capture 2, then held at 45 for the 2 captures since' (or 'stayed at or below 45, now 40'). */
function roseThen(site: string, values: number[], at: number, after: number): string {
  const peak = values[at]!;
  const tail = values.slice(at + 1);
  const since = `for the ${after === 1 ? 'capture' : `${after} captures`} since`;
  const then = tail.every((v) => v === peak) ? `held at ${count(peak)} ${since}` : `stayed at or below ${count(peak)} ${since} (${count(values[values.length - 1]!)} now)`;
  return `${site} rose ${count(values[0]!)} → ${count(peak)} by capture ${at + 1}, then ${then}`;
}

export function verdictSentence(service: string, t: WatchTrend, spanMs: number): string {
  if (t.captured < 2) return `Not enough captures of ${service} to tell a trend (${t.captured} succeeded).`;
  const top = t.suspects.find((s) => s.trend.verdict === 'growing');
  const base = `${service} is ${t.verdict}: ${count(t.total.first)} → ${count(t.total.last)} goroutines over ${minutes(spanMs)} (${signed(t.total.change)}${rate(t.total)})`;
  if (t.verdict === 'growing' && top) {
    // A pile that rose and then held for the latter half of the watch (a burst of leaked goroutines,
    // then nothing) does not "keep growing": a rate drawn through one step claims growth the last
    // captures did not see (4 → 23 at capture 4, then 23 for 8 captures read "+68/min").
    // It said "keeps growing" as soon as the slope was up, also of a pile that rose once and held for
    // the last two captures: the words follow the last captures.
    const { at, after } = lastRise(top.trend.values);
    if (after >= 1) {
      const long = after >= 3 && after * 2 >= top.trend.values.length - 1;
      return `${base}; ${roseThen(top.site, top.trend.values, at, after)}: ${long ? 'it may have stopped for now (keep watching, or capture again later)' : 'too few captures to tell whether it stopped (keep watching)'}.`;
    }
    return `${base}; ${top.site} keeps growing (${signed(top.trend.change)}${rate(top.trend)}).`;
  }
  if (t.verdict === 'draining') return `${base}; the pile is shrinking.`;
  if (t.verdict === 'flat') return `${base}; no growth to speak of.`;
  return `${base}.`;
}

/** Failed captures shown at most (as runs of one reason): a watch failing for an hour stays short. */
const FAILURE_RUNS_SHOWN = 3;

/**
 * What a watch's failed captures tell the reader: how many failed and since when (the first failure,
 * and the run still failing now), then the latest reasons, each over the run of captures that
 * failed with it ('captures 4–12 failed: …'), the earlier ones counted. It listed only the last
 * three failures, each on its own line, so a watch failing for an hour said 'capture 58 failed',
 * 'capture 59 failed', 'capture 60 failed' with the same reason and not when it had started.
 */
function failureLines(sorted: WatchSample[]): string[] {
  const failed = sorted.filter((s) => s.error);
  if (failed.length === 0) return [];
  const at = (s: WatchSample) => `capture ${s.index + 1} (${slackDate(s.at, '{time_secs}')})`;
  // The captures failing now, without a success since.
  let streak = sorted.length;
  while (streak > 0 && sorted[streak - 1]!.error) streak--;
  const now = sorted.length - streak;
  const n = failed.length;
  const first = at(failed[0]!);
  const head =
    n === 1
      ? []
      : [
          `:warning: ${
            n === sorted.length
              ? `All ${n} captures failed, since ${first}.`
              : now === n
                ? `${n} of ${sorted.length} captures failed: every one since ${first}.`
                : `${n} of ${sorted.length} captures failed, the first at ${first}${now >= 2 ? `; failing again since ${at(sorted[streak]!)}, ${now} in a row` : ''}.`
          }`,
        ];
  // Runs of one reason over consecutive failed captures, latest last.
  const runs: Array<{ from: WatchSample; to: WatchSample; error: string; n: number }> = [];
  sorted.forEach((s, i) => {
    if (!s.error) return;
    const last = runs[runs.length - 1];
    if (last && last.error === s.error && sorted[i - 1] === last.to) {
      last.to = s;
      last.n++;
    } else runs.push({ from: s, to: s, error: s.error, n: 1 });
  });
  const shown = runs.slice(-FAILURE_RUNS_SHOWN);
  const earlier = runs.slice(0, -FAILURE_RUNS_SHOWN).reduce((n, r) => n + r.n, 0);
  return [
    ...head,
    ...(earlier ? [`…${earlier} earlier failed capture${earlier === 1 ? '' : 's'} not listed.`] : []),
    ...shown.map((r) => `${r.n === 1 ? `capture ${r.from.index + 1}` : `captures ${r.from.index + 1}–${r.to.index + 1}`} failed: ${escapeMrkdwn(r.error)}`),
  ];
}

/** A suspect's verdict word: 'growing' only while its last capture still rose. */
function suspectWord(t: SeriesTrend): string {
  if (t.verdict !== 'growing') return t.verdict;
  const { at, after } = lastRise(t.values);
  return after === 0 ? 'growing' : `rose until capture ${at + 1}, not since`;
}

export const WATCH_CHART_ACTION = 'watch_chart';
export const WATCH_STOP_ACTION = 'watch_stop';

export function renderWatchMessage(view: WatchView, samples: WatchSample[], labels: SuspectLabel[]): SlackMessage {
  const t = watchTrend(samples, labels);
  const sorted = [...samples].sort((a, b) => a.index - b.index);
  const done = view.status === 'done';
  // A fleet's watch follows one pod: say which (trial5 read a healthy pod's flat total under the
  // service's name while another pod leaked).
  const pod = sorted.find((s) => s.instanceName)?.instanceName;
  const who = pod ? `${view.service} (${escapeMrkdwn(pod)})` : view.service;
  // One capture tells no trend: not "flat" (the sentence below says why).
  const outcome = t.captured < 2 ? 'too few captures for a trend' : t.verdict;
  const icon = t.captured < 2 ? '❔' : VERDICT_ICON[t.verdict];
  const lastAt = sorted[sorted.length - 1]?.at ?? view.startedAt;
  const every = minutes(view.everyMs);
  const span = minutes(view.everyMs * (view.ticks - 1));
  const head = done
    ? `${icon} *Watch of ${who} ${view.endReason === 'stopped' ? `stopped${view.stoppedBy ? ` by <@${view.stoppedBy}>` : ''}` : view.endReason === 'failed' ? 'ended early (a capture failed for good)' : 'ended'}: ${outcome}*`
    : `👀 *Watching ${who}* every ${every} for ${span} · started by <@${view.startedBy}>`;
  const blocks: Array<Record<string, unknown>> = [{ type: 'section', text: { type: 'mrkdwn', text: head } }];

  if (t.captured > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Total goroutines* \`${sparkline(t.total.values)}\` ${count(t.total.first)} → ${count(t.total.last)} (${signed(t.total.change)}${rate(t.total)})` },
    });
  }
  if (t.suspects.length > 0) {
    const lines = t.suspects.map(
      (s) =>
        `• \`${escapeMrkdwn(s.site)}\` ${escapeMrkdwn(s.patternTitle)} (${s.confidence}): ${count(s.trend.first)} → ${count(s.trend.last)} \`${sparkline(s.trend.values)}\`${rate(s.trend)} · ${suspectWord(s.trend)}`,
    );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Suspects*\n${lines.join('\n')}`, 3000) } });
  } else if (t.captured > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Suspects*\nnone so far: no group is growing like a leak.' } });
  }
  if (done) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(verdictSentence(pod ? `${view.service} (${pod})` : view.service, t, lastAt - (sorted[0]?.at ?? lastAt))), 3000) } });

  const errors = failureLines(sorted);
  const progress = `${sorted.length}/${view.ticks} captures${t.failed ? ` (${t.failed} failed)` : ''}`;
  const next = !done && view.status === 'running' && sorted.length < view.ticks ? ` · next ${slackDate(view.startedAt + sorted.length * view.everyMs, '{time_secs}')}` : '';
  const stopping = view.status === 'stopping' ? ' · stopping…' : '';
  const tail = done ? ' · trend chart in the thread' : ` · stop with \`/leak watch stop ${view.service}\``;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip([`${progress}${next}${stopping}${tail}`, ...errors].join('\n'), 3000) }] });
  if (!done) {
    blocks.push({
      type: 'actions',
      block_id: `watch|${view.watchId}`,
      elements: [
        { type: 'button', action_id: WATCH_CHART_ACTION, text: { type: 'plain_text', text: 'Chart so far' }, value: view.watchId },
        ...(view.status === 'running'
          ? [{ type: 'button', action_id: WATCH_STOP_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Stop watching' }, value: view.watchId }]
          : []),
      ],
    });
  }
  const text = done ? `Watch of ${who} ended: ${outcome}` : `Watching ${who}: ${t.captured > 0 ? `${count(t.total.last)} goroutines` : 'first capture…'}`;
  return { text, blocks };
}
