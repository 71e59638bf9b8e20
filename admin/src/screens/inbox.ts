//! Inbox: where the store's support agents see the conversations the assistant handed over,
//! take them, and reply. Four views (needs a person, AI handling, mine, closed) with counts,
//! search, unread counts and waiting time; the conversation's whole transcript (tool calls
//! collapsed, internal notes marked), who else has it open, the actions (take over, hand back,
//! assign, close, reopen), the reply box with saved replies and an AI draft, and the
//! customer beside it. Everything updates live from the shop's agent stream
//! (`GET /api/inbox/events`); a new handoff raises a badge and, when the agent allowed it, a
//! browser notification.

import { api, describe } from '../api';
import { formatDate, h, replace, valueOf } from '../dom';
import type { Agent, Availability, CustomerCard, Draft, InboxConversation, InboxList, InboxMessage, InboxThread, InboxView, SavedReply } from '../types';
import { badge, banner, button, option, page, section } from '../ui';
import { readSse } from '../../../widget/src/chat/sse';

const VIEWS: { id: InboxView; label: string }[] = [
  { id: 'needs_person', label: 'Needs a person' },
  { id: 'ai', label: 'AI handling' },
  { id: 'mine', label: 'Mine' },
  { id: 'closed', label: 'Closed' },
];

/** Events that only change who is looking or typing: they never refetch a transcript (which
 * would register the viewer again). */
const QUIET_EVENTS = new Set(['typing', 'viewers']);

/** How long "… is typing" stays after the last typing event. */
const TYPING_MS = 5000;
/** At most one typing signal per this long while the agent types. */
const TYPING_EVERY_MS = 2500;

export async function inbox(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const { agent } = await api<{ agent: Agent }>('/api/inbox/me', { signal });
  if (signal.aborted) return;
  const box = new Inbox(root, signal, agent);
  await box.start();
  // `/inbox/{id}`: the link in the team's handoff mail opens that conversation.
  const linked = /^\/inbox\/([0-9a-f-]{36})$/i.exec(location.pathname)?.[1];
  if (linked && !signal.aborted) await box.open(linked);
}

/** The inbox screen: the list on the left, the open conversation on the right. */
class Inbox {
  private view: InboxView = 'needs_person';
  private query = '';
  private list: InboxList | undefined;
  private more: InboxConversation[] = [];
  private pane: Pane | undefined;
  private agents: Agent[] = [];
  private needsBefore: number | undefined;
  private refreshTimer: number | undefined;
  private readonly tabs = h('div', { class: 'inbox-views', role: 'group', 'aria-label': 'Views' });
  private readonly listEl = h('ul', { class: 'inbox-list', 'aria-label': 'Conversations' });
  private readonly listStatus = h('p', { class: 'inbox-empty', role: 'status' });
  private readonly moreEl = h('div', { class: 'actions' });
  private readonly paneEl = h('div', { class: 'inbox-pane' });
  private readonly alert = h('div', { class: 'inbox-alert', role: 'status', 'aria-live': 'polite' });
  private readonly live = h('div', { class: 'inbox-stream', role: 'status' });

  constructor(
    private readonly root: HTMLElement,
    private readonly signal: AbortSignal,
    private me: Agent,
  ) {}

