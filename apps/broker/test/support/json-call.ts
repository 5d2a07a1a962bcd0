/** A JSON request as a test sends it: a string body goes as written, anything else as JSON. */
export interface JsonAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
  body: any;
}

/** Sends `method url` with `body` (typed application/json when there is one) and parses the answer (undefined when empty). */
export async function jsonCall(method: string, url: string, body?: unknown): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
