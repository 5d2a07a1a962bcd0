import { formatTime } from '@/lib/format';

export interface Series {
  name: string;
  /** [epoch ms, value] in time order. */
  points: [number, number][];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

/**
 * A line chart as plain SVG (server-rendered, no chart library, fixed size so nothing shifts),
 * with a text summary for screen readers. Times on the axis are in the user's zone.
 */
export function LineChart({
  title,
  series,
  zone,
  format = (v) => v.toLocaleString('en-US', { maximumFractionDigits: 1 }),
  empty = 'No data yet: the broker samples every few seconds.',
}: {
  title: string;
  series: Series[];
  zone: string;
  format?: (value: number) => string;
  empty?: string;
}) {
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) {
    return (
      <figure className="flex h-[232px] items-center justify-center rounded-lg border border-dashed border-zinc-300 text-sm text-zinc-500 dark:border-zinc-700">
        <figcaption>
          {title}: {empty}
        </figcaption>
      </figure>
    );
  }
  const t0 = Math.min(...points.map((p) => p[0]));
  const t1 = Math.max(...points.map((p) => p[0]), t0 + 1);
  const vMax = Math.max(...points.map((p) => p[1]), 0) || 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / vMax) * (HEIGHT - PAD.top - PAD.bottom);
  const latest = series.map((s) => `${s.name}: ${s.points.length ? format(s.points[s.points.length - 1][1]) : '—'}`).join(', ');
  return (
    <figure className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
      <figcaption className="mb-1 flex flex-wrap items-center gap-3 text-sm font-medium">
        {title}
        {series.map((s, i) => (
          <span key={s.name} className="inline-flex items-center gap-1 text-xs font-normal text-zinc-600 dark:text-zinc-400">
            <span aria-hidden="true" className="inline-block h-2 w-3 rounded" style={{ background: COLORS[i % COLORS.length] }} />
            {s.name}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-[200px] w-full" role="img" aria-label={`${title}. Latest ${latest}.`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(vMax * f)} y2={y(vMax * f)} className="stroke-zinc-200 dark:stroke-zinc-800" />
            <text x={PAD.left - 6} y={y(vMax * f) + 4} textAnchor="end" className="fill-zinc-500 text-[10px]">
              {format(vMax * f)}
            </text>
          </g>
        ))}
        {[t0, (t0 + t1) / 2, t1].map((t, i) => (
          <text
            key={i}
            x={x(t)}
            y={HEIGHT - 8}
            textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}
            className="fill-zinc-500 text-[10px]"
          >
            {formatTime(t, zone).slice(11, 19)}
          </text>
        ))}
        {series.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth={1.5}
            points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
    </figure>
  );
}