  async start(): Promise<void> {
    const search = h('s-search-field', { label: 'Search conversations', name: 'q', placeholder: 'Name, email or words in the conversation' });
    let searchTimer: number | undefined;
    search.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => {
        this.query = valueOf(search).trim();
        void this.refresh();
      }, 300);
    });
    replace(
      this.root,
      page(
        'Inbox',
        h('div', { class: 'inbox-top' }, this.alert, this.availability(), this.notificationsButton(), this.live),
        h(
          'div',
          { class: 'inbox' },
          h('section', { class: 'inbox-side', 'aria-label': 'Conversation list' }, this.tabs, search, this.listStatus, this.listEl, this.moreEl),
          this.paneEl,
        ),
      ),
    );
    replace(this.paneEl, h('p', { class: 'inbox-empty' }, 'Choose a conversation.'));
    this.agents = (await api<{ agents: Agent[] }>('/api/inbox/agents', { signal: this.signal })).agents;
    await this.refresh();
    void this.follow();
    // Waiting times move on by themselves.
    const tick = window.setInterval(() => this.drawList(), 30_000);
    this.signal.addEventListener('abort', () => {
      clearInterval(tick);
      document.title = 'Concierge';
    });
  }

  /** The agent's online/away switch (away agents get no handoffs, and no notification). */
  private availability(): HTMLElement {
    const select = h(
      's-select',
      { label: 'Your status', name: 'availability' },
      option('online', 'Online', this.me.availability === 'online'),
      option('away', 'Away', this.me.availability === 'away'),
    );
    select.addEventListener('change', async () => {
      const availability = valueOf(select) as Availability;
      try {
        const { agent } = await api<{ agent: Agent }>('/api/inbox/me', { method: 'PUT', json: { availability } });
        this.me = agent;
        shopify.toast.show(availability === 'online' ? 'You are online' : 'You are away');
      } catch (error) {
        shopify.toast.show(describe(error), { isError: true });
      }
    });
    return h('div', { class: 'inbox-status' }, select);
  }

  /** Offers browser notifications while the browser has not been asked. */
  private notificationsButton(): HTMLElement | null {
    if (typeof Notification === 'undefined' || Notification.permission !== 'default') return null;
    const holder = h('div', { class: 'inbox-notify' });
    holder.append(
      button('Turn on browser notifications', async () => {
        await Notification.requestPermission().catch(() => 'denied');
        holder.remove();
      }),
    );
    return holder;
  }

  /** Reads the current view again (and the list's counts). */
  async refresh(): Promise<void> {
    const params = new URLSearchParams({ view: this.view, limit: '50' });
    if (this.query) params.set('q', this.query);
    try {
      this.list = await api<InboxList>(`/api/inbox/conversations?${params}`, { signal: this.signal });
    } catch (error) {
      if (this.signal.aborted) return;
      replace(this.listStatus, describe(error));
      return;
    }
    this.more = [];
    this.noticeHandoffs(this.list.counts.needs_person);
    this.drawList();
  }

  /** Debounced refresh for bursts of live events. */
  private later(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(), 250);
  }

  /** New conversations needing a person: the badge always, a notification when allowed. */
  private noticeHandoffs(needs: number): void {
    const before = this.needsBefore;
    this.needsBefore = needs;
    document.title = needs ? `(${needs}) Concierge` : 'Concierge';
    replace(this.alert, needs ? badge('critical', `${needs} waiting for a person`) : null);
    if (before === undefined || needs <= before || this.me.availability !== 'online') return;
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try {
        const note = new Notification('A shopper is waiting for a person', { body: 'A conversation was handed over to your team.', tag: 'concierge-handoff' });
        note.onclick = () => {
          window.focus();
          void this.choose('needs_person');
        };
      } catch {
        // Some browsers only notify from a service worker: the badge remains.
      }
    }
  }

  private async choose(view: InboxView): Promise<void> {
    this.view = view;
    await this.refresh();
  }

  private drawList(): void {
    const list = this.list;
    if (!list) return;
    replace(
      this.tabs,
      ...VIEWS.map(({ id, label }) => {
        const count = list.counts[id] ?? 0;
        return h(
          'button',
          { type: 'button', class: 'inbox-view', 'aria-pressed': String(id === this.view), onclick: () => void this.choose(id) },
          label,
          ' ',
          h('span', { class: id === 'needs_person' && count ? 'count count-alert' : 'count' }, String(count)),
        );
      }),
    );
    const rows = [...list.conversations, ...this.more];
    replace(this.listStatus, rows.length ? null : this.query ? 'No conversation matches.' : 'Nothing here.');
    replace(this.listEl, ...rows.map((c) => this.row(c)));
    replace(this.moreEl, list.next ? button('Load more', () => void this.loadMore()) : null);
  }

  private async loadMore(): Promise<void> {
    if (!this.list?.next) return;
    const params = new URLSearchParams({ view: this.view, limit: '50', before: this.list.next });
    if (this.query) params.set('q', this.query);
    const next = await api<InboxList>(`/api/inbox/conversations?${params}`, { signal: this.signal });
    this.more.push(...next.conversations);
    this.list = { ...this.list, next: next.next };
    this.drawList();
  }

  private row(c: InboxConversation): HTMLElement {
    const current = this.pane?.id === c.id;
    return h(
      'li',
      {},
      h(
        'button',
        { type: 'button', class: 'inbox-row', 'aria-current': current ? 'true' : null, 'data-conversation': c.id, onclick: () => void this.open(c.id) },
        h('span', { class: 'inbox-row-top' }, h('span', { class: 'inbox-who' }, who(c)), c.unread ? badge('info', `${c.unread} unread`) : null),
        h('span', { class: 'inbox-preview' }, c.preview || '—'),
        h(
          'span',
          { class: 'inbox-row-meta' },
          c.waiting_since ? badge(waitingTone(c.waiting_since), `Waiting ${waited(c.waiting_since)}`) : null,
          // The name above is the store's own customer record's, not something the shopper typed.
          c.customer ? badge('success', 'Signed in') : null,
          c.assignee ? h('span', {}, `Assigned to ${c.assignee.id === this.me.id ? 'you' : c.assignee.name}`) : null,
          c.owner === 'ai' ? h('span', {}, 'AI handling') : null,
        ),
      ),
    );
  }

  async open(id: string): Promise<void> {
    this.pane?.close();
    this.pane = new Pane(id, this.me, this.agents, this.signal, () => this.later());
    replace(this.paneEl, this.pane.element);
    this.drawList();
    await this.pane.load();
    // Opening marks it read: the unread count goes.
    this.later();
  }

  /** Follows the shop's agent stream, reconnecting with a fresh session token. */
  private async follow(): Promise<void> {
    let wait = 500;
    let last: string | undefined;
    while (!this.signal.aborted) {
      try {
        const token = await shopify.idToken();
        const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
        // Resumes after the last event seen, on whichever node answers.
        if (last) headers['Last-Event-ID'] = last;
        const response = await fetch(`/api/inbox/events?token=${encodeURIComponent(token)}`, { headers, signal: this.signal });
        if (!response.ok) throw new Error(`the live stream answered ${response.status}`);
        replace(this.live);
        this.live.dataset.live = 'open';
        wait = 500;
        // Whatever happened while the stream was down.
        this.later();
        this.pane?.later();
        await readSse(response, (event) => {
          if (event.id) last = event.id;
          this.onEvent(event.event, event.data);
        });
      } catch (error) {
        if (this.signal.aborted) return;
        this.live.dataset.live = 'closed';
        replace(this.live, h('span', { class: 'inbox-offline' }, `Live updates paused (${describe(error)}); reconnecting…`));
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 10_000);
    }
  }

  private onEvent(name: string, data: string): void {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    const type = String(event.type ?? name);
    const conversation = conversationOf(event);
    const pane = this.pane;
    const here = pane !== undefined && (conversation === undefined || conversation === pane.id);
    if (here) pane.onEvent(type, event);
    if (type !== 'typing') this.later();
  }
}

