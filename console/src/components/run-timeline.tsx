import {
  BarController,
  BarElement,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
  type TooltipItem,
} from 'chart.js';
import { useEffect, useRef, useState } from 'react';
import type { Run, RunStatus } from '../api';
import { formatDuration, startLagMs, wallTime } from '../format';
import { isDark, onThemeChange } from '../theme';

Chart.register(BarController, BarElement, LinearScale, Tooltip, Legend);

/** Outcome colours, readable on Pico's light and dark backgrounds. */
export const OUTCOME_COLOURS: Record<RunStatus, string> = {
  succeeded: '#2f9e5a',
  failed: '#d64545',
  missed: '#d69a00',
  skipped: '#8a8f98',
  running: '#3b82f6',
  queued: '#7c6fd6',
};

const STATUSES = Object.keys(OUTCOME_COLOURS) as RunStatus[];

interface Point {
  readonly x: number;
  /** Seconds after the scheduled time: from the start (the lag) to the end (lag plus duration). */
  readonly y: [number, number];
  readonly run: Run;
}

function pointOf(run: Run): Point {
  const lag = (startLagMs(run) ?? 0) / 1000;
  const duration = (run.durationMs ?? 0) / 1000;
  return { x: Date.parse(run.scheduledTime), y: [lag, lag + duration], run };
}

function paddedRange(runs: readonly Run[]): { min?: number; max?: number } {
  const times = runs.map((run) => Date.parse(run.scheduledTime));
  if (times.length === 0) return {};
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const pad = Math.max((last - first) * 0.05, 60_000);
  return { min: first - pad, max: last + pad };
}

function tooltipLines(zone: string) {
  return (item: TooltipItem<'bar'>): string[] => {
    const { run } = item.raw as Point;
    const lag = startLagMs(run);
    return [
      `${run.runId}: ${run.status}`,
      `scheduled ${wallTime(run.scheduledTime, zone)} (${zone})`,
      lag !== undefined ? `started ${formatDuration(lag)} late` : (run.reason ?? 'not started'),
      ...(run.durationMs !== undefined ? [`took ${formatDuration(run.durationMs)}`] : []),
      ...(run.error !== undefined ? [`${run.error.category}: ${run.error.message}`] : []),
    ];
  };
}

/**
 * Runs on a time axis: each bar sits at its scheduled time and spans from when it started (its start lag) to when
 * it ended, in seconds after the scheduled time; its colour is its outcome. Runs that never started (missed,
 * skipped, queued) are a short bar at zero. The table below the chart carries the same runs for keyboards and
 * screen readers.
 */
export function RunTimeline({ runs, zone }: { runs: readonly Run[]; zone: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // Chart.js draws its own text and grid: it is drawn again in the new colours when the theme changes.
  const [themeChanges, setThemeChanges] = useState(0);
  useEffect(() => onThemeChange(() => setThemeChanges((count) => count + 1)), []);

  useEffect(() => {
    if (canvas.current === null) return undefined;
    const text = isDark() ? '#c2c7d0' : '#373c44';
    const grid = isDark() ? 'rgba(255,255,255,0.08)' : 'rgba(0,0,0,0.08)';
    const config: ChartConfiguration<'bar', Point[]> = {
      type: 'bar',
      data: {
        datasets: STATUSES.map((status) => ({
          label: status,
          data: runs.filter((run) => run.status === status).map(pointOf),
          backgroundColor: OUTCOME_COLOURS[status],
          borderColor: OUTCOME_COLOURS[status],
          barThickness: 6,
          minBarLength: 4,
          grouped: false,
        })).filter((dataset) => dataset.data.length > 0),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: 'linear',
            // Some room either side, so that a single run sits in the middle rather than on an edge.
            ...paddedRange(runs),
            title: { display: true, text: `scheduled time (${zone})`, color: text },
            ticks: {
              color: text,
              maxTicksLimit: 6,
              callback: (value) => wallTime(new Date(Number(value)), zone).slice(5, 16),
            },
            grid: { color: grid },
          },
          y: {
            type: 'linear',
            beginAtZero: true,
            title: { display: true, text: 'seconds after the scheduled time', color: text },
            ticks: { color: text },
            grid: { color: grid },
          },
        },
        plugins: {
          legend: { labels: { color: text } },
          tooltip: { callbacks: { label: tooltipLines(zone) } },
        },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [runs, zone, themeChanges]);

  const newest = runs[0];
  return (
    <figure className="timeline" data-run-ids={runs.map((run) => run.runId).join(' ')}>
      <div className="timeline-canvas">
        <canvas
          ref={canvas}
          role="img"
          aria-label={
            runs.length === 0
              ? 'Run timeline: no runs yet'
              : `Run timeline of ${runs.length} runs; the latest, ${newest?.runId ?? ''}, ${newest?.status ?? ''}`
          }
        />
      </div>
      <figcaption>Start lag and duration of each run against its scheduled time; colour is the outcome.</figcaption>
    </figure>
  );
}
