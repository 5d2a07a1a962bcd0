import { RunnelError } from '../../src/common/errors';
import { anonymousCaller, userCaller } from '../../src/security/caller';
import { MAX_TICKETS_PER_PRINCIPAL, WsTickets } from '../../src/security/ws-tickets';

describe('WsTickets', () => {
  let now = 1_000_000;
  const tickets = () => new WsTickets(30_000, () => now);
  const alice = userCaller('alice', '10.0.0.1', undefined, 'password');

  it('redeems a ticket once, for the caller it was issued to', () => {
    const store = tickets();
    const { ticket, expiresAt } = store.issue(alice);
    expect(expiresAt).toBe(now + 30_000);
    expect(store.redeem(ticket)).toEqual(alice);
    expect(store.redeem(ticket)).toBeUndefined();
    expect(store.redeem('not-a-ticket')).toBeUndefined();
  });

  it('refuses an expired ticket and forgets it', () => {
    const store = tickets();
    const { ticket } = store.issue(alice);
    now += 30_000;
    expect(store.redeem(ticket)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('bounds the unused tickets of a principal with 429/42901, without touching other callers', () => {
    const store = tickets();
    const other = store.issue(anonymousCaller('10.0.0.2')).ticket;
    for (let i = 0; i < MAX_TICKETS_PER_PRINCIPAL; i++) store.issue(alice);
    let refusal: unknown;
    try {
      store.issue(alice);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RunnelError);
    expect((refusal as RunnelError).toBody()).toMatchObject({ error_code: 42901 });
    expect(store.redeem(other)).toMatchObject({ principal: 'User:ANONYMOUS' });
    now += 30_000;
    expect(store.issue(alice).ticket).toEqual(expect.any(String));
    expect(store.size).toBe(1);
  });
});
