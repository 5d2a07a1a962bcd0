import { API_ERRORS } from '@runnel/protocol';
import { errorFromResponse } from '../src/errors';

/** The client decides retries from the same table the broker answers with (@runnel/protocol). */
describe('errorFromResponse', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    errorFromResponse(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers }));

  it('retries exactly the kinds the shared table marks retriable', async () => {
    for (const kind of Object.values(API_ERRORS)) {
      const error = await answer(kind.status, { error_code: kind.errorCode, message: 'm' });
      expect({ code: kind.errorCode, retriable: error.retriable }).toEqual({ code: kind.errorCode, retriable: kind.retriable });
    }
  });

  it('keeps the code, message and Retry-After of the body, and retries a proxy 429/503 page', async () => {
    const refused = await answer(403, { error_code: 40301, message: 'topic __consumer_offsets is internal' });
    expect(refused).toMatchObject({ errorCode: 40301, status: 403, retriable: false, message: 'topic __consumer_offsets is internal' });
    expect(await answer(429, '<html>slow down</html>', { 'retry-after': '2' })).toMatchObject({
      errorCode: 429,
      retriable: true,
      retryAfterMs: 2000,
    });
    expect(await answer(503, '<html>maintenance</html>')).toMatchObject({ errorCode: 503, retriable: true });
  });
});
