// Charts from the current result: pick a type (bar, line, scatter), then x, y and an optional series
// column. Sensible defaults (x = first column, y = first numeric column) make it one or two clicks.

import { el } from './api.js';
import { cellText, isNumericType } from './grid.js';

const MAX_POINTS = 20000;
const MAX_SERIES = 20;

let result = null;
let chart = null;
let type = 'bar';

export function initCharts() {
  for (const button of document.querySelectorAll('[data-chart]')) {
    button.addEventListener('click', () => {
      type = button.dataset.chart;
      draw();
    });
  }
  for (const id of ['chart-x', 'chart-y', 'chart-series']) {
    document.getElementById(id).addEventListener('change', draw);
  }
}

/** Called with every new result: refreshes the column choices and redraws when the chart is visible. */
export function showChart(newResult) {
  const fresh = newResult !== result;
  result = newResult;
  if (fresh) fillChoices();
  if (!document.getElementById('chart-panel').hidden) draw();
}

/** Forgets the result and removes its chart, e.g. when the next statement failed. */
export function clearChart() {
  result = null;
  chart?.destroy();
  chart = null;
  for (const id of ['chart-x', 'chart-y', 'chart-series']) document.getElementById(id).replaceChildren();
}

function fillChoices() {
  const names = result.columns.map((c) => c.name);
  const option = (name, i) => el('option', { value: i }, name);
  const x = document.getElementById('chart-x');
  const y = document.getElementById('chart-y');
  const series = document.getElementById('chart-series');
  x.replaceChildren(...names.map(option));
  y.replaceChildren(...names.map(option));
  series.replaceChildren(el('option', { value: '' }, '(none)'), ...names.map(option));
  const numeric = result.columns.map((c, i) => (isNumericType(c.type) ? i : -1)).filter((i) => i >= 0);
  const firstNonNumeric = result.columns.findIndex((c) => !isNumericType(c.type));
  const xIndex = firstNonNumeric >= 0 ? firstNonNumeric : 0;
  x.value = xIndex;
  y.value = numeric.find((i) => i !== xIndex) ?? (names.length > 1 ? 1 : 0);
}

function number(value) {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function datasets(xIndex, yIndex, seriesIndex) {
  const rows = result.rows.slice(0, MAX_POINTS);
  const groups = new Map();
  for (const row of rows) {
    const key = seriesIndex === null ? result.columns[yIndex].name : cellText(row[seriesIndex]) ?? 'NULL';
    if (!groups.has(key)) {
      if (groups.size >= MAX_SERIES) continue;
      groups.set(key, []);
    }
    groups.get(key).push(row);
  }
  if (type === 'scatter') {
    return {
      datasets: [...groups].map(([label, members]) => ({
        label,
        data: members.map((r) => ({ x: number(r[xIndex]), y: number(r[yIndex]) })),
      })),
    };
  }
  const labels = [...new Set(rows.map((r) => cellText(r[xIndex]) ?? 'NULL'))];
  return {
    labels,
    datasets: [...groups].map(([label, members]) => {
      const byX = new Map(members.map((r) => [cellText(r[xIndex]) ?? 'NULL', number(r[yIndex])]));
      return { label, data: labels.map((l) => byX.get(l) ?? null) };
    }),
  };
}

function draw() {
  if (!result || result.columns.length === 0) return;
  for (const button of document.querySelectorAll('[data-chart]')) {
    button.classList.toggle('active', button.dataset.chart === type);
  }
  const xIndex = Number(document.getElementById('chart-x').value);
  const yIndex = Number(document.getElementById('chart-y').value);
  const seriesValue = document.getElementById('chart-series').value;
  const data = datasets(xIndex, yIndex, seriesValue === '' ? null : Number(seriesValue));
  chart?.destroy();
  chart = new Chart(document.getElementById('chart'), {
    type,
    data,
    options: {
      animation: false,
      maintainAspectRatio: false,
      spanGaps: true,
      scales: {
        x: { type: type === 'scatter' ? 'linear' : 'category', title: { display: true, text: result.columns[xIndex].name } },
        y: { title: { display: true, text: result.columns[yIndex].name } },
      },
    },
  });
}
