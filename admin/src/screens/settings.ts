//! Settings: every field of the assistant's settings in one form. A 422 names fields by their
//! dotted path in the body (`business_hours.weekly.mon.0.close`); each path is shown beside the
//! field that edits it (the longest registered prefix), the rest in a banner on top. The model
//! key is write-only: the field is never filled, and left empty it keeps the stored key.

import { ApiError, api, describe } from '../api';
import { checkedOf, formatDate, h, replace, valueOf } from '../dom';
import { DAYS, type Day, type Settings } from '../types';
import { banner, button, option, page, section, table } from '../ui';

const TONES = ['friendly', 'professional', 'playful', 'concise'];
const LANGUAGES: Record<string, string> = {
  en: 'English', fr: 'French', es: 'Spanish', de: 'German', it: 'Italian', 'pt-BR': 'Portuguese (Brazil)',
  nl: 'Dutch', ja: 'Japanese', ar: 'Arabic', he: 'Hebrew',
};
const DAY_NAMES: Record<Day, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

interface Loaded {
  settings: Settings;
  updated_at: string | null;
}

interface Audit {
  changes: { at: string; actor: string; fields: string[] }[];
}

export async function settings(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const loaded = await api<Loaded>('/api/settings', { signal });
  const form = new SettingsForm(loaded.settings);
  const audit = h('div');
  replace(root, page('Settings', form.element, section('Recent changes', audit)));
  form.onSaved = () => void loadAudit(audit);
  await loadAudit(audit);
}

async function loadAudit(target: HTMLElement): Promise<void> {
  const { changes } = await api<Audit>('/api/settings/audit?limit=10');
  replace(
    target,
    changes.length
      ? table(['When', 'Who', 'What changed'], changes.map((c) => [formatDate(c.at), `Staff member ${c.actor}`, c.fields.join(', ')]))
      : h('s-paragraph', {}, 'No changes yet.'),
  );
}

class SettingsForm {
  readonly element: HTMLElement;
  onSaved: () => void = () => {};
  /** Dotted path → the field showing its error. */
  private fields = new Map<string, HTMLElement>();
  private status = h('div', { role: 'status', class: 'form-status' });

  constructor(private initial: Settings) {
    this.element = h(
      'form',
      { novalidate: true, onsubmit: (e) => { e.preventDefault(); void this.save(); } },
      this.status,
      this.assistant(),
      this.tools(),
      this.handoff(),
      this.hours(),
      this.branding(),
      this.model(),
      h('div', { class: 'actions' }, button('Save settings', () => void this.save(), { variant: 'primary' })),
    );
  }

  private field(path: string, element: HTMLElement): HTMLElement {
    this.fields.set(path, element);
    return element;
  }

  private text(path: string, label: string, value: string, attrs: Record<string, string | boolean> = {}, tag = 's-text-field') {
    return this.field(path, h(tag, { label, value, name: path, ...attrs }));
  }

  private select(path: string, label: string, value: string, options: [string, string][]) {
    return this.field(path, h('s-select', { label, name: path }, ...options.map(([v, l]) => option(v, l, v === value))));
  }

  private get(path: string): HTMLElement | null {
    return this.fields.get(path) ?? null;
  }

  private assistant(): HTMLElement {
    const s = this.initial;
    const main = s.languages[0] ?? 'en';
    return section(
      'Assistant',
      this.text('assistant_name', 'Assistant name', s.assistant_name, { maxLength: '60', required: true }),
      this.text('greeting', 'Greeting', s.greeting, { details: 'Empty: the widget greets in the shopper’s language.', maxLength: '300' }, 's-text-area'),
      this.select('tone', 'Tone', s.tone, TONES.map((t) => [t, t[0].toUpperCase() + t.slice(1)])),
      this.select('languages', 'Main language', main, Object.entries(LANGUAGES)),
      h(
        'fieldset',
        { class: 'languages' },
        h('legend', {}, 'Also answers in'),
        ...Object.entries(LANGUAGES).map(([code, name]) =>
          h('s-checkbox', { label: name, value: code, name: 'languages.more', checked: s.languages.includes(code) && code !== main }),
        ),
      ),
    );
  }

