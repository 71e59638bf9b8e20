//! The chat API (docs/chat-api.yaml): a session through the shop's app proxy (which tells the
//! server who the shopper is), then every call straight to the app with that session's bearer
//! token. A 401 (the token expired) fetches a new session and tries once more; retrying on
//! network failures is the caller's business, because only the caller knows what is safe to
//! repeat (a message is, thanks to its client_id).

import { type Config, join } from '../shared/config';
import type { Store } from './store';

export interface Session {
  token: string;
  expires_in: number;
  visitor_id: string;
  logged_in: boolean;
  api_url: string;
  /** The conversation a mailed link's resume token reopened (the session is now its visitor's). */
  conversation_id?: string;
  assistant: {
    name?: string;
    greeting?: string;
    languages?: string[];
    /** The merchant's branding from the admin; absent: the theme block's. */
    accent_color?: string;
    position?: 'left' | 'right';
  };
}

/** A refusal in the API's one error shape, `{"error": {"code", "message"}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` on a 429. */
    readonly retryAfter = 0,
  ) {
    super(message);
  }
}

async function refusal(response: Response): Promise<HttpError> {
  const body = await response.json().catch(() => null);
  return new HttpError(
    response.status,
    body?.error?.code ?? String(response.status),
    body?.error?.message ?? response.statusText,
    Number(response.headers.get('retry-after')) || 0,
  );
}

export type Api = ReturnType<typeof openApi>;

/** `resume`: a mailed reply's resume token, sent with the first session only. */
export function openApi(config: Config, store: Store, resume?: string) {
  let current: Promise<Session> | undefined;
  let expires = 0;

  /** The session, fetched again when it is about to expire or `renew` says it has. */
  function session(renew = false): Promise<Session> {
    if (!current || renew || Date.now() > expires) {
      const visitor = store.visitor();
      const query = new URLSearchParams();
      if (visitor) query.set('visitor', visitor);
      if (resume) query.set('resume', resume);
      const search = query.toString();
      const url = join(config.routes.root, '/apps/concierge/session') + (search ? `?${search}` : '');
      current = fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(
        async (response) => {
          if (!response.ok) throw await refusal(response);
          const s: Session = await response.json();
          expires = Date.now() + Math.max(30, s.expires_in - 60) * 1000;
          store.setVisitor(s.visitor_id);
          resume = undefined;
          return s;
        },
      );
      // A failed session is not kept: the next call asks again.
      current.catch(() => (current = undefined));
    }
    return current;
  }

  /** `path` under the app's API with the bearer token; `json` becomes the JSON body. */
  async function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    for (let renew = false; ; renew = true) {
      const s = await session(renew);
      const headers = new Headers(init.headers);
      headers.set('Authorization', `Bearer ${s.token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('Content-Type', 'application/json');
        body = JSON.stringify(init.json);
      }
      const response = await fetch(join(s.api_url, path), { ...init, headers, body });
      if (response.ok) return response;
      if (response.status !== 401 || renew) throw await refusal(response);
    }
  }

  return { session, call };
}
