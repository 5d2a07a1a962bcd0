import type { AclRecord, MetadataStore } from '@runnel/metadata';
import { RunnelError } from '../../src/common/errors';
import { AccessControl } from '../../src/security/access-control.service';
import type { TopicsService } from '../../src/topics/topics.service';
import { AclsService } from '../../src/security/acls.service';
import { AuditService } from '../../src/security/audit.service';
import { anonymousCaller } from '../../src/security/caller';
import { acl } from './acls-support';

/** AclsService alone (store, authorizer and audit mocked): changes one at a time, failures audited, authorization first. */
describe('AclsService', () => {
  const caller = anonymousCaller('10.0.0.1');
  let rows: AclRecord[];
  let nextId: number;
  let store: { clusterId: jest.Mock; listAcls: jest.Mock; createAcls: jest.Mock; deleteAcls: jest.Mock };
  let access: { acls: AclRecord[]; reload: jest.Mock; requireCluster: jest.Mock; enabled: boolean };
  let audit: { record: jest.Mock; note: jest.Mock };
  let service: AclsService;

  beforeEach(async () => {
    rows = [];
    nextId = 1;
    store = {
      clusterId: jest.fn().mockResolvedValue('cid'),
      listAcls: jest.fn(async () => rows.slice()),
      createAcls: jest.fn(async (bindings: Omit<AclRecord, 'id'>[]) => {
        // Slow enough that a second change would interleave if changes were not run one at a time.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const created = bindings.map((b) => ({ ...b, id: nextId++ }));
        rows.push(...created);
        return created;
      }),
      deleteAcls: jest.fn(async (ids: number[]) => {
        const gone = rows.filter((r) => ids.includes(r.id));
        rows = rows.filter((r) => !ids.includes(r.id));
        return gone;
      }),
    };
    access = { acls: [], reload: jest.fn(async () => void (access.acls = rows.slice())), requireCluster: jest.fn(), enabled: false };
    audit = { record: jest.fn().mockResolvedValue(undefined), note: jest.fn() };
    // TopicsService's answer for another cluster id.
    const topics = {
      clusterId: 'cid',
      checkCluster: (cid: string) => {
        if (cid !== '-' && cid !== 'cid') throw new RunnelError('NOT_FOUND', `cluster '${cid}' not found`);
      },
    };
    service = new AclsService(
      store as unknown as MetadataStore,
      access as unknown as AccessControl,
      audit as unknown as AuditService,
      topics as unknown as TopicsService,
    );
  });

  it('runs changes one at a time: the second create of a binding sees the first stored it', async () => {
    const binding = acl();
    await Promise.all([service.create(caller, 'cid', binding, false), service.create(caller, 'cid', binding, false)]);
    expect(store.createAcls).toHaveBeenCalledTimes(1);
    expect(rows).toHaveLength(1);
    expect(audit.record.mock.calls.map(([entry]) => entry.before)).toEqual([[], [binding]]);
  });

  it('a change the store cannot make is audited as FAILED and answered with the error; the next change still runs', async () => {
    store.createAcls.mockRejectedValueOnce(new Error('disk I/O error'));
    await expect(service.create(caller, 'cid', acl(), false)).rejects.toThrow('disk I/O error');
    expect(audit.note).toHaveBeenCalledWith(
      expect.objectContaining({ operation: 'CREATE_ACLS', outcome: 'FAILED', principal: 'User:ANONYMOUS' }),
    );
    expect(audit.record).not.toHaveBeenCalled();
    await service.create(caller, 'cid', acl(), false);
    expect(rows).toHaveLength(1);
  });

  it('a refused request is not a failure: 400 and nothing audited', async () => {
    await expect(service.create(caller, 'cid', acl({ operation: 'ANY' }), false)).rejects.toMatchObject({ status: 400 });
    await expect(service.delete(caller, 'cid', {})).rejects.toMatchObject({ status: 400 });
    expect(audit.note).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('checks authorization (ALTER to change, DESCRIBE to read) before the cluster id', async () => {
    access.requireCluster.mockImplementation(() => {
      throw new RunnelError('NOT_AUTHORIZED', 'no');
    });
    await expect(service.create(caller, 'other', acl(), false)).rejects.toMatchObject({ status: 403 });
    expect(access.requireCluster).toHaveBeenLastCalledWith(caller, 'ALTER');
    expect(() => service.list(caller, 'other', {})).toThrow('no');
    expect(access.requireCluster).toHaveBeenLastCalledWith(caller, 'DESCRIBE');
    access.requireCluster.mockReset();
    expect(() => service.list(caller, 'other', {})).toThrow("cluster 'other' not found");
    expect(service.list(caller, '-', {}).bindings).toEqual([]);
  });
});
