import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';

/**
 * Issue #8 item 10: a full disk. On a real small filesystem (a 4 MiB tmpfs, when this process
 * may mount one: root) the disk is filled with ballast files; elsewhere the broker's test-only
 * RUNNEL_TEST_ENOSPC_FLAG_FILE makes its log writes fail with ENOSPC while a flag file exists
 * (SQLite writes are then unaffected, so topic creation is only checked never to hang or 500).
 */
interface Disk {
  readonly real: boolean;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  fill(): void;
  free(): void;
  dispose(): void;
}

function tmpfsDisk(): Disk | undefined {
  const mountPoint = makeDataDir('runnel-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const ballast = (i: number): string => path.join(mountPoint, `ballast-${i}`);
  let files = 0;
  return {
    real: true,
    dataDir: path.join(mountPoint, 'data'),
    env: {},
    fill() {
      // Write 64 KiB chunks until ENOSPC: the filesystem ends up with no free block at all.
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (;;) {
        const fd = fs.openSync(ballast(files++), 'w');
        try {
          for (let i = 0; i < 16; i++) fs.writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
          throw error;
        } finally {
          fs.closeSync(fd);
        }
      }
    },
    free() {
      for (let i = 0; i < files; i++) fs.rmSync(ballast(i), { force: true });
      files = 0;
    },
    dispose() {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    },
  };
}

function flagDisk(): Disk {
  const dir = makeDataDir();
  const flag = path.join(makeDataDir('runnel-flag-'), 'disk-full');
  return {
    real: false,
    dataDir: dir,
    env: { RUNNEL_TEST_ENOSPC_FLAG_FILE: flag },
    fill: () => fs.writeFileSync(flag, ''),
    free: () => fs.rmSync(flag, { force: true }),
    dispose: () => undefined,
  };
}

/** fetch with a deadline well inside jest's timeout: a hang fails with a message, not a timeout. */
async function request(url: string, init: RequestInit = {}, what = url): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new Error(`${what} got no answer within 15 s: ${(error as Error).message}`);
  }
}

describe('a full disk (real broker process)', () => {
  let disk: Disk;
  let broker: BrokerProcess | undefined;
  beforeAll(() => {
    disk = tmpfsDisk() ?? flagDisk();
  });
  afterAll(async () => {
    await broker?.stop('SIGKILL');
    disk.dispose();
  });

  const json = { 'content-type': 'application/json' };
  const produce = (value: string) =>
    request(`${broker!.baseUrl}/v3/clusters/-/topics/events/records`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ partition_id: 0, value: { type: 'STRING', data: value } }),
    });
  const createTopic = (name: string) =>
    request(
      `${broker!.baseUrl}/v3/clusters/-/topics`,
      { method: 'POST', headers: json, body: JSON.stringify({ topic_name: name, partitions_count: 2 }) },
      `creating topic ${name}`,
    );
  const metric = async (name: string): Promise<number> => {
    const text = await (await request(`${broker!.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`${name} is missing from /metrics`);
    return Number(line.split(' ')[1]);
  };

  it('answers 50003 KAFKA_STORAGE_ERROR, says so in readiness, metrics and the log, and recovers when space returns', async () => {
    broker = await startBroker({ dataDir: disk.dataDir, env: disk.env });
    expect((await createTopic('events')).status).toBe(201);
    expect((await produce('before')).status).toBe(200);
    expect(await metric('runnel_storage_healthy')).toBe(1);

    disk.fill();
    const refused = await produce('x'.repeat(100_000));
    expect(refused.status).toBe(500); // Confluent's status for a retriable failure on /records
    const body = (await refused.json()) as { error_code: number; message: string };
    expect(body.error_code).toBe(50003);
    expect(body.message).toMatch(/^KAFKA_STORAGE_ERROR: .*ENOSPC: no space left on device/);
    expect(body.message).not.toContain(disk.dataDir);

    const ready = await request(`${broker.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', error_code: 50003, message: expect.stringMatching(/ENOSPC/) });
    expect(await metric('runnel_storage_healthy')).toBe(0);
    expect(await metric('runnel_storage_errors_total')).toBeGreaterThan(0);
    expect(broker.output()).toMatch(/storage is failing \(append to events-0: ENOSPC/);

    // A topic creation on the full disk answers (500 / 50003 on a real full disk), and does not wedge later ones.
    const onFullDisk = await createTopic('while-full');
    expect(disk.real ? [500] : [201, 500]).toContain(onFullDisk.status);
    if (onFullDisk.status === 500) expect(((await onFullDisk.json()) as { error_code: number }).error_code).toBe(50003);

    disk.free();
    expect((await produce('after')).status).toBe(200);
    expect((await request(`${broker.baseUrl}/health/ready`)).status).toBe(200);
    expect(await metric('runnel_storage_healthy')).toBe(1);
    expect((await createTopic('after-full')).status).toBe(201);
    if (onFullDisk.status === 500) expect((await createTopic('while-full')).status).toBe(201);

    // Nothing acknowledged was lost; nothing refused was stored.
    const read = await request(`${broker.baseUrl}/v3/clusters/-/topics/events/partitions/0/records?offset=0&format=string`);
    const records = ((await read.json()) as { data: { value: { data: string } }[] }).data.map((r) => r.value.data);
    expect(records).toEqual(['before', 'after']);
  }, 90_000);
});
