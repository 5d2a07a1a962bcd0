import { jsonDiff, MAX_DIFF_LINES } from '../../app/(console)/security/audit/diff';
import { slice } from '../../app/(console)/security/_shared/slice';
import { templateBindings, type TemplateInput } from '../../app/(console)/security/_shared/templates';
import { aclDeleteQuery, entityLabel, userOf } from '../../app/(console)/security/_shared/types';

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
