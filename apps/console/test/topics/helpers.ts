import type { Page } from 'playwright-core';
import type { BrokerProcess } from '../../../broker/test/support/broker-process';
import { basic, type Who } from '../../../broker/test/support/acl-helpers';

/** One broker call as a test makes it (JSON in, parsed JSON out), optionally as a user. */
export async function brokerCall(
  broker: BrokerProcess,
  method: string,
  path: string,
  body?: unknown,
  who?: Who,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (who) headers.authorization = basic(who);
  const answer = await fetch(`${broker.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : undefined };
}

export async function createTopic(broker: BrokerProcess, name: string, partitions = 1, who?: Who): Promise<void> {
  const answer = await brokerCall(broker, 'POST', '/v3/clusters/-/topics', { topic_name: name, partitions_count: partitions }, who);
  if (answer.status !== 201) throw new Error(`creating ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Produces `count` small JSON records to one partition. */
export async function produce(broker: BrokerProcess, topic: string, partition: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const answer = await brokerCall(broker, 'POST', `/v3/clusters/-/topics/${topic}/records`, {
      partition_id: partition,
      value: { type: 'JSON', data: { i } },
    });
    if (answer.status !== 200) throw new Error(`producing to ${topic}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/** The topic names shown in the topics table, in order. */
export async function shownTopics(page: Page): Promise<string[]> {
  return page.locator('table tbody tr td:first-child a').allTextContents();
}

/** Waits until `read` returns what `done` accepts, or fails after the deadline with the last value. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}
