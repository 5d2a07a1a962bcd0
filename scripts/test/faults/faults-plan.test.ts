import { FAULTS, parseFaultSpec, planRuns } from '../../faults/faults';
import { seededRandom } from '../../faults/steps';
import { produceOutcome, readAnswer } from '../../faults/workload';

/** The run plan, fault names, and how the workload reads the broker's answers into outcomes. */
describe('planRuns', () => {
  it('runs every fault once then the combinations by default, and only one-node faults in --dry-run', () => {
    const cluster = planRuns({ dryRun: false });
    expect(cluster).toEqual([
      ...FAULTS.map((f) => f.name).filter((name) => name !== 'sabotage-truncate'),
      'kill-leader+pg-restart',
      'pause-leader+partition-minority',
      'disk-full+kill-follower',
    ]);
    const dry = planRuns({ dryRun: true });
    expect(dry).toEqual(['kill-leader', 'kill-all', 'pause-leader', 'client-to-leader', 'disk-full', 'pause-leader+client-to-leader']);
  });

  it('never plans the sabotage self-test unless asked for by name', () => {
    expect(planRuns({ dryRun: false })).not.toContain('sabotage-truncate');
    expect(planRuns({ dryRun: true, only: ['sabotage-truncate'] })).toEqual(['sabotage-truncate']);
  });

  it('cycles the plan to FAULTS_RUNS and takes FAULTS_FAULTS as given', () => {
    expect(planRuns({ dryRun: false, only: ['kill-leader', 'pg-restart'], runs: 3 })).toEqual(['kill-leader', 'pg-restart', 'kill-leader']);
  });

  it('refuses unknown faults and cluster faults in --dry-run, naming them', () => {
    expect(() => planRuns({ dryRun: false, only: ['kill-everything'] })).toThrow(/unknown fault "kill-everything"; known: kill-leader/);
    expect(() => parseFaultSpec('kill-leader+pg-restart', true)).toThrow('pg-restart needs the cluster (not --dry-run)');
    expect(parseFaultSpec('none', true)).toEqual([]);
  });
});

describe('produceOutcome', () => {
  it('an acks=all delivery report with an offset is ok', () => {
    expect(produceOutcome({ status: 200, body: { error_code: 200, partition_id: 1, offset: 12 } })).toEqual({ outcome: 'ok', offset: 12 });
  });

  it('a refusal before the append (4xx status or a 4xx code in a 200 report) is a definite failure', () => {
    expect(produceOutcome({ status: 404, body: { error_code: 40403, message: 'unknown topic' } }).outcome).toBe('fail');
    expect(produceOutcome({ status: 200, body: { error_code: 40403, message: 'no partition 7' } }).outcome).toBe('fail');
    expect(produceOutcome({ status: 200, body: { error_code: 413, message: 'too large' } }).outcome).toBe('fail');
  });

  it('a retriable error or an unknown shape may have been appended: unknown', () => {
    expect(produceOutcome({ status: 500, body: { error_code: 50003, message: 'not enough replicas' } })).toMatchObject({
      outcome: 'unknown',
      error: 'HTTP 500 error_code 50003: not enough replicas',
    });
    expect(produceOutcome({ status: 200, body: { error_code: 50003 } }).outcome).toBe('unknown');
    expect(produceOutcome({ status: 200, body: undefined }).outcome).toBe('unknown');
  });
});

describe('readAnswer', () => {
  it('takes offsets and string values from a format=string read', () => {
    const answer = {
      status: 200,
      body: { data: [{ partition_id: 0, offset: 4, value: { type: 'STRING', data: 'r1:p:0' } }], next_offset: 5, high_watermark: 9 },
    };
    expect(readAnswer(answer)).toEqual({ records: [{ offset: 4, value: 'r1:p:0' }], nextOffset: 5, highWatermark: 9 });
  });

  it('is undefined for an error answer (416, 500) or a body without records', () => {
    expect(readAnswer({ status: 416, body: { error_code: 416 } })).toBeUndefined();
    expect(readAnswer({ status: 200, body: { data: [{ value: null }] } })).toBeUndefined();
  });
});

it('seededRandom repeats its sequence for a seed', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const draws = Array.from({ length: 5 }, () => a());
  expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
  expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
});