/** The open conversation: transcript, actions, reply and note boxes, customer sidebar. */
class Pane {
  readonly element: HTMLElement;
  private thread: InboxThread | undefined;
  private drawn: string[] = [];
  private timer: number | undefined;
  private typingTimer: number | undefined;
  private lastTyping = 0;
  private readonly closed = new AbortController();
  private readonly head = h('div', { class: 'inbox-head' });
  private readonly warn = h('div', { class: 'inbox-warn' });
  private readonly actions = h('div', { class: 'actions inbox-actions' });
  private readonly transcript = h('ol', { class: 'transcript', 'aria-label': 'Transcript' });
  private readonly typing = h('p', { class: 'inbox-typing', role: 'status' });
  private readonly announcer = h('div', { class: 'visually-hidden', role: 'status' });
  private readonly reply = h('s-text-area', { label: 'Reply to the shopper', name: 'reply', rows: 4 });
  private readonly replyStatus = h('div', { class: 'form-status', role: 'status' });
  private readonly sources = h('div', { class: 'draft-sources' });
  private readonly saved = h('s-select', { label: 'Saved reply', name: 'saved' });
  private readonly sendButton = button('Send reply', () => void this.send(), { variant: 'primary' });
  private readonly draftButton = button('AI draft', () => void this.draft());
  private readonly note = h('s-text-area', { label: 'Internal note', name: 'note', details: 'Only your team sees notes; the shopper never does.', rows: 2 });
  private readonly sidebar = h('aside', { class: 'inbox-customer', 'aria-label': 'Customer' });
  private savedReplies: SavedReply[] = [];

