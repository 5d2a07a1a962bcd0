import { runWithinBudget } from '../../faults/fault-run';
import { step, StepError, waitFor } from '../../faults/steps';

/** Deadlines: every failure says which step failed and how; the suite budget cuts a run short. */
it('a step that fails is reported with its name and the cause', async () => {
  await expect(step('create topic t', 5_000, () => Promise.reject(new Error('HTTP 400')))).rejects.toThrow(
    "step 'create topic t' failed: HTTP 400",
  );
});

it('a step that never ends is reported as timed out with its deadline', async () => {
  const error = await step('restart broker 2', 50, () => new Promise(() => undefined)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StepError);
  expect((error as StepError).message).toBe("step 'restart broker 2' timed out after 50 ms");
});

it('waitFor answers the first value and reports the last problem when the deadline passes', async () => {
  let calls = 0;
  expect(await waitFor('third time', 10_000, async () => (++calls === 3 ? 'yes' : undefined), 1)).toBe('yes');
  await expect(
    waitFor(
      'a leader for t-0',
      30,
      async () => {
        throw new Error('no broker is running');
      },
      5,
    ),
  ).rejects.toThrow('a leader for t-0: not reached within 30 ms (last: no broker is running)');
});

it('a run still going when the suite budget runs out is a failed run naming the step it was in', async () => {
  const result = await runWithinBudget(50, 'kill-leader', 4, '/tmp/x', async () => {
    await step('heal kill-leader', 300, () => new Promise(() => undefined)).catch(() => undefined);
    throw new Error('not reached');
  });
  expect(result).toMatchObject({
    index: 4,
    fault: 'kill-leader',
    faultCount: 1,
    error: "the suite's time budget (FAULTS_DEADLINE_MS) ran out during step 'heal kill-leader'",
  });
});

it('a run that ends in time is answered as is', async () => {
  const done = { index: 1, fault: 'pg-restart', faultCount: 1, durationMs: 5, dir: '/tmp/y' };
  expect(await runWithinBudget(10_000, 'pg-restart', 1, '/tmp/y', async () => done)).toBe(done);
});