  private tools(): HTMLElement {
    const t = this.initial.tools;
    const box = (path: string, label: string, checked: boolean, details: string) =>
      this.field(path, h('s-checkbox', { label, checked, details, name: path }));
    return section(
      'What the assistant may do',
      box('tools.inventory_locations', 'Stock per store location', t.inventory_locations, 'Tell shoppers which store has an item in stock.'),
      box('tools.order_notes', 'Order notes', t.order_notes, 'Read an order’s notes when a verified shopper asks about it.'),
      box('tools.add_to_cart', 'Add to cart', t.add_to_cart, 'Offer an “Add to cart” button when a shopper asks for it.'),
    );
  }

  private handoff(): HTMLElement {
    const o = this.initial.handoff;
    return section(
      'Handoff to your team',
      this.select('handoff.mode', 'When to offer a human', o.mode, [
        ['on_request', 'Only when the shopper asks'],
        ['always_offer', 'Always offer a human'],
      ]),
      this.text('handoff.keywords', 'Words that always hand off', o.keywords.join('\n'), { details: 'One per line, e.g. chargeback, lawyer.' }, 's-text-area'),
    );
  }

  private hours(): HTMLElement {
    const b = this.initial.business_hours;
    const days = h(
      'div',
      { class: 'days' },
      ...DAYS.map((day) =>
        this.text(
          `business_hours.weekly.${day}`,
          DAY_NAMES[day],
          (b?.weekly[day] ?? []).map((r) => `${r.open}-${r.close}`).join(', '),
          { details: 'e.g. 09:00-12:00, 13:00-17:00; empty: closed', placeholder: 'closed' },
        ),
      ),
    );
    const enabled = h('s-checkbox', { label: 'Set business hours', checked: b !== null, name: 'business_hours.enabled' });
    const details = h(
      'div',
      { class: 'hours', hidden: b === null },
      this.text('business_hours.timezone', 'Time zone', b?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, { details: 'IANA name, e.g. Europe/Paris' }),
      days,
      this.text('business_hours.holidays', 'Holidays', (b?.holidays ?? []).join('\n'), { details: 'One date per line, YYYY-MM-DD' }, 's-text-area'),
    );
    enabled.addEventListener('change', () => details.toggleAttribute('hidden', !checkedOf(enabled)));
    this.fields.set('business_hours', enabled);
    return section('Business hours', h('s-paragraph', {}, 'Outside these hours a handoff asks the shopper for an email.'), enabled, details);
  }

  private branding(): HTMLElement {
    const b = this.initial.branding;
    return section(
      'Branding',
      this.text('branding.accent_color', 'Accent color', b.accent_color, { details: 'A hex color such as #1f6feb' }),
      this.select('branding.position', 'Widget position', b.position, [
        ['right', 'Bottom right'],
        ['left', 'Bottom left'],
      ]),
    );
  }

  private model(): HTMLElement {
    const m = this.initial.model;
    const hosted = m.provider === 'openai' ? m : null;
    const provider = this.select('model.provider', 'Model', m.provider, [
      ['local', 'Built-in offline responder'],
      ['openai', 'OpenAI-compatible endpoint'],
    ]);
    const result = h('div', { role: 'status', class: 'test-result' });
    const endpoint = h(
      'div',
      { class: 'endpoint', hidden: !hosted },
      this.text('model.base_url', 'Endpoint URL', hosted?.base_url ?? 'https://api.openai.com/v1', {}, 's-url-field'),
      this.text('model.model', 'Model name', hosted?.model ?? 'gpt-4o-mini'),
      this.field(
        'model.api_key',
        h('s-password-field', {
          label: 'API key',
          name: 'model.api_key',
          autocomplete: 'off',
          details: hosted?.api_key_set ? 'A key is saved. Leave empty to keep it.' : 'Stored encrypted; never shown again.',
        }),
      ),
    );
    provider.addEventListener('change', () => endpoint.toggleAttribute('hidden', valueOf(provider) !== 'openai'));
    const test = button('Test connection', () => void this.testModel(result), {});
    return section('Model', provider, endpoint, h('div', { class: 'actions' }, test), result);
  }