  constructor(
    readonly id: string,
    private readonly me: Agent,
    private readonly agents: Agent[],
    private readonly signal: AbortSignal,
    private readonly changed: () => void,
  ) {
    this.reply.addEventListener('input', () => this.typed());
    const replyForm = h(
      'form',
      { class: 'inbox-reply', onsubmit: (e: Event) => (e.preventDefault(), void this.send()) },
      this.reply,
      this.sources,
      h(
        'div',
        { class: 'actions' },
        this.sendButton,
        this.draftButton,
        h('div', { class: 'inbox-saved' }, this.saved, button('Insert saved reply', () => void this.insertSaved())),
      ),
      this.replyStatus,
    );
    const noteForm = h(
      'form',
      { class: 'inbox-note', onsubmit: (e: Event) => (e.preventDefault(), void this.addNote()) },
      this.note,
      button('Add note', () => void this.addNote()),
    );
    this.element = h(
      'div',
      { class: 'inbox-conversation' },
      h(
        'section',
        { class: 'inbox-thread', 'aria-label': 'Conversation' },
        this.head,
        this.warn,
        this.actions,
        this.transcript,
        this.typing,
        this.announcer,
        replyForm,
        noteForm,
        h('details', { class: 'inbox-manage' }, h('summary', {}, 'Manage saved replies'), this.manageSaved()),
      ),
      this.sidebar,
    );
  }

  close(): void {
    this.closed.abort();
    clearTimeout(this.timer);
    clearTimeout(this.typingTimer);
  }

  private get gone(): boolean {
    return this.signal.aborted || this.closed.signal.aborted;
  }

  async load(): Promise<void> {
    replace(this.transcript, h('li', {}, h('s-spinner', { accessibilityLabel: 'Loading the conversation' })));
    await Promise.all([this.reload(), this.loadSidebar(), this.loadSaved()]);
  }

