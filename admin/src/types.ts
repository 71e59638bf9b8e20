//! The admin API's shapes (ADMIN contract, docs/admin-api.yaml).

export interface Source {
  id: number;
  kind: 'shopify_catalog' | 'shopify_content' | 'web' | 'files' | 'faq';
  name: string;
  status: 'idle' | 'queued' | 'syncing' | 'failed';
  seen: number;
  processed: number;
  failed: number;
  last_error: string | null;
  last_synced_at: string | null;
  documents: number;
  chunks: number;
}

export interface Home {
  shop: { domain: string; name: string };
  sync: { percent: number; done: boolean; sources: Source[] };
  checklist: { widget_enabled: boolean; knowledge_synced: boolean; assistant_named: boolean; test_conversation: boolean };
  theme_editor_url: string;
  stats: {
    days: number;
    conversations: number;
    messages: number;
    ai_resolved: number;
    handoffs: number;
    csat_average: number | null;
  };
}

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface Settings {
  assistant_name: string;
  greeting: string;
  tone: string;
  languages: string[];
  tools: { inventory_locations: boolean; order_notes: boolean; add_to_cart: boolean };
  handoff: { mode: string; keywords: string[] };
  business_hours: null | {
    timezone: string;
    weekly: Record<Day, { open: string; close: string }[]>;
    holidays: string[];
  };
  branding: { accent_color: string; position: string };
  model:
    | { provider: 'local' }
    | { provider: 'openai'; base_url: string; model: string; api_key?: string | null; api_key_set?: boolean };
}

export interface FaqEntry {
  /** `faq:…`, as `POST /api/faq` answers it. */
  id: string;
  question: string;
  answer: string;
  position: number;
}

export interface SearchHit {
  chunk_id: number;
  document_id: number;
  title: string;
  url: string | null;
  snippet: string;
  score: number;
  source: { id: number; kind: string; name: string };
}

export interface DocumentRow {
  id: number;
  title: string;
  url: string | null;
  chunks: number;
  updated_at: string;
}

export interface Session {
  token: string;
  expires_in: number;
  visitor_id: string;
  logged_in: boolean;
  api_url: string;
  assistant: { name?: string; greeting?: string };
}

export interface TraceTurn {
  question: string;
  answer: string;
  model: string;
  latency_ms: number | null;
  first_token_ms: number | null;
  cost_usd: number | null;
  tokens: { input: number | null; output: number | null };
  tool_calls: { name: string; arguments: unknown; result: unknown; ms: number; ok: boolean }[];
  passages: { title: string; url: string | null; snippet: string; score: number | null }[];
}

/** The inbox API's shapes (docs: INBOX contract, issue 14). */
export type Availability = 'online' | 'away';

export interface Agent {
  id: number;
  name: string;
  email: string | null;
  role: 'owner' | 'agent';
  availability: Availability;
  online?: boolean;
}

export type InboxView = 'needs_person' | 'ai' | 'mine' | 'closed';

export interface InboxConversation {
  /** The conversation's UUID. */
  id: string;
  preview: string;
  customer: { name: string | null; email: string | null } | null;
  contact_email: string | null;
  owner: 'ai' | 'human' | 'closed';
  assignee: { id: number; name: string } | null;
  waiting_since: string | null;
  last_message_at: string | null;
  unread: number;
  locale: string | null;
  page?: { url: string; title: string | null } | null;
  proof?: { order: string | null; email: string | null } | null;
}

export interface InboxList {
  conversations: InboxConversation[];
  counts: Record<InboxView, number>;
  next: string | null;
}

export interface ToolCall {
  name: string;
  arguments: unknown;
  result: unknown;
  status: string;
}

export interface InboxMessage {
  /** Unique within its `role` (messages, notes and audit events are numbered apart). */
  id: number;
  role: 'shopper' | 'assistant' | 'agent' | 'note' | 'event';
  text: string;
  agent: { id: number; name: string } | null;
  created_at: string;
  tool_calls: ToolCall[];
  attachments: { id: number | string; url: string; content_type: string }[];
}

export interface InboxThread {
  conversation: InboxConversation;
  messages: InboxMessage[];
  viewers: { id: number; name: string }[];
}

export interface CustomerCard {
  verified: boolean;
  customer: { name: string | null; email: string | null; phone: string | null; orders_count: number | null; total_spent: string | number | null } | null;
  orders: { name: string; status: string | null; fulfillment: string | null; tracking: { number: string; url: string | null }[]; total: string | number | null; created_at: string }[];
  proof: { order: string | null; email: string | null } | null;
  page: { url: string; title: string | null } | null;
}

export interface SavedReply {
  id: number;
  title: string;
  text: string;
}

export interface Draft {
  text: string;
  sources: { title: string; url: string | null }[];
}
