// A result grid with virtual scrolling: only the rows in view (plus a margin) exist in the DOM, so
// 100,000 rows scroll as smoothly as 100. NULL is rendered as a styled "NULL", distinct from ''.

const ROW_HEIGHT = 24;
const OVERSCAN = 10;

export function cellText(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function columnWidths(columns, rows) {
  const sample = rows.slice(0, 200);
  return columns.map((column, i) => {
    let chars = Math.max(column.name.length, (column.type || '').length);
    for (const row of sample) chars = Math.max(chars, (cellText(row[i]) ?? 'NULL').length);
    return Math.min(360, Math.max(60, chars * 8 + 18));
  });
}

function cell(value, width, numeric) {
  const span = document.createElement('span');
  span.className = 'cell' + (numeric ? ' num' : '');
  span.style.width = `${width}px`;
  const text = cellText(value);
  if (text === null) {
    span.classList.add('null');
    span.textContent = 'NULL';
  } else {
    span.textContent = text;
    span.title = text.length > 40 ? text : '';
  }
  return span;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;

export function isNumericType(type) {
  return NUMERIC.test(type || '');
}

/** Renders {columns:[{name,type}], rows:[[...]]} into container; returns nothing. */
export function renderGrid(container, { columns, rows }) {
  container.replaceChildren();
  const widths = columnWidths(columns, rows);
  const total = widths.reduce((a, b) => a + b, 0) + 56;
  const numeric = columns.map((c) => isNumericType(c.type));

  const header = document.createElement('div');
  header.className = 'grid-header';
  header.style.width = `${total}px`;
  header.append(Object.assign(document.createElement('span'), { className: 'cell rownum', textContent: '#' }));
  columns.forEach((column, i) => {
    const h = document.createElement('span');
    h.className = 'cell' + (numeric[i] ? ' num' : '');
    h.style.width = `${widths[i]}px`;
    h.innerHTML = '<b></b><small></small>';
    h.firstChild.textContent = column.name;
    h.lastChild.textContent = column.type || '';
    header.append(h);
  });

  const viewport = document.createElement('div');
  viewport.className = 'grid-viewport';
  const spacer = document.createElement('div');
  spacer.className = 'grid-spacer';
  spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
  spacer.style.width = `${total}px`;
  viewport.append(spacer);
  container.append(header, viewport);

  let first = -1;
  let last = -1;
  function paint() {
    const from = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const to = Math.min(rows.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    if (from === first && to === last) return;
    first = from;
    last = to;
    const fragment = document.createDocumentFragment();
    for (let r = from; r < to; r++) {
      const line = document.createElement('div');
      line.className = 'grid-row';
      line.style.transform = `translateY(${r * ROW_HEIGHT}px)`;
      line.dataset.row = r;
      line.append(Object.assign(document.createElement('span'), { className: 'cell rownum', textContent: r + 1 }));
      rows[r].forEach((value, i) => line.append(cell(value, widths[i], numeric[i])));
      fragment.append(line);
    }
    spacer.replaceChildren(fragment);
  }
  viewport.addEventListener('scroll', () => {
    header.style.transform = `translateX(${-viewport.scrollLeft}px)`;
    requestAnimationFrame(paint);
  });
  new ResizeObserver(() => { first = -1; paint(); }).observe(viewport);
  paint();
}