  /** Debounced reload for bursts of live events. */
  later(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.reload(), 200);
  }

  async reload(): Promise<void> {
    try {
      const thread = await api<InboxThread>(`/api/inbox/conversations/${this.id}`, { signal: this.closed.signal });
      if (this.gone) return;
      this.draw(thread);
    } catch (error) {
      if (this.gone) return;
      replace(this.warn, banner('critical', 'Could not load the conversation', h('s-paragraph', {}, describe(error))));
    }
  }

  /** A live event about this conversation. */
  onEvent(type: string, event: Record<string, unknown>): void {
    if (type === 'typing') return this.someoneTyping(event);
    if (Array.isArray(event.viewers) && this.thread) {
      this.thread.viewers = event.viewers as InboxThread['viewers'];
      this.drawWarning();
    }
    if (!QUIET_EVENTS.has(type)) this.later();
  }

  /** The shopper typing (agents' typing goes to the shopper's widget, not here). */
  private someoneTyping(event: Record<string, unknown>): void {
    if (event.who !== 'shopper') return;
    replace(this.typing, 'The shopper is typing…');
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => replace(this.typing), TYPING_MS);
  }

  private get mine(): boolean {
    const c = this.thread?.conversation;
    return c?.owner === 'human' && c.assignee?.id === this.me.id;
  }

  private draw(thread: InboxThread): void {
    this.thread = thread;
    const c = thread.conversation;
    replace(
      this.head,
      h('h2', { class: 'inbox-title' }, who(c)),
      h(
        'p',
        { class: 'inbox-sub' },
        badge(c.owner === 'human' ? 'attention' : c.owner === 'ai' ? 'info' : 'neutral', OWNER_LABEL[c.owner]),
        ' ',
        c.assignee ? `Assigned to ${c.assignee.id === this.me.id ? 'you' : c.assignee.name}` : c.owner === 'human' ? 'Nobody has taken it yet' : '',
        c.waiting_since ? ` · waiting ${waited(c.waiting_since)}` : '',
      ),
    );
    this.drawWarning();
    this.drawActions(c);
    this.drawTranscript(thread.messages);
    const mine = this.mine;
    for (const control of [this.reply, this.sendButton, this.draftButton]) control.toggleAttribute('disabled', !mine);
    this.reply.setAttribute('details', mine ? 'The shopper sees your name with the reply.' : c.owner === 'closed' ? 'Reopen the conversation to reply.' : 'Take over to reply: only the assignee replies.');
  }

  /** Who else has it open: two agents must not answer over each other. */
  private drawWarning(): void {
    const others = (this.thread?.viewers ?? []).filter((v) => v.id !== this.me.id);
    replace(
      this.warn,
      others.length
        ? banner('warning', `${others.map((v) => v.name).join(', ')} ${others.length === 1 ? 'is' : 'are'} also viewing this conversation`, h('s-paragraph', {}, 'Agree who replies before you take it over.'))
        : null,
    );
  }

  private drawActions(c: InboxConversation): void {
    const act = (label: string, path: string, json?: unknown, attrs: Record<string, string> = {}) =>
      button(label, () => void this.act(path, json, label), attrs);
    const buttons: (HTMLElement | null)[] = [];
    if (c.owner === 'closed') buttons.push(act('Reopen', 'reopen', undefined, { variant: 'primary' }));
    else {
      if (!this.mine) buttons.push(act('Take over', 'take', undefined, { variant: 'primary' }));
      if (c.owner === 'human') buttons.push(act('Hand back to AI', 'hand-back'));
      buttons.push(act('Close', 'close'));
      const colleagues = this.agents.filter((a) => a.id !== c.assignee?.id);
      if (colleagues.length) {
        const select = h(
          's-select',
          { label: 'Assign to', name: 'assignee' },
          ...colleagues.map((a, i) => option(String(a.id), `${a.name}${a.id === this.me.id ? ' (you)' : ''}${a.online ? ' · online' : ''}`, i === 0)),
        );
        buttons.push(h('div', { class: 'inbox-assign' }, select, button('Assign', () => void this.act('assign', { agent_id: Number(valueOf(select)) }, 'Assign'))));
      }
    }
    replace(this.actions, ...buttons);
  }

  /** Appends what is new; draws the whole transcript again when history changed. */
  private drawTranscript(messages: InboxMessage[]): void {
    const ids = messages.map(key);
    const appendOnly = this.drawn.length > 0 && this.drawn.every((id, i) => ids[i] === id);
    const fresh = appendOnly ? messages.slice(this.drawn.length) : messages;
    if (!appendOnly) replace(this.transcript);
    this.transcript.append(...fresh.map((m) => messageItem(m)));
    if (appendOnly) {
      const heard = fresh.filter((m) => m.role === 'shopper').at(-1);
      if (heard) {
        replace(this.announcer, `New message from the shopper: ${heard.text}`);
        replace(this.typing);
      }
    }
    this.drawn = ids;
    // The newest line in view, inside the transcript only (the page stays where it is).
    this.transcript.scrollTop = this.transcript.scrollHeight;
  }

  private async act(path: string, json: unknown, label: string): Promise<void> {
    try {
      await api(`/api/inbox/conversations/${this.id}/${path}`, { method: 'POST', json: json ?? {} });
      shopify.toast.show(DONE[path] ?? `${label}: done`);
    } catch (error) {
      shopify.toast.show(describe(error), { isError: true });
    }
    await this.reload();
    this.changed();
  }

  private async send(): Promise<void> {
    const text = valueOf(this.reply).trim();
    if (!text || !this.mine) return;
    replace(this.replyStatus);
    try {
      await api(`/api/inbox/conversations/${this.id}/messages`, { method: 'POST', json: { text } });
      (this.reply as HTMLInputElement).value = '';
      replace(this.sources);
      await this.reload();
      this.changed();
    } catch (error) {
      replace(this.replyStatus, banner('critical', 'The reply was not sent', h('s-paragraph', {}, describe(error))));
    }
  }

  /** Tells the shopper's widget the agent is typing, at most every few seconds. */
  private typed(): void {
    if (!this.mine || Date.now() - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = Date.now();
    void api(`/api/inbox/conversations/${this.id}/typing`, { method: 'POST' }).catch(() => undefined);
  }

  /** Asks the assistant for a reply the agent edits before sending; shows what it drew on. */
  private async draft(): Promise<void> {
    replace(this.sources, h('s-spinner', { accessibilityLabel: 'Drafting a reply' }));
    try {
      const draft = await api<Draft>(`/api/inbox/conversations/${this.id}/draft`, { method: 'POST', json: {} });
      if (this.gone) return;
      (this.reply as HTMLInputElement).value = draft.text;
      replace(
        this.sources,
        h(
          'div',
          { class: 'draft-note' },
          h('strong', {}, 'AI draft — edit it before sending.'),
          draft.sources.length
            ? h('span', {}, ' Sources: ', h('ul', { class: 'draft-source-list' }, ...draft.sources.map((s) => h('li', {}, s.url ? h('a', { href: s.url, target: '_blank', rel: 'noopener' }, s.title) : s.title))))
            : h('span', {}, ' No sources: check it carefully.'),
        ),
      );
      this.reply.focus();
    } catch (error) {
      replace(this.sources, banner('critical', 'No draft', h('s-paragraph', {}, describe(error))));
    }
  }

  private async addNote(): Promise<void> {
    const text = valueOf(this.note).trim();
    if (!text) return;
    try {
      await api(`/api/inbox/conversations/${this.id}/notes`, { method: 'POST', json: { text } });
      (this.note as HTMLInputElement).value = '';
      shopify.toast.show('Note added');
      await this.reload();
    } catch (error) {
      shopify.toast.show(describe(error), { isError: true });
    }
  }

  private async loadSaved(): Promise<void> {
    try {
      const { saved_replies } = await api<{ saved_replies: SavedReply[] }>('/api/inbox/saved-replies', { signal: this.closed.signal });
      this.savedReplies = saved_replies ?? [];
    } catch {
      this.savedReplies = [];
    }
    this.drawSaved();
  }

  private drawSaved(): void {
    replace(this.saved, ...(this.savedReplies.length ? this.savedReplies.map((r, i) => option(String(r.id), r.title, i === 0)) : [option('', 'No saved replies yet', true)]));
  }

  /** Puts the chosen saved reply, its variables filled for this conversation, in the box. */
  private async insertSaved(): Promise<void> {
    const id = valueOf(this.saved);
    if (!id) return;
    try {
      const { text } = await api<{ text: string }>(`/api/inbox/conversations/${this.id}/saved-replies/${id}`);
      const current = valueOf(this.reply);
      (this.reply as HTMLInputElement).value = current ? `${current}\n${text}` : text;
      this.reply.focus();
    } catch (error) {
      shopify.toast.show(describe(error), { isError: true });
    }
  }

  private manageSaved(): HTMLElement {
    const title = h('s-text-field', { label: 'Title', name: 'saved_title' });
    const text = h('s-text-area', { label: 'Text', name: 'saved_text', details: 'Variables: {{first_name}}, {{order_number}}', rows: 3 });
    const list = h('ul', { class: 'saved-list' });
    const draw = () =>
      replace(
        list,
        ...this.savedReplies.map((r) =>
          h('li', {}, h('span', { class: 'saved-title' }, r.title), ' ', button('Delete', () => void remove(r), { tone: 'critical', accessibilityLabel: `Delete saved reply ${r.title}` })),
        ),
      );
    const remove = async (r: SavedReply) => {
      await api(`/api/inbox/saved-replies/${r.id}`, { method: 'DELETE' });
      this.savedReplies = this.savedReplies.filter((s) => s.id !== r.id);
      this.drawSaved();
      draw();
    };
    const add = async () => {
      try {
        const made = await api<SavedReply>('/api/inbox/saved-replies', { method: 'POST', json: { title: valueOf(title).trim(), text: valueOf(text).trim() } });
        this.savedReplies.push(made);
        (title as HTMLInputElement).value = '';
        (text as HTMLInputElement).value = '';
        this.drawSaved();
        draw();
        shopify.toast.show('Saved reply added');
      } catch (error) {
        shopify.toast.show(describe(error), { isError: true });
      }
    };
    const holder = h('div', {}, list, title, text, button('Add saved reply', () => void add()));
    holder.addEventListener('toggle', draw);
    queueMicrotask(draw);
    return holder;
  }

  private async loadSidebar(): Promise<void> {
    replace(this.sidebar, h('s-spinner', { accessibilityLabel: 'Loading the customer' }));
    try {
      const card = await api<CustomerCard>(`/api/inbox/conversations/${this.id}/customer`, { signal: this.closed.signal });
      if (this.gone) return;
      replace(this.sidebar, ...customerCard(card));
    } catch (error) {
      if (this.gone) return;
      replace(this.sidebar, section('Customer', h('s-paragraph', {}, `Not available: ${describe(error)}`)));
    }
  }
}

