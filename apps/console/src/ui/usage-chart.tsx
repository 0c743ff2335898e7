/** One day's credits (the instance's `GET /tenants/{id}/usage` byDay). */
export interface UsageDay {
  day: string;
  credits: number;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD = 24;

/**
 * Credits per day over the last 30 days (today included, UTC) as an SVG bar chart; days without usage
 * are zero bars. Our own ~40 lines: a chart library would weigh more than the whole console.
 */
export function UsageChart({ days, today = new Date() }: { days: UsageDay[]; today?: Date }) {
  const byDay = new Map(days.map((entry) => [entry.day.slice(0, 10), entry.credits]));
  const series = Array.from({ length: 30 }, (_, index) => {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 29 + index));
    const day = date.toISOString().slice(0, 10);
    return { day, credits: byDay.get(day) ?? 0 };
  });
  const max = Math.max(1, ...series.map((entry) => entry.credits));
  const slot = (WIDTH - PAD) / series.length;
  return (
    <svg
      class="usage-chart"
      role="img"
      aria-label={`Credits per day, last 30 days, at most ${max}`}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
    >
      <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH} y2={HEIGHT - PAD} class="axis" />
      <text x={0} y={12} class="label">
        {max}
      </text>
      <text x={0} y={HEIGHT - PAD} class="label">
        0
      </text>
      {series.map((entry, index) => {
        const height = ((HEIGHT - 2 * PAD) * entry.credits) / max;
        return (
          <rect
            key={entry.day}
            class="bar"
            data-day={entry.day}
            data-credits={entry.credits}
            x={PAD + index * slot + 1}
            y={HEIGHT - PAD - height}
            width={slot - 2}
            height={height}
          >
            <title>{`${entry.day}: ${entry.credits} credits`}</title>
          </rect>
        );
      })}
      <text x={PAD} y={HEIGHT - 6} class="label">
        {series[0]?.day}
      </text>
      <text x={WIDTH - 70} y={HEIGHT - 6} class="label">
        {series[series.length - 1]?.day}
      </text>
    </svg>
  );
}
