/** Markup that is already escaped: interpolating it into `html` keeps it as is. */
export class SafeHtml {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (character) => ESCAPES[character] ?? character);
}

/**
 * A template tag that escapes every interpolated value (names and URLs come from the
 * internet), except SafeHtml and lists of it.
 *
 * @example html`<td>${artist.name}</td>` // "<td>AC&lt;DC</td>" for a hostile name
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(text);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value));
}

const STYLE = `
  :root { color-scheme: light dark; --accent: #3b82f6; --muted: #6b7280; --line: #d1d5db33; --card: #8881; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
  header { display: flex; gap: 1.5rem; align-items: baseline; padding: .8rem 1.5rem; border-bottom: 1px solid var(--line); }
  header strong { font-size: 1.1rem; }
  header a { color: inherit; text-decoration: none; opacity: .7; }
  header a.active { opacity: 1; border-bottom: 2px solid var(--accent); }
  main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
  h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
  h2 { font-size: 1.1rem; margin: 1.8rem 0 .6rem; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: .8rem; }
  .tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1.5rem; }
  .card { background: var(--card); border-radius: 8px; padding: .7rem .9rem; }
  .card .value { font-size: 1.6rem; font-weight: 600; }
  .card .label { color: var(--muted); font-size: .85rem; }
  .meter { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; margin-top: .4rem; }
  .meter span { display: block; height: 100%; background: var(--accent); }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  td.number, th.number { text-align: right; }
  .muted { color: var(--muted); }
  .error { color: #dc2626; }
  /* Long URLs break after a slash, ?, & or = (the <wbr> the pages put there); mid-word only
     when one part alone is wider than the column (break-word, unlike anywhere, keeps the column
     at least as wide as the longest part). */
  .url { overflow-wrap: break-word; font-size: .9em; }
  input.copy { width: 100%; font: .85em ui-monospace, monospace; padding: .3rem .4rem; }
  .overlays td { vertical-align: middle; }
  .overlays img { height: 54px; max-width: 96px; object-fit: cover; border-radius: 4px; display: block; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dl.facts dt { color: var(--muted); }
  dl.facts dd { margin: 0; }
  .chart { width: 100%; height: auto; background: var(--card); border-radius: 8px; }
  .sparkline { width: 240px; min-width: 180px; height: 44px; display: block; }
  form.search { display: flex; gap: .5rem; margin-bottom: 1rem; }
  form.search input { flex: 1; max-width: 420px; padding: .4rem .6rem; font: inherit; }
  .images { display: flex; flex-wrap: wrap; gap: .6rem; }
  .images a { display: block; background: var(--card); border-radius: 6px; padding: 4px; }
  .images img { display: block; height: 120px; max-width: 260px; object-fit: contain; }
  .viewer img { max-width: 100%; max-height: 70vh; background: var(--card); }
  a { color: var(--accent); }
  .actions { margin: .6rem 0 1rem; }
  form.action { display: inline; margin: 0 .4rem 0 0; }
  form.action button { font: inherit; font-size: .9em; padding: .25rem .7rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); cursor: pointer; }
  form.action button.danger { color: #dc2626; }
  .notice { background: #3b82f622; border-left: 3px solid var(--accent); padding: .5rem .8rem; border-radius: 4px; }
  /* A phone: tables scroll inside themselves, the page never wider than the screen. */
  @media (max-width: 640px) {
    header { flex-wrap: wrap; gap: .8rem; padding: .6rem .8rem; }
    main { padding: .8rem .8rem 2rem; }
    table { display: block; overflow-x: auto; }
    /* Tables with URLs, messages or charts: each row a small card, the short cells side by side
       under their labels, then the wide ones (URLs, messages, charts) on lines of their own. */
    table.stack thead { display: none; }
    table.stack, table.stack tbody, table.stack td { display: block; }
    table.stack tr { display: flex; flex-wrap: wrap; gap: .3rem 1rem; padding: .5rem 0; border-bottom: 1px solid var(--line); }
    table.stack td { border: 0; padding: 0; text-align: left; }
    table.stack td.url, table.stack td.wide { flex-basis: 100%; order: 1; }
    table.stack td::before { content: attr(data-label); display: block; font-size: .8em; color: var(--muted); }
    table.stack td:empty, table.stack td:has(> .phone-hidden) { display: none; }
    .images img { height: 90px; max-width: 160px; }
  }
`;

/** A whole page: the header with the two sections, and the body. */
export function page(title: string, section: 'overview' | 'artists' | 'rates' | 'precache', body: SafeHtml, options: { refreshSeconds?: number; notice?: string | null } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds === undefined ? '' : new SafeHtml(`<meta http-equiv="refresh" content="${options.refreshSeconds}">`)}
<title>${title} · datacache</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header><strong>datacache</strong>
<a href="/" class="${section === 'overview' ? 'active' : ''}">Overview</a>
<a href="/artists" class="${section === 'artists' ? 'active' : ''}">Artists</a>
<a href="/rates" class="${section === 'rates' ? 'active' : ''}">Rate limits</a>
<a href="/precache" class="${section === 'precache' ? 'active' : ''}">Pre-cache</a>
</header>
<main>
${options.notice === undefined || options.notice === null ? '' : html`<p class="notice" id="notice" role="status">${options.notice}</p>`}
${body}
</main>
</body>
</html>
`.text;
}

/**
 * A URL (or a path, or a message holding a URL) that may break across lines after its
 * separators (`/`, `?`, `&`, `=`), so a long one wraps where a reader expects instead of in the
 * middle of a word.
 *
 * @example breakableUrl('https://a.org/x?y=1') // "https:/<wbr>/<wbr>a.org/<wbr>x?<wbr>y=<wbr>1"
 */
export function breakableUrl(url: string): SafeHtml {
  return new SafeHtml(escapeHtml(url).replace(/([/?=]|&amp;)/gu, '$1<wbr>'));
}

/** One column of a `stackedTable`: its heading and how to render its cell for a row. */
export interface StackedColumn<Row> {
  label: string;
  /**
   * `number`: right-aligned, heading too. `url` or `wide`: on a phone the cell takes a line of
   * its own, after the short ones. `error`: red.
   */
  kind?: 'number' | 'url' | 'url error' | 'wide';
  /** More classes for the cells, for tests and styles. */
  className?: string;
  cell: (row: Row) => unknown;
  /** A tooltip for the cell, such as the exact time behind "5 min ago". */
  title?: (row: Row) => string;
}

/**
 * A table on a desktop; on a phone each row becomes a small card: the short cells side by side,
 * each under its label (`data-label`, read by the stylesheet), then the URLs, messages and
 * charts on lines of their own. For tables that would otherwise squeeze a URL into a column a
 * few letters wide, or push a chart off the screen.
 *
 * @example stackedTable('jobs', [{ label: 'URL', kind: 'url', cell: (job) => breakableUrl(job.url) }], jobs)
 */
export function stackedTable<Row>(id: string, columns: readonly StackedColumn<Row>[], rows: readonly Row[], rowAttributes?: (row: Row) => Record<string, string>): SafeHtml {
  const classes = (column: StackedColumn<Row>, cell: boolean): SafeHtml => {
    const names = [cell || column.kind === 'number' ? column.kind : undefined, cell ? column.className : undefined].filter((name) => name !== undefined);
    return names.length === 0 ? html`` : html` class="${names.join(' ')}"`;
  };
  const attributes = (row: Row): SafeHtml[] => Object.entries(rowAttributes?.(row) ?? {}).map(([name, value]) => html` ${name}="${value}"`);
  return html`<table id="${id}" class="stack"><thead><tr>${columns.map((column) => html`<th${classes(column, false)}>${column.label}</th>`)}</tr></thead><tbody>
${rows.map((row) => html`<tr${attributes(row)}>${columns.map((column) => html`<td data-label="${column.label}"${classes(column, true)}${column.title === undefined ? '' : html` title="${column.title(row)}"`}>${column.cell(row)}</td>`)}</tr>
`)}</tbody></table>`;
}

/** What a page needs to render its action buttons: this run's token and where to come back to. */
export interface PageContext {
  token: string;
  /** The page's own path and query, where an action's form returns to. */
  path: string;
  /** What the last action did, shown at the top. */
  notice: string | null;
}

/**
 * A button that posts one action (`POST /actions/<name>`) with this run's token, as a form of
 * its own: no script needed.
 *
 * @example actionButton(context, 'retry-failed', {}, 'Retry failed jobs')
 */
export function actionButton(context: PageContext, action: string, fields: Record<string, string>, label: string, options: { danger?: boolean } = {}): SafeHtml {
  return html`<form class="action" method="post" action="/actions/${action}"><input type="hidden" name="token" value="${context.token}"><input type="hidden" name="back" value="${context.path}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit" class="${options.danger === true ? 'danger' : ''}" data-action="${action}">${label}</button></form>`;
}