const OWNER_LABEL: Record<InboxConversation['owner'], string> = { ai: 'AI handling', human: 'With your team', closed: 'Closed' };

const DONE: Record<string, string> = {
  take: 'You took over the conversation',
  'hand-back': 'Handed back to the AI',
  close: 'Conversation closed',
  reopen: 'Conversation reopened',
  assign: 'Conversation assigned',
};

const ROLE_LABEL: Record<InboxMessage['role'], string> = { shopper: 'Shopper', assistant: 'Assistant', agent: 'Agent', note: 'Internal note', event: '' };

function messageItem(m: InboxMessage): HTMLElement {
  const json = (value: unknown) => h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
  if (m.role === 'event') return h('li', { class: 'msg msg-event' }, m.text, ' · ', h('time', { datetime: m.created_at }, formatDate(m.created_at)));
  const by = m.role === 'agent' ? m.agent?.name ?? 'Agent' : m.role === 'note' ? `Internal note · ${m.agent?.name ?? 'Agent'}` : ROLE_LABEL[m.role];
  return h(
    'li',
    { class: `msg msg-${m.role}`, 'data-message': key(m) },
    h('p', { class: 'msg-by' }, h('strong', {}, by), ' ', h('time', { datetime: m.created_at }, formatDate(m.created_at))),
    m.text ? h('p', { class: 'msg-text', dir: 'auto' }, m.text) : null,
    m.attachments.length
      ? h(
          'div',
          { class: 'msg-photos' },
          ...m.attachments.map((a) =>
            a.content_type.startsWith('image/')
              ? h('a', { href: a.url, target: '_blank', rel: 'noopener' }, h('img', { src: a.url, alt: 'Photo from the shopper', loading: 'lazy' }))
              : h('a', { href: a.url, target: '_blank', rel: 'noopener' }, 'Attachment'),
          ),
        )
      : null,
    ...m.tool_calls.map((call) =>
      h(
        'details',
        { class: 'msg-tool' },
        h('summary', {}, `Tool: ${call.name} `, badge(call.status === 'ok' ? 'success' : 'critical', call.status)),
        h('p', {}, 'Arguments'),
        json(call.arguments),
        h('p', {}, 'Result'),
        json(call.result),
      ),
    ),
  );
}

