//! Knowledge: what the assistant knows and where it came from. Sources with live progress
//! (re-sync, delete), a website to crawl, file uploads with a result per file, the FAQ
//! editor, the document browser, and "what would the assistant retrieve" for a query.

import { ApiError, api, describe } from '../api';
import { formatDate, h, progress, replace, valueOf } from '../dom';
import type { DocumentRow, FaqEntry, SearchHit, Source } from '../types';
import { KIND_LABEL, STATUS_TONE, badge, banner, button, page, section, table } from '../ui';

const POLL_MS = 1000;
/** How long the sources are watched after an upload while its files are read. */
const UPLOAD_WATCH_MS = 60_000;
const UPLOAD_TYPES = '.pdf,.csv,.md,.markdown,.html,.htm,.txt';

export async function knowledge(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const sources = h('div');
  const faq = h('div');
  const documents = h('div');
  replace(
    root,
    page(
      'Knowledge',
      section('Sources', sources, addWebsite(() => void refreshSources(sources, signal))),
      section('Upload files', uploader(() => void refreshSources(sources, signal, Date.now() + UPLOAD_WATCH_MS))),
      section('FAQ', faq),
      section('What would the assistant retrieve?', retrieval()),
      section('Documents', documents),
    ),
  );
  await Promise.all([
    guard(sources, refreshSources(sources, signal)),
    guard(faq, refreshFaq(faq)),
    guard(documents, browse(documents, '', 1)),
  ]);
}

/** Shows a section's failure in that section, so the others still work. */
async function guard(target: HTMLElement, work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) replace(target, banner('critical', 'Could not load this part', h('s-paragraph', {}, describe(error))));
  }
}

/**
 * Draws the sources, again every second while any is queued or syncing, or until `watchUntil`
 * (uploads are read by a job that does not mark the source as syncing).
 */
async function refreshSources(target: HTMLElement, signal: AbortSignal, watchUntil = 0): Promise<void> {
  for (;;) {
    const { sources } = await api<{ sources: Source[] }>('/api/sources', { signal });
    if (signal.aborted) return;
    replace(
      target,
      sources.length
        ? table(['Source', 'Status', 'Progress', 'Documents', 'Last synced', ''], sources.map((s) => sourceRow(s, target, signal)))
        : h('s-paragraph', {}, 'No sources yet.'),
    );
    if (!sources.some((s) => s.status === 'queued' || s.status === 'syncing') && Date.now() > watchUntil) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (signal.aborted) return;
  }
}

function sourceRow(source: Source, list: HTMLElement, signal: AbortSignal): (Node | string)[] {
  const label = KIND_LABEL[source.kind] ?? source.kind;
  const name = source.kind === 'web' ? source.name : source.name === 'default' ? label : `${label} (${source.name})`;
  const act = (label: string, run: () => Promise<unknown>, attrs: Record<string, string> = {}) =>
    button(label, () => void run().then(() => refreshSources(list, signal)).catch((e) => shopify.toast.show(describe(e), { isError: true })), {
      ...attrs,
      accessibilityLabel: `${label} ${name}`,
    });
  const actions = h(
    'div',
    { class: 'row-actions' },
    act('Re-sync', () => api(`/api/sources/${source.id}/sync`, { method: 'POST' })),
    source.kind === 'web' || source.kind === 'files'
      ? act('Delete', async () => {
          if (confirm(`Delete ${name} and everything learned from it?`)) await api(`/api/sources/${source.id}`, { method: 'DELETE' });
        }, { tone: 'critical' })
      : null,
  );
  return [
    name,
    h('span', {}, badge(STATUS_TONE[source.status] ?? 'neutral', source.status), source.last_error ? h('span', { class: 'error-text' }, ` ${source.last_error}`) : null),
    progress(`${name} progress`, source.processed, source.seen),
    `${source.documents} (${source.chunks} passages)`,
    formatDate(source.last_synced_at),
    actions,
  ];
}

function addWebsite(added: () => void): HTMLElement {
  const url = h('s-url-field', { label: 'Website to crawl', placeholder: 'https://help.example.com', name: 'website' });
  const add = async () => {
    url.removeAttribute('error');
    try {
      await api('/api/sources', { method: 'POST', json: { kind: 'web', url: valueOf(url).trim() } });
      (url as HTMLInputElement).value = '';
      shopify.toast.show('Website added; crawling it now');
      added();
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401) url.setAttribute('error', error.fields.url ?? error.message);
    }
  };
  return h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); void add(); } }, url, button('Add website', () => void add()));
}

function uploader(uploaded: () => void): HTMLElement {
  const results = h('ul', { class: 'upload-results', 'aria-live': 'polite' });
  const zone = h('s-drop-zone', { label: 'Drop files here or choose them', accept: UPLOAD_TYPES, multiple: true, accessibilityLabel: 'Upload files' });
  zone.addEventListener('change', async () => {
    const files = [...((zone as unknown as { files?: File[] }).files ?? [])];
    for (const file of files) {
      const line = h('li', {}, `${file.name}: uploading…`);
      results.append(line);
      try {
        await api(`/api/files?name=${encodeURIComponent(file.name)}`, {
          method: 'POST',
          body: file,
          headers: { 'Content-Type': file.type || 'application/octet-stream' },
        });
        replace(line, badge('success', 'Accepted'), ` ${file.name}: being read now`);
      } catch (error) {
        replace(line, badge('critical', 'Refused'), ` ${file.name}: ${describe(error)}`);
      }
    }
    uploaded();
  });
  return h('div', {}, h('s-paragraph', {}, 'PDF, CSV (question,answer), Markdown, HTML or text; up to 10 MB each.'), zone, results);
}

