//! The admin API (docs/admin-api.yaml) with App Bridge's session token on every call. A 401
//! means the token is expired or not this shop's: nothing the page can repair by itself, so
//! the whole app is replaced by "Your session expired — reload".

/** A refusal in the API's one error shape; `fields` (on 422) maps dotted paths to messages. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

let expired: () => void = () => {};

/** What to do when a call answers 401 (set once by `main`). */
export function onExpired(handler: () => void): void {
  expired = handler;
}

export async function refusal(response: Response): Promise<ApiError> {
  const body = await response.json().catch(() => null);
  return new ApiError(
    response.status,
    body?.error?.code ?? String(response.status),
    body?.error?.message ?? response.statusText,
    body?.error?.fields ?? {},
  );
}

type Init = Omit<RequestInit, 'body'> & { json?: unknown; body?: BodyInit };

/** Calls `path` on the app with the session token; JSON in (`json`) and out. */
export async function api<T = unknown>(path: string, init: Init = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${await shopify.idToken()}`);
  headers.set('Accept', 'application/json');
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const response = await fetch(path, { ...init, headers, body });
  if (response.status === 401) {
    expired();
    throw await refusal(response);
  }
  if (!response.ok) throw await refusal(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A short sentence for a failed call, for a banner or toast. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