function customerCard(card: CustomerCard): HTMLElement[] {
  const facts = (pairs: [string, string | number | null | undefined][]) =>
    h('dl', { class: 'facts' }, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
  const parts: HTMLElement[] = [];
  if (card.verified && card.customer) {
    const c = card.customer;
    parts.push(section('Customer', badge('success', 'Signed in'), facts([['Name', c.name], ['Email', c.email], ['Phone', c.phone], ['Orders', c.orders_count], ['Total spent', c.total_spent]])));
  } else {
    parts.push(
      section(
        'Anonymous shopper',
        h('s-paragraph', {}, 'Not signed in. What the conversation proved:'),
        card.proof?.order || card.proof?.email ? facts([['Order', card.proof?.order], ['Email', card.proof?.email]]) : h('s-paragraph', {}, 'Nothing yet.'),
      ),
    );
  }
  if (card.orders.length)
    parts.push(
      section(
        'Recent orders',
        h(
          'ul',
          { class: 'orders' },
          ...card.orders.map((o) =>
            h(
              'li',
              {},
              h('strong', {}, o.name),
              ' ',
              o.status ? badge('info', o.status) : null,
              ' ',
              o.fulfillment ? badge(o.fulfillment.toLowerCase().includes('fulfilled') ? 'success' : 'attention', o.fulfillment) : null,
              h('div', {}, `${o.total ?? ''} · ${formatDate(o.created_at)}`),
              ...o.tracking.map((t) => h('div', {}, 'Tracking: ', t.url ? h('a', { href: t.url, target: '_blank', rel: 'noopener' }, t.number) : t.number)),
            ),
          ),
        ),
      ),
    );
  if (card.page) parts.push(section('On the page', h('a', { href: card.page.url, target: '_blank', rel: 'noopener' }, card.page.title || card.page.url)));
  return parts;
}

/** The conversation's shopper as the list names them. */
function who(c: InboxConversation): string {
  return c.customer?.name || c.customer?.email || c.contact_email || `Anonymous shopper ${c.id.slice(0, 8)}`;
}

/** How long a shopper has waited, in words ("3 min", "2 h 5 min"). */
function waited(since: string): string {
  const minutes = Math.max(0, Math.floor((Date.now() - new Date(since).getTime()) / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function waitingTone(since: string): string {
  const minutes = (Date.now() - new Date(since).getTime()) / 60_000;
  return minutes >= 10 ? 'critical' : 'attention';
}

/** A transcript line's identity: ids are numbered per role. */
function key(m: InboxMessage): string {
  return `${m.role}:${m.id}`;
}

/** The conversation an event is about (every inbox event names it). */
function conversationOf(event: Record<string, unknown>): string | undefined {
  const id = event.conversation_id ?? (event.message as { conversation_id?: unknown } | undefined)?.conversation_id;
  return typeof id === 'string' && id ? id : undefined;
}
