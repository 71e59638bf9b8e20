// Stand-in for Polaris web components (cdn.shopify.com/shopifycloud/polaris-1.js), served by
// the Shopify simulator so the App Home runs offline. It implements what Concierge's admin
// uses, rendered plainly but accessibly: native controls in open shadow roots, each with its
// label, details and error tied to it (aria-describedby, aria-invalid). Same element names,
// attributes, properties (`value`, `checked`, `files`) and events (`input`, `change`, `click`)
// as Polaris; never loaded in production (the app's CDN setting points at Shopify there).
(() => {
  if (customElements.get('s-page')) return;

  const css = (text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    return sheet;
  };
  const base = css(`
    :host { font: 14px/1.4 -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, sans-serif; color: #303030; }
    :host([hidden]) { display: none !important; }
    label, .label { display: block; font-weight: 600; margin-bottom: 4px; }
    input:not([type=checkbox]), textarea, select { box-sizing: border-box; width: 100%; font: inherit; padding: 6px 8px;
      border: 1px solid #8a8a8a; border-radius: 8px; background: #fff; color: #303030; }
    input:focus-visible, textarea:focus-visible, select:focus-visible, button:focus-visible, a:focus-visible {
      outline: 2px solid #005bd3; outline-offset: 1px; }
    [aria-invalid=true] { border-color: #8e0b21 !important; background: #fff4f4 !important; }
    .details { color: #4a4a4a; font-size: 13px; margin-top: 2px; }
    .error { color: #8e0b21; font-size: 13px; margin-top: 2px; font-weight: 600; }
    .error:empty, .details:empty { display: none; }
  `);

  let ids = 0;
  const uid = () => `s${++ids}`;
  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? '' : v);
    if (text !== undefined) node.textContent = text;
    return node;
  };

  /** An element with an open shadow root holding `sheets`. */
  class Base extends HTMLElement {
    constructor(sheets = [], delegatesFocus = false) {
      super();
      this.attachShadow({ mode: 'open', delegatesFocus }).adoptedStyleSheets = [base, ...sheets];
    }
  }

  // Text fields, text areas, selects: label, control, details, error.
  class Field extends Base {
    static observedAttributes = ['label', 'details', 'error', 'placeholder', 'disabled', 'required', 'value', 'maxlength', 'labelaccessibilityvisibility'];
    constructor(tag, type) {
      super([], true);
      const id = uid();
      this.control = el(tag, { id, part: 'control' });
      if (type) this.control.type = type;
      if (tag === 'textarea') this.control.rows = 3;
      this.labelEl = el('label', { for: id });
      this.detailsEl = el('div', { id: `${id}-d`, class: 'details' });
      this.errorEl = el('div', { id: `${id}-e`, class: 'error' });
      this.control.setAttribute('aria-describedby', `${id}-e ${id}-d`);
      this.control.addEventListener('change', () => this.dispatchEvent(new Event('change', { bubbles: true })));
      this.shadowRoot.append(this.labelEl, this.control, this.errorEl, this.detailsEl);
    }
    get value() { return this.control.value; }
    set value(v) { this.control.value = v ?? ''; }
    get name() { return this.getAttribute('name'); }
    attributeChangedCallback(name, _old, value) {
      switch (name) {
        case 'label': this.labelEl.textContent = value ?? ''; break;
        case 'details': this.detailsEl.textContent = value ?? ''; break;
        case 'error':
          this.errorEl.textContent = value ?? '';
          this.control.setAttribute('aria-invalid', value ? 'true' : 'false');
          break;
        case 'value': if (this.control.value !== (value ?? '')) this.control.value = value ?? ''; break;
        case 'maxlength': value ? this.control.setAttribute('maxlength', value) : this.control.removeAttribute('maxlength'); break;
        default: value === null ? this.control.removeAttribute(name) : this.control.setAttribute(name, value);
      }
    }
  }
  const field = (tag, type, extra = {}) =>
    class extends Field {
      constructor() {
        super(tag, type);
        for (const [k, v] of Object.entries(extra)) this.control.setAttribute(k, v);
      }
    };
  customElements.define('s-text-field', field('input', 'text'));
  customElements.define('s-url-field', field('input', 'url'));
  customElements.define('s-search-field', field('input', 'search'));
  customElements.define('s-password-field', field('input', 'password', { autocomplete: 'new-password' }));
  customElements.define('s-text-area', field('textarea'));

  // <s-select> with <s-option value> children, drawn as a native select.
  class Select extends Field {
    constructor() {
      super('select');
      new MutationObserver(() => this.sync()).observe(this, { childList: true, subtree: true, attributes: true, characterData: true });
    }
    connectedCallback() { this.sync(); }
    sync() {
      const wanted = this.getAttribute('value');
      const current = this.control.value;
      this.control.replaceChildren(
        ...[...this.querySelectorAll('s-option')].map((o) =>
          el('option', { value: o.getAttribute('value') ?? o.textContent, selected: o.hasAttribute('selected') }, o.textContent),
        ),
      );
      if (wanted !== null) this.control.value = wanted;
      else if (current && [...this.control.options].some((o) => o.value === current)) this.control.value = current;
    }
  }
  customElements.define('s-select', Select);
  customElements.define('s-option', class extends HTMLElement {
    connectedCallback() { this.hidden = true; }
  });

  class Checkbox extends Base {
    static observedAttributes = ['label', 'details', 'error', 'checked', 'disabled'];
    constructor() {
      super([css(':host { display: block } .row { display: flex; gap: 8px; align-items: flex-start } label { font-weight: 400; margin: 0 } input { width: 16px; height: 16px; margin: 2px 0 0 } .details, .error { margin-left: 24px }')], true);
      const id = uid();
      this.control = el('input', { type: 'checkbox', id, 'aria-describedby': `${id}-e ${id}-d` });
      this.labelEl = el('label', { for: id });
      this.detailsEl = el('div', { id: `${id}-d`, class: 'details' });
      this.errorEl = el('div', { id: `${id}-e`, class: 'error' });
      this.control.addEventListener('change', () => this.dispatchEvent(new Event('change', { bubbles: true })));
      const row = el('div', { class: 'row' });
      row.append(this.control, this.labelEl);
      this.shadowRoot.append(row, this.errorEl, this.detailsEl);
    }
    get checked() { return this.control.checked; }
    set checked(v) { this.control.checked = Boolean(v); }
    get value() { return this.getAttribute('value') ?? 'on'; }
    attributeChangedCallback(name, _old, value) {
      if (name === 'label') this.labelEl.textContent = value ?? '';
      else if (name === 'details') this.detailsEl.textContent = value ?? '';
      else if (name === 'error') { this.errorEl.textContent = value ?? ''; this.control.setAttribute('aria-invalid', value ? 'true' : 'false'); }
      else if (name === 'checked') this.control.checked = value !== null;
      else if (name === 'disabled') this.control.disabled = value !== null;
    }
  }
  customElements.define('s-checkbox', Checkbox);

  // <s-button>: a native button (or a link, with href), its text slotted in.
  class Button extends Base {
    static observedAttributes = ['disabled', 'accessibilitylabel', 'href', 'target', 'loading', 'variant', 'tone'];
    constructor() {
      super([css(`
        :host { display: inline-block }
        .b { display: inline-block; font: inherit; font-weight: 600; padding: 6px 12px; border-radius: 8px; border: 1px solid #8a8a8a;
          background: #fff; color: #303030; cursor: pointer; text-decoration: none; }
        :host([variant=primary]) .b { background: #303030; color: #fff; border-color: #303030; }
        :host([tone=critical]) .b { color: #8e0b21; border-color: #8e0b21; }
        .b:disabled { color: #616161; background: #f1f1f1; border-color: #cccccc; cursor: default; }
      `)], true);
      this.render();
    }
    render() {
      const href = this.getAttribute('href');
      const inner = href ? el('a', { href, target: this.getAttribute('target'), class: 'b', part: 'button' }) : el('button', { type: 'button', class: 'b', part: 'button' });
      inner.append(el('slot'));
      const label = this.getAttribute('accessibilitylabel');
      if (label) inner.setAttribute('aria-label', label);
      if (!href && this.hasAttribute('disabled')) inner.disabled = true;
      if (this.hasAttribute('loading')) inner.setAttribute('aria-busy', 'true');
      this.shadowRoot.replaceChildren(inner);
    }
    attributeChangedCallback() { this.render(); }
  }
  customElements.define('s-button', Button);

  class Link extends Base {
    static observedAttributes = ['href', 'target'];
    attributeChangedCallback() {
      const a = el('a', { href: this.getAttribute('href'), target: this.getAttribute('target') });
      a.append(el('slot'));
      this.shadowRoot.replaceChildren(a);
    }
  }
  customElements.define('s-link', Link);

  // Layout: a page with its h1, sections with their h2.
  const titled = (tag, heading, sheet) =>
    class extends Base {
      static observedAttributes = ['heading'];
      constructor() {
        super([css(sheet)]);
        this.headingEl = el(heading, { id: uid(), hidden: true });
        const box = el(tag, tag === 'section' ? { 'aria-labelledby': this.headingEl.id } : {});
        box.append(this.headingEl, el('slot'));
        this.shadowRoot.append(box);
      }
      attributeChangedCallback(_n, _o, value) {
        this.headingEl.textContent = value ?? '';
        this.headingEl.hidden = !value;
      }
    };
  customElements.define('s-page', titled('div', 'h1', ':host { display: block; max-width: 1000px; margin: 0 auto; padding: 16px } h1 { font-size: 20px; margin: 4px 0 16px }'));
  customElements.define('s-section', titled('section', 'h2', ':host { display: block } section { background: #fff; border-radius: 12px; padding: 16px; margin-bottom: 16px; box-shadow: 0 1px 0 #d4d4d4 } h2 { font-size: 15px; margin: 0 0 12px }'));

  class Banner extends Base {
    static observedAttributes = ['heading', 'tone'];
    constructor() {
      super([css(`
        :host { display: block; margin: 8px 0 }
        .box { border-radius: 12px; padding: 12px 16px; background: #eaf4ff; border: 1px solid #005bd3; }
        :host([tone=critical]) .box { background: #fee9e8; border-color: #8e0b21 }
        :host([tone=success]) .box { background: #e9f8ed; border-color: #0c5132 }
        :host([tone=warning]) .box { background: #fff1e3; border-color: #5e4200 }
        strong { display: block; margin-bottom: 4px }
      `)]);
    }
    connectedCallback() { this.render(); }
    attributeChangedCallback() { this.render(); }
    render() {
      const box = el('div', { class: 'box', role: this.getAttribute('tone') === 'critical' ? 'alert' : 'status' });
      box.append(el('strong', {}, this.getAttribute('heading') ?? ''), el('slot'));
      this.shadowRoot.replaceChildren(box);
    }
  }
  customElements.define('s-banner', Banner);

  customElements.define('s-badge', class extends Base {
    constructor() {
      super([css(`
        :host { display: inline-block }
        span { display: inline-block; padding: 1px 8px; border-radius: 8px; font-size: 12px; font-weight: 600; background: #e3e3e3; color: #303030 }
        :host([tone=success]) span { background: #cdfee1; color: #0c5132 }
        :host([tone=critical]) span { background: #fedad9; color: #8e0b21 }
        :host([tone=info]) span { background: #e0f0ff; color: #00416d }
        :host([tone=attention]) span, :host([tone=warning]) span { background: #ffef9d; color: #4f4700 }
      `)]);
      const span = el('span');
      span.append(el('slot'));
      this.shadowRoot.append(span);
    }
  });

  const plain = (name, tag, sheet) =>
    customElements.define(name, class extends Base {
      constructor() {
        super([css(sheet)]);
        const node = el(tag);
        node.append(el('slot'));
        this.shadowRoot.append(node);
      }
    });
  plain('s-paragraph', 'p', ':host { display: block } p { margin: 0 0 8px }');

  customElements.define('s-spinner', class extends Base {
    connectedCallback() {
      this.shadowRoot.replaceChildren(el('span', { role: 'status' }, `${this.getAttribute('accessibilitylabel') ?? 'Loading'}…`));
    }
  });

  // Tables keep their light DOM; roles make them a table to assistive technology.
  const roles = { 's-table': 'table', 's-table-body': 'rowgroup', 's-table-header-row': 'row', 's-table-row': 'row', 's-table-header': 'columnheader', 's-table-cell': 'cell' };
  for (const [name, role] of Object.entries(roles)) {
    customElements.define(name, class extends HTMLElement {
      connectedCallback() { this.setAttribute('role', role); }
    });
  }
  const sheet = css(`
    s-table { display: table; width: 100%; border-collapse: collapse; }
    s-table-body { display: table-row-group; }
    s-table-header-row, s-table-row { display: table-row; }
    s-table-header, s-table-cell { display: table-cell; padding: 6px 8px; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: middle; }
    s-table-header { font-weight: 600; }
    s-app-nav { display: none; }
  `);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

  // <s-drop-zone>: drop files on it, or choose them with its file input.
  class DropZone extends Base {
    static observedAttributes = ['label', 'accept', 'multiple', 'accessibilitylabel'];
    constructor() {
      super([css(`
        :host { display: block; margin: 8px 0 }
        label { display: block; border: 2px dashed #8a8a8a; border-radius: 12px; padding: 24px; text-align: center; font-weight: 600; cursor: pointer }
        :host(.over) label { border-color: #005bd3; background: #eaf4ff }
        input { display: block; margin: 8px auto 0; width: auto !important; border: 0 !important }
      `)], true);
      this.files = [];
      const id = uid();
      this.input = el('input', { type: 'file', id });
      this.labelEl = el('label', { for: id });
      this.text = el('span');
      this.labelEl.append(this.text, this.input);
      this.shadowRoot.append(this.labelEl);
      this.input.addEventListener('change', () => this.take([...this.input.files]));
      this.addEventListener('dragover', (e) => { e.preventDefault(); this.classList.add('over'); });
      this.addEventListener('dragleave', () => this.classList.remove('over'));
      this.addEventListener('drop', (e) => {
        e.preventDefault();
        this.classList.remove('over');
        this.take([...(e.dataTransfer?.files ?? [])]);
      });
    }
    take(files) {
      this.files = files;
      this.dispatchEvent(new Event('input', { bubbles: true }));
      this.dispatchEvent(new Event('change', { bubbles: true }));
    }
    attributeChangedCallback(name, _old, value) {
      if (name === 'label') this.text.textContent = value ?? '';
      else if (name === 'accept') this.input.accept = value ?? '';
      else if (name === 'multiple') this.input.multiple = value !== null;
      else if (name === 'accessibilitylabel') value ? this.input.setAttribute('aria-label', value) : this.input.removeAttribute('aria-label');
    }
  }
  customElements.define('s-drop-zone', DropZone);

  // Read by App Bridge (the stand-in sends its links to the admin frame); never drawn here.
  customElements.define('s-app-nav', class extends HTMLElement {});
})();
