import type { AuditRecord, MetadataStore } from '@runnel/metadata';
import { BrokerConfig } from '../../src/config/broker-config';
import { AccessControl } from '../../src/security/access-control.service';
import { AuditLogService, toEvent } from '../../src/security/audit-log.service';

/** The audit log's retention (one class, its store mocked): trimmed at start, then every tenth of the retention, by an unref'd timer. */
describe('AuditLogService retention', () => {
  const retentionMs = 600_000;
  let store: { clusterId: jest.Mock; trimAudit: jest.Mock; listAudit: jest.Mock };
  let service: AuditLogService;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z') });
    store = { clusterId: jest.fn().mockResolvedValue('cid'), trimAudit: jest.fn().mockResolvedValue(0), listAudit: jest.fn() };
    const config = { security: { auditRetentionMs: retentionMs } } as unknown as BrokerConfig;
    service = new AuditLogService(config, store as unknown as MetadataStore, {} as AccessControl);
  });
  afterEach(async () => {
    await service.onModuleDestroy();
    jest.useRealTimers();
  });

  it('deletes the records older than the retention at start and then every tenth of it', async () => {
    await service.onModuleInit();
    expect(store.trimAudit).toHaveBeenCalledTimes(1);
    expect(store.trimAudit).toHaveBeenLastCalledWith(new Date(Date.parse('2026-12-06T00:00:00Z') - retentionMs));
    await jest.advanceTimersByTimeAsync(retentionMs / 10 - 1);
    expect(store.trimAudit).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.trimAudit).toHaveBeenCalledTimes(2);
    expect(store.trimAudit).toHaveBeenLastCalledWith(new Date(Date.now() - retentionMs));
    await jest.advanceTimersByTimeAsync(retentionMs / 10);
    expect(store.trimAudit).toHaveBeenCalledTimes(3);
  });

  it('a failed trim is logged and retried at the next tick; stopping ends the timer', async () => {
    store.trimAudit.mockRejectedValueOnce(new Error('disk full'));
    await service.onModuleInit();
    await jest.advanceTimersByTimeAsync(retentionMs / 10);
    expect(store.trimAudit).toHaveBeenCalledTimes(2);
    await service.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(retentionMs);
    expect(store.trimAudit).toHaveBeenCalledTimes(2);
  });

  it('answers a stored record with its JSON values parsed back, and absent ones left out', () => {
    const record: AuditRecord = {
      id: 7,
      time: new Date(1_000),
      principal: 'User:a',
      source: '10.0.0.1',
      resource: 'ACL',
      operation: 'DELETE_ACLS',
      outcome: 'SUCCESS',
      before: '[{"principal":"User:b"}]',
      after: null,
    };
    expect(toEvent(record)).toEqual({
      id: 7,
      time: 1000,
      principal: 'User:a',
      source: '10.0.0.1',
      resource: 'ACL',
      operation: 'DELETE_ACLS',
      outcome: 'SUCCESS',
      before: [{ principal: 'User:b' }],
    });
    expect(toEvent({ ...record, before: 'not json' }).before).toBe('not json');
  });
});
