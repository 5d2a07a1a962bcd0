import { scanAudit } from '../../app/(console)/security/_shared/audit-scan';
import { jsonDiff, MAX_DIFF_LINES } from '../../app/(console)/security/audit/diff';
import { newestId } from '../../app/(console)/security/_shared/newest-id';
import { slice } from '../../app/(console)/security/_shared/slice';
import { templateBindings, type TemplateInput } from '../../app/(console)/security/_shared/templates';
import { aclDeleteQuery, entityLabel, userOf, type AuditEvent } from '../../app/(console)/security/_shared/types';

/** The security pages' pure parts: ACL templates, the audit diff, server-side paging, names. */
const input: TemplateInput = {
  principal: ' User:carol ',
  host: '',
  topic: 'orders.',
  patternType: 'PREFIXED',
  group: 'billing',
  groupPatternType: 'LITERAL',
};
const short = (acls: ReturnType<typeof templateBindings>) =>
  acls.map((a) => `${a.permission} ${a.operation} ${a.resource_type} ${a.pattern_type} ${a.resource_name}`);

describe('ACL templates', () => {
  it('producer: WRITE and DESCRIBE on the topic pattern, IDEMPOTENT_WRITE on the cluster, for the trimmed principal from any host', () => {
    const acls = templateBindings('producer', input);
    expect(short(acls)).toEqual([
      'ALLOW WRITE TOPIC PREFIXED orders.',
      'ALLOW DESCRIBE TOPIC PREFIXED orders.',
      'ALLOW IDEMPOTENT_WRITE CLUSTER LITERAL kafka-cluster',
    ]);
    expect(acls.every((a) => a.principal === 'User:carol' && a.host === '*')).toBe(true);
  });

  it('consumer: READ and DESCRIBE on the topics, READ on the group; nothing until a group is named', () => {
    expect(short(templateBindings('consumer', input))).toEqual([
      'ALLOW READ TOPIC PREFIXED orders.',
      'ALLOW DESCRIBE TOPIC PREFIXED orders.',
      'ALLOW READ GROUP LITERAL billing',
    ]);
    expect(templateBindings('consumer', { ...input, group: ' ' })).toEqual([]);
  });

  it('admin: ALL on topics, groups and transactional ids of the prefix, and cluster DESCRIBE, ALTER, CREATE', () => {
    expect(short(templateBindings('admin', input))).toEqual([
      'ALLOW ALL TOPIC PREFIXED orders.',
      'ALLOW ALL GROUP PREFIXED orders.',
      'ALLOW ALL TRANSACTIONAL_ID PREFIXED orders.',
      'ALLOW DESCRIBE CLUSTER LITERAL kafka-cluster',
      'ALLOW ALTER CLUSTER LITERAL kafka-cluster',
      'ALLOW CREATE CLUSTER LITERAL kafka-cluster',
    ]);
  });

  it('creates nothing without a principal or a name', () => {
    expect(templateBindings('producer', { ...input, principal: '' })).toEqual([]);
    expect(templateBindings('producer', { ...input, topic: '  ' })).toEqual([]);
  });
});

describe('audit diff', () => {
  it('marks what changed between before and after, keeping what stayed', () => {
    const diff = jsonDiff({ a: 1, b: 2 }, { a: 1, b: 3 });
    expect(diff.filter((l) => l.kind === 'removed').map((l) => l.text.trim())).toEqual(['"b": 2']);
    expect(diff.filter((l) => l.kind === 'added').map((l) => l.text.trim())).toEqual(['"b": 3']);
    expect(diff.filter((l) => l.kind === 'same').map((l) => l.text.trim())).toEqual(['{', '"a": 1,', '}']);
  });

  it('shows a creation as added lines only and a deletion as removed lines only', () => {
    expect(jsonDiff(undefined, { x: 1 }).every((l) => l.kind === 'added')).toBe(true);
    expect(jsonDiff({ x: 1 }, undefined).every((l) => l.kind === 'removed')).toBe(true);
  });

  it('does not compare line by line past its bound (whole sides instead)', () => {
    const big = Array.from({ length: MAX_DIFF_LINES + 10 }, (_, i) => i);
    const diff = jsonDiff(big, [...big, 1]);
    expect(diff.some((l) => l.kind === 'same')).toBe(false);
    expect(diff.length).toBe(2 * (MAX_DIFF_LINES + 12) + 1);
  });
});

