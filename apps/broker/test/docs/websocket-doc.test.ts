import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_COMMIT_OFFSETS } from '../../src/ws/client-frames';
import { DEFAULT_WS_LIMITS } from '../../src/ws/ws-limits';
import { HEARTBEAT_MS } from '../../src/consume/event-stream.service';

/**
 * docs/websocket.md against the code it describes: every frame type the broker accepts or sends
 * has its section (and no section describes a frame that does not exist), and the limits table
 * states the limits the code enforces. A frame or limit changed in the code alone fails here.
 */
const ROOT = path.resolve(__dirname, '../../../..');
const doc = fs.readFileSync(path.join(ROOT, 'docs/websocket.md'), 'utf8');
const source = (file: string): string => fs.readFileSync(path.join(ROOT, 'apps/broker/src/ws', file), 'utf8');

/** The `### \`type\`` headings of one `## ` section of the page. */
function frameHeadings(section: string): string[] {
  const start = doc.indexOf(`\n## ${section}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return [...doc.slice(start, end).matchAll(/^### `([a-z_]+)`/gm)].map((m) => m[1]).sort();
}

/** A limits-table row: the cells after its first. */
function limitRow(label: string): string {
  const row = doc.split('\n').find((line) => line.startsWith(`| ${label} |`));
  if (row === undefined) throw new Error(`docs/websocket.md has no limits row "${label}"`);
  return row;
}

describe('docs/websocket.md: the WebSocket and SSE protocol page', () => {
  it('has a section for every client frame type the broker accepts, and for no other', () => {
    const validate = source('client-frames.ts');
    const body = validate.slice(validate.indexOf('export function validateFrame'));
    const accepted = [...body.slice(0, body.indexOf('default:')).matchAll(/case '([a-z_]+)':/g)].map((m) => m[1]).sort();
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(frameHeadings('Client frames')).toEqual(accepted);
  });

  it('has a section for every server frame type the broker sends, and for no other', () => {
    const text = ['ws-session.ts', 'group-member.ts', 'subscription.ts', 'session-watches.ts'].map(source).join('\n');
    const sent = new Set(
      [...text.matchAll(/type: '([a-z_]+)'|\\?"type\\?":\\?"([a-z_]+)\\?"|"type":"([a-z_]+)"/g)].map((m) => m[1] ?? m[2] ?? m[3]),
    );
    for (const clientType of frameHeadings('Client frames')) sent.delete(clientType);
    expect(sent.size).toBeGreaterThanOrEqual(6);
    expect(frameHeadings('Server frames')).toEqual([...sent].sort());
  });

  it('states the limits the code enforces', () => {
    const mib = (bytes: number): string => `${bytes / (1024 * 1024)} MiB`;
    const count = (n: number): string => n.toLocaleString('en-US');
    expect(limitRow('inbound frame size')).toContain(`| ${mib(DEFAULT_WS_LIMITS.maxFrameBytes)} |`);
    expect(limitRow('subscriptions per socket')).toContain(`| ${count(DEFAULT_WS_LIMITS.maxSubscriptions)} |`);
    expect(limitRow('watches per socket')).toContain(`| ${count(DEFAULT_WS_LIMITS.maxWatches)} |`);
    expect(limitRow('`sub` length')).toContain(`| ${count(DEFAULT_WS_LIMITS.maxSubNameLength)} characters |`);
    expect(limitRow('outstanding credit per subscription')).toContain(`| ${count(DEFAULT_WS_LIMITS.maxCredit)} records |`);
    expect(limitRow('partitions per subscription (named or in a cursor)')).toContain(
      `| ${count(DEFAULT_WS_LIMITS.maxPartitionsPerSubscription)} |`,
    );
    expect(limitRow('offsets per `commit` frame')).toContain(`| ${count(MAX_COMMIT_OFFSETS)} |`);
    expect(limitRow('produce frames in flight per socket')).toContain(`| ${count(DEFAULT_WS_LIMITS.maxProducesInFlight)} |`);
    expect(limitRow('unsent outbound bytes per socket')).toContain(`| ${mib(DEFAULT_WS_LIMITS.bufferedBytesHigh)} |`);
    expect(limitRow('silence (no pong, no frame)')).toContain(`(${DEFAULT_WS_LIMITS.idleTimeoutMs / 1000} s)`);
    expect(doc).toContain(`default ${count(DEFAULT_WS_LIMITS.defaultCredit)})`);
    expect(doc).toMatch(new RegExp(`\`: keepalive\`\\s+comment every ${HEARTBEAT_MS / 1000} s`));
  });
});
