//! Server-Sent Events read from a fetch body. EventSource cannot POST (an answer streams back
//! from `POST .../messages`) nor send `Authorization`, so the stream is parsed here.

export interface SseEvent {
  event: string;
  data: string;
  /** Set on live events: what `Last-Event-ID` resumes after. */
  id?: string;
}

/** Calls `onEvent` for each event until the server ends the stream (or it breaks: throws). */
export async function readSse(response: Response, onEvent: (event: SseEvent) => void): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event: SseEvent = { event: '', data: '' };
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      if (!line) {
        // A blank line dispatches the event gathered so far.
        if (data.length) onEvent({ ...event, event: event.event || 'message', data: data.join('\n') });
        event = { event: '', data: '' };
        data = [];
        continue;
      }
      if (line[0] === ':') continue; // keep-alive comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
      if (field === 'event') event.event = text;
      else if (field === 'data') data.push(text);
      else if (field === 'id') event.id = text;
    }
  }
}
