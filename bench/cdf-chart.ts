/**
 * A cumulative distribution chart as hand-written SVG (no dependencies): for each series, the share of its values at
 * or below x, on a logarithmic x axis so a baseline of milliseconds and a project of seconds both stay readable.
 */

export interface CdfSeries {
  label: string;
  values: readonly number[];
  color: string;
  /** SVG stroke-dasharray; omitted = solid. */
  dash?: string;
}

export interface CdfChart {
  title: string;
  /** One line each, under the title. */
  subtitle: string[];
  xLabel: string;
  yLabel: string;
  series: CdfSeries[];
}

const WIDTH = 960;
const HEIGHT = 540;
const PLOT = { left: 80, top: 96, right: 660, bottom: 468 };

export function cdfChartSvg(chart: CdfChart): string {
  const all = chart.series.flatMap((s) => s.values);
  const positive = all.filter((v) => v > 0);
  // Whole decades, so every labelled tick is a round number; lags at or below 0 ms sit on the left edge.
  const smallest = positive.length > 0 ? Math.min(...positive) : 1;
  const largest = positive.length > 0 ? Math.max(...positive) : 10;
  const low = 10 ** Math.floor(Math.log10(Math.max(1, smallest)));
  const high = 10 ** Math.max(Math.ceil(Math.log10(largest)), Math.log10(low) + 1);
  const decades = Math.round(Math.log10(high / low));
  const x = (value: number) => {
    const clamped = Math.min(Math.max(value, low), high);
    return (
      PLOT.left +
      ((Math.log10(clamped) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * (PLOT.right - PLOT.left)
    );
  };
  const y = (share: number) => PLOT.bottom - share * (PLOT.bottom - PLOT.top);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="30" font-size="17" font-weight="600" fill="#212529">${escape(chart.title)}</text>`,
    ...chart.subtitle.map(
      (text, i) => `<text x="${PLOT.left}" y="${52 + i * 18}" fill="#495057">${escape(text)}</text>`,
    ),
  );

  // Grid and ticks: every decade labelled, the values between them as faint lines.
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(line(x(decade), PLOT.top, x(decade), PLOT.bottom, '#ced4da'));
    parts.push(
      `<text x="${fmt(x(decade))}" y="${PLOT.bottom + 20}" text-anchor="middle" fill="#343a40">${escape(millis(decade))}</text>`,
    );
    if (decade < high) {
      for (let k = 2; k < 10; k += 1) {
        parts.push(line(x(decade * k), PLOT.top, x(decade * k), PLOT.bottom, '#e9ecef'));
        // With few decades there is room to name 2 and 5 of each as well.
        if (decades <= 3 && (k === 2 || k === 5)) {
          parts.push(
            `<text x="${fmt(x(decade * k))}" y="${PLOT.bottom + 20}" text-anchor="middle" fill="#868e96" font-size="11">${escape(millis(decade * k))}</text>`,
          );
        }
      }
    }
  }
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(line(PLOT.left, y(share), PLOT.right, y(share), '#ced4da'));
    parts.push(
      `<text x="${PLOT.left - 8}" y="${fmt(y(share) + 4)}" text-anchor="end" fill="#343a40">${share * 100}%</text>`,
    );
  }
  // p99 is the figure the tables compare, so its height is marked.
  parts.push(line(PLOT.left, y(0.99), PLOT.right, y(0.99), '#adb5bd', '2 3'));
  parts.push(`<text x="${PLOT.right - 4}" y="${fmt(y(0.99) + 14)}" text-anchor="end" fill="#868e96">p99</text>`);
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#495057"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 46}" text-anchor="middle" fill="#212529">${escape(chart.xLabel)}</text>`,
    `<text transform="translate(22 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#212529">${escape(chart.yLabel)}</text>`,
  );

  for (const series of chart.series) {
    const sorted = [...series.values].sort((a, b) => a - b);
    if (sorted.length === 0) continue;
    // A step for each value: the share climbs by 1/n where a value lies.
    const points: string[] = [`M${fmt(x(sorted[0] ?? low))},${fmt(y(0))}`];
    sorted.forEach((value, i) => {
      points.push(
        `L${fmt(x(value))},${fmt(y(i / sorted.length))}`,
        `L${fmt(x(value))},${fmt(y((i + 1) / sorted.length))}`,
      );
    });
    parts.push(
      `<path d="${points.join('')}" fill="none" stroke="${series.color}" stroke-width="2"${series.dash ? ` stroke-dasharray="${series.dash}"` : ''}/>`,
    );
  }

  const legendX = PLOT.right + 24;
  parts.push(`<text x="${legendX}" y="${PLOT.top + 4}" font-weight="600" fill="#212529">Legend</text>`);
  chart.series.forEach((series, i) => {
    const top = PLOT.top + 26 + i * 24;
    parts.push(line(legendX, top, legendX + 34, top, series.color, series.dash, 2.5));
    parts.push(`<text x="${legendX + 42}" y="${top + 4}" fill="#212529">${escape(series.label)}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash?: string, width = 1): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function millis(value: number): string {
  return value >= 1000 ? `${value / 1000} s` : `${value} ms`;
}

function fmt(value: number): string {
  return value.toFixed(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