  private async testModel(result: HTMLElement): Promise<void> {
    replace(result, h('s-spinner', { accessibilityLabel: 'Testing the model' }));
    try {
      const answer = await api<{ ok: boolean; latency_ms?: number; model?: string; reply?: string; error?: string }>(
        '/api/settings/model/test',
        { method: 'POST', json: this.collect().model },
      );
      replace(
        result,
        answer.ok
          ? banner('success', `Connected: ${answer.model} answered in ${answer.latency_ms} ms`, h('s-paragraph', {}, answer.reply ?? ''))
          : banner('critical', 'The model did not answer', h('s-paragraph', {}, answer.error ?? '')),
      );
    } catch (error) {
      replace(result, banner('critical', 'The test could not run', h('s-paragraph', {}, describe(error))));
    }
  }

  /** The form's values as a whole `Settings` body. */
  collect(): Settings {
    const v = (path: string) => valueOf(this.get(path));
    const lines = (path: string) =>
      v(path)
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean);
    const main = v('languages');
    const more = [...this.element.querySelectorAll('s-checkbox[name="languages.more"]')]
      .filter((box) => checkedOf(box))
      .map((box) => box.getAttribute('value') ?? '')
      .filter((code) => code && code !== main);
    const provider = v('model.provider');
    const key = v('model.api_key');
    return {
      assistant_name: v('assistant_name'),
      greeting: v('greeting'),
      tone: v('tone'),
      languages: [main, ...more],
      tools: {
        inventory_locations: checkedOf(this.get('tools.inventory_locations')),
        order_notes: checkedOf(this.get('tools.order_notes')),
        add_to_cart: checkedOf(this.get('tools.add_to_cart')),
      },
      handoff: { mode: v('handoff.mode'), keywords: lines('handoff.keywords') },
      business_hours: checkedOf(this.get('business_hours'))
        ? {
            timezone: v('business_hours.timezone').trim(),
            weekly: Object.fromEntries(DAYS.map((day) => [day, ranges(v(`business_hours.weekly.${day}`))])) as Record<Day, { open: string; close: string }[]>,
            holidays: lines('business_hours.holidays'),
          }
        : null,
      branding: { accent_color: v('branding.accent_color').trim(), position: v('branding.position') },
      model:
        provider === 'openai'
          ? { provider: 'openai', base_url: v('model.base_url').trim(), model: v('model.model').trim(), ...(key ? { api_key: key } : {}) }
          : { provider: 'local' },
    };
  }

  private clearErrors(): void {
    for (const field of this.fields.values()) field.removeAttribute('error');
    replace(this.status);
  }

  /** The field editing `path`: itself, or the longest registered prefix of it. */
  private fieldFor(path: string): HTMLElement | undefined {
    for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const field = this.fields.get(p);
      if (field) return field;
    }
    return undefined;
  }

  async save(): Promise<void> {
    this.clearErrors();
    try {
      const saved = await api<Loaded>('/api/settings', { method: 'PUT', json: this.collect() });
      this.initial = saved.settings;
      const key = this.get('model.api_key');
      if (key) (key as HTMLInputElement).value = '';
      shopify.toast.show('Settings saved');
      this.onSaved();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        replace(this.status, banner('critical', 'Not saved', h('s-paragraph', {}, describe(error))));
        return;
      }
      const unplaced: string[] = [];
      let first: HTMLElement | undefined;
      for (const [path, message] of Object.entries(error.fields)) {
        const field = this.fieldFor(path);
        if (field) {
          const prior = field.getAttribute('error');
          field.setAttribute('error', prior ? `${prior}; ${message}` : message);
          first ??= field;
        } else unplaced.push(`${path}: ${message}`);
      }
      replace(
        this.status,
        banner('critical', 'Not saved: fix the fields marked below', h('s-paragraph', {}, unplaced.length ? unplaced.join('; ') : error.message)),
      );
      first?.focus();
      shopify.toast.show('Settings not saved', { isError: true });
    }
  }
}

/** "09:00-12:00, 13:00-17:00" → ranges (the server validates them). */
function ranges(text: string): { open: string; close: string }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [open = '', close = ''] = part.split(/\s*[-–]\s*/);
      return { open, close };
    });
}