describe('server-side paging', () => {
  const rows = Array.from({ length: 120 }, (_, i) => i);
  it('answers one page and the counts, clamping a page out of range', () => {
    expect(slice(rows, 1)).toMatchObject({ total: 120, page: 1, pages: 3, size: 50 });
    expect(slice(rows, 3).rows).toEqual(rows.slice(100));
    expect(slice(rows, 99).page).toBe(3);
    expect(slice(rows, NaN).page).toBe(1);
    expect(slice([], 1)).toMatchObject({ rows: [], pages: 1, page: 1 });
  });
});

describe('names', () => {
  it('reads a user from a principal, and names entities and exact ACL deletions', () => {
    expect(userOf('User:carol')).toBe('carol');
    expect(userOf('User:*')).toBeUndefined();
    expect(userOf('Group:x')).toBeUndefined();
    expect(entityLabel({ user: null, client_id: 'app' })).toBe('user <default>, client id app');
    const query = aclDeleteQuery({
      resource_type: 'TOPIC',
      resource_name: 'a&b',
      pattern_type: 'LITERAL',
      principal: 'User:carol',
      host: '*',
      operation: 'WRITE',
      permission: 'ALLOW',
    });
    expect(new URLSearchParams(query.split('?')[1]).get('resource_name')).toBe('a&b');
    expect(query).toContain('operation=WRITE');
  });
});

describe('the newest audit id (the log reads only forward)', () => {
  const log = (newest: number) => {
    const asked: number[] = [];
    return { asked, some: async (after: number) => (asked.push(after), after < newest) };
  };

  it('finds the newest id past the first page in about 2·log2 questions', async () => {
    for (const newest of [1000, 1001, 2024, 5000, 123_456, 9_999_999]) {
      const { asked, some } = log(newest);
      expect(await newestId(1000, some)).toBe(newest);
      expect(asked.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(newest)) + 2);
    }
  });
});

describe('audit log pages (newest first, filtered on the console server)', () => {
  // ids 101..400 (older ones trimmed); every third record is a denial of carol.
  const log: AuditEvent[] = Array.from({ length: 300 }, (_, i) => {
    const id = 101 + i;
    return {
      id,
      time: id,
      principal: id % 3 === 0 ? 'User:carol' : 'User:admin',
      source: '127.0.0.1',
      resource: 'TOPIC:t',
      operation: 'WRITE',
      outcome: id % 3 === 0 ? 'DENIED' : 'SUCCESS',
    };
  });
  const read = async (after: number, limit: number) => {
    return log.filter((e) => e.id > after).slice(0, limit);
  };
  const base = { newest: 400, oldest: 101, size: 50, chunk: 100, budget: 250 };

  it('pages the whole log newest first without skipping or repeating a record', async () => {
    const seen: number[] = [];
    let before: number | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await scanAudit(read, { ...base, before, filter: {} });
      seen.push(...page.events.map((e) => e.id));
      if (page.older === null) break;
      before = page.older;
    }
    expect(seen).toEqual(log.map((e) => e.id).reverse());
  });

  it('keeps only matching events, reads at most the budget a page, and resumes where it stopped', async () => {
    const filter = { principal: 'User:carol', outcome: 'DENIED' };
    const first = await scanAudit(read, { ...base, filter });
    expect(first.events).toHaveLength(50);
    expect(first.events.every((e) => e.principal === 'User:carol')).toBe(true);
    expect(first.events[0].id).toBe(399);
    expect(first.scanned).toBeLessThanOrEqual(250);
    const rest = await scanAudit(read, { ...base, filter, before: first.older! });
    const all = [...first.events, ...rest.events].map((e) => e.id);
    expect(all).toEqual(
      log
        .filter((e) => e.id % 3 === 0)
        .map((e) => e.id)
        .reverse(),
    );
    // The page filled at id 102: id 101 is still unread, so "Older" stays, and finds nothing more.
    expect(rest.older).toBe(102);
    const last = await scanAudit(read, { ...base, filter, before: rest.older! });
    expect(last).toEqual({ events: [], older: null, scanned: 1 });

    const none = await scanAudit(read, { ...base, filter: { outcome: 'FAILED' } });
    expect(none.events).toEqual([]);
    expect(none.scanned).toBe(300); // the budget (250) is checked per chunk of 100
    expect(none.older).toBeNull(); // every record was read
  });
});