async function refreshFaq(target: HTMLElement): Promise<void> {
  const { entries } = await api<{ entries: FaqEntry[] }>('/api/faq');
  const reload = () => void refreshFaq(target);
  const move = async (index: number, by: number) => {
    const ids = entries.map((e) => e.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id);
    await api('/api/faq/order', { method: 'PUT', json: { ids } });
    reload();
  };
  replace(
    target,
    h(
      'ol',
      { class: 'faq' },
      ...entries.map((entry, i) =>
        h(
          'li',
          { class: 'faq-entry' },
          h('p', { class: 'faq-question' }, entry.question),
          h('p', { class: 'faq-answer' }, entry.answer),
          h(
            'div',
            { class: 'row-actions' },
            button('Edit', () => target.querySelector(`#faq-${entry.id}`)?.replaceWith(faqForm(entry, reload)), { accessibilityLabel: `Edit: “${entry.question}”` }),
            button('Move up', () => void move(i, -1), { disabled: i === 0, accessibilityLabel: `Move up: “${entry.question}”` }),
            button('Move down', () => void move(i, 1), { disabled: i === entries.length - 1, accessibilityLabel: `Move down: “${entry.question}”` }),
            button(
              'Delete',
              () => void api(`/api/faq/${entry.id}`, { method: 'DELETE' }).then(reload),
              { tone: 'critical', accessibilityLabel: `Delete: “${entry.question}”` },
            ),
          ),
          h('div', { id: `faq-${entry.id}` }),
        ),
      ),
    ),
    entries.length ? null : h('s-paragraph', {}, 'No entries yet.'),
    faqForm(null, reload),
  );
}

/** A form adding an entry (`entry` null) or editing one. */
function faqForm(entry: FaqEntry | null, saved: () => void): HTMLElement {
  const question = h('s-text-field', { label: entry ? 'Question' : 'New question', value: entry?.question ?? '', name: 'question' });
  const answer = h('s-text-area', { label: entry ? 'Answer' : 'New answer', value: entry?.answer ?? '', name: 'answer' });
  const status = h('div', { role: 'status' });
  const save = async () => {
    replace(status);
    const body = { question: valueOf(question).trim(), answer: valueOf(answer).trim() };
    try {
      await api(entry ? `/api/faq/${entry.id}` : '/api/faq', { method: entry ? 'PUT' : 'POST', json: body });
      shopify.toast.show(entry ? 'FAQ entry saved' : 'FAQ entry added');
      saved();
    } catch (error) {
      if (error instanceof ApiError && error.fields.question) question.setAttribute('error', error.fields.question);
      if (error instanceof ApiError && error.fields.answer) answer.setAttribute('error', error.fields.answer);
      replace(status, banner('critical', 'Not saved', h('s-paragraph', {}, describe(error))));
    }
  };
  return h(
    'form',
    { class: 'faq-form', onsubmit: (e) => { e.preventDefault(); void save(); } },
    question,
    answer,
    status,
    button(entry ? 'Save entry' : 'Add entry', () => void save(), { variant: entry ? 'secondary' : 'primary' }),
  );
}

function retrieval(): HTMLElement {
  const query = h('s-search-field', { label: 'A shopper’s question', placeholder: 'Do you ship to Canada?', name: 'q' });
  const hits = h('div', { 'aria-live': 'polite' });
  const search = async () => {
    const q = valueOf(query).trim();
    if (!q) return;
    const result = await api<{ hits: SearchHit[] }>(`/api/search?q=${encodeURIComponent(q)}&limit=10`);
    replace(
      hits,
      result.hits.length
        ? h(
            'ol',
            { class: 'hits' },
            ...result.hits.map((hit) =>
              h(
                'li',
                { class: 'hit' },
                h('span', { class: 'score', title: 'Relevance score' }, hit.score.toFixed(3)),
                ' ',
                hit.url ? h('a', { href: hit.url, target: '_blank', rel: 'noopener' }, hit.title) : h('strong', {}, hit.title),
                ' ',
                badge('info', `${KIND_LABEL[hit.source.kind] ?? hit.source.kind}`),
                h('p', { class: 'snippet' }, hit.snippet),
              ),
            ),
          )
        : h('s-paragraph', {}, 'Nothing found: the assistant would say it does not know.'),
    );
  };
  return h('form', { class: 'inline-form', role: 'search', onsubmit: (e) => { e.preventDefault(); void search(); } }, query, button('Search', () => void search()), hits);
}

async function browse(target: HTMLElement, q: string, pageNumber: number): Promise<void> {
  const params = new URLSearchParams({ page: String(pageNumber) });
  if (q) params.set('q', q);
  const { documents, next_page } = await api<{ documents: DocumentRow[]; next_page: number | null }>(`/api/documents?${params}`);
  const filter = h('s-text-field', { label: 'Filter documents by title', value: q, name: 'documents-filter' });
  replace(
    target,
    h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); void browse(target, valueOf(filter).trim(), 1); } }, filter, button('Filter', () => void browse(target, valueOf(filter).trim(), 1))),
    table(
      ['Title', 'Passages', 'Updated'],
      documents.map((d) => [d.url ? h('a', { href: d.url, target: '_blank', rel: 'noopener' }, d.title) : d.title, String(d.chunks), formatDate(d.updated_at)]),
    ),
    h(
      'div',
      { class: 'row-actions' },
      button('Previous page', () => void browse(target, q, pageNumber - 1), { disabled: pageNumber <= 1 }),
      h('span', {}, `Page ${pageNumber}`),
      button('Next page', () => void browse(target, q, next_page ?? pageNumber), { disabled: next_page === null }),
    ),
  );
}
