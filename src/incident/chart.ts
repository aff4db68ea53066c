import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { clip, utcTime } from './format.js';

// Trend chart for /leak watch: total goroutines and the top suspect groups over time, drawn with
// Chart.js on a native canvas (no browser). Chart.js picks its DOM-less platform on its own in Node.

Chart.register(...registerables);

export interface TrendPoint {
  at: number;
  total: number;
  /** Count per suspect label at this tick (missing = 0). */
  groups: Record<string, number>;
}

export interface TrendChartInput {
  title: string;
  points: TrendPoint[];
  /** Which group labels to draw, most important first (capped at MAX_SERIES). */
  series: string[];
  width?: number;
  height?: number;
}

const MAX_SERIES = 5;
const MAX_POINTS = 720;
const COLOURS = ['#d62728', '#ff7f0e', '#9467bd', '#2ca02c', '#8c564b'];

const whiteBackground: Plugin<'line'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Keeps every `step`-th point plus the last, so long watches stay readable and bounded. */
function thin(points: TrendPoint[]): TrendPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const step = Math.ceil(points.length / MAX_POINTS);
  const out = points.filter((_p, i) => i % step === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

export async function renderTrendChart(input: TrendChartInput): Promise<Buffer> {
  const width = Math.min(Math.max(input.width ?? 960, 320), 2000);
  const height = Math.min(Math.max(input.height ?? 480, 200), 1200);
  const points = thin([...input.points].sort((a, b) => a.at - b.at));
  const series = input.series.slice(0, MAX_SERIES);
  const spansDays = points.length > 1 && points[points.length - 1]!.at - points[0]!.at > 86_400_000;
  const labels = points.map((p) => (spansDays ? new Date(p.at).toISOString().slice(5, 16).replace('T', ' ') : utcTime(p.at)));

  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: 'total goroutines',
          data: points.map((p) => p.total),
          borderColor: '#1f77b4',
          backgroundColor: 'rgba(31,119,180,0.12)',
          fill: true,
          borderWidth: 3,
          pointRadius: points.length > 60 ? 0 : 3,
        },
        ...series.map((s, i) => ({
          label: clip(s, 60),
          data: points.map((p) => p.groups[s] ?? 0),
          borderColor: COLOURS[i % COLOURS.length]!,
          backgroundColor: 'rgba(255,255,255,0)',
          borderWidth: 2,
          borderDash: [6, 3],
          pointRadius: points.length > 60 ? 0 : 2,
        })),
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: { display: true, text: clip(input.title, 120), font: { size: 16 } },
        legend: { position: 'bottom' },
      },
      scales: {
        x: { title: { display: true, text: spansDays ? 'UTC' : 'time (UTC)' } },
        // One axis: a suspect's goroutines are part of the total, so the gap between the lines is the rest.
        y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'goroutines' } },
      },
    },
    plugins: [whiteBackground],
  };

  const canvas = createCanvas(width, height);
  // Chart.js is typed against the DOM canvas; the native canvas implements the same 2D context API.
  const chart = new Chart(canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
