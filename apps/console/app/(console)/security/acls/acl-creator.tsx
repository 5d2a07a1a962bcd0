'use client';
import { useState } from 'react';
import { api } from '@/lib/client-api';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { TEMPLATES, templateBindings, type TemplateName } from '../_shared/templates';
import { useBrokerAction } from '../_shared/use-action';
import {
  aclKey,
  CLUSTER_NAME,
  PATTERN_TYPES,
  RESOURCE_TYPES,
  VALID_OPERATIONS,
  type Acl,
  type Operation,
  type PatternType,
  type Permission,
  type ResourceType,
} from '../_shared/types';

/**
 * Creates one binding, or the bindings of a producer / consumer / admin template: the list it
 * will create is shown first, then all are created at once with `acls:batch`.
 */
export function AclCreator({ disabledReason, defaultPrincipal }: { disabledReason?: string; defaultPrincipal: string }) {
  const { run, busy, errorBox } = useBrokerAction();
  const [template, setTemplate] = useState<TemplateName>('producer');
  const [principal, setPrincipal] = useState(defaultPrincipal || 'User:');
  const [host, setHost] = useState('*');
  const [topic, setTopic] = useState('');
  const [patternType, setPatternType] = useState<PatternType>('LITERAL');
  const [group, setGroup] = useState('');
  const [groupPatternType, setGroupPatternType] = useState<PatternType>('LITERAL');
  const [resourceType, setResourceType] = useState<ResourceType>('TOPIC');
  const [operation, setOperation] = useState<Operation>('READ');
  const [permission, setPermission] = useState<Permission>('ALLOW');
  const [created, setCreated] = useState<number | null>(null);
  const off = disabledReason !== undefined;

  const operations = VALID_OPERATIONS[resourceType];
  const single: Acl[] =
    principal.trim() && (resourceType === 'CLUSTER' || topic.trim())
      ? [
          {
            resource_type: resourceType,
            resource_name: resourceType === 'CLUSTER' ? CLUSTER_NAME : topic.trim(),
            pattern_type: resourceType === 'CLUSTER' ? 'LITERAL' : patternType,
            principal: principal.trim(),
            host: host.trim() || '*',
            operation: operations.includes(operation) ? operation : operations[0],
            permission,
          },
        ]
      : [];
  const bindings =
    template === 'single' ? single : templateBindings(template, { principal, host, topic, patternType, group, groupPatternType });
  const nameLabel = template === 'single' ? 'Resource name' : template === 'admin' ? 'Name prefix or name' : 'Topic';

  return (
    <form
      method="post"
      className="space-y-4"
      aria-label="Create ACLs"
      onSubmit={async (event) => {
        event.preventDefault();
        setCreated(null);
        const count = bindings.length;
        if (await run(() => api('POST', '/v3/clusters/-/acls:batch', { data: bindings }))) setCreated(count);
      }}
    >
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <Field id="acl-template" label="Template">
          <Select id="acl-template" value={template} onChange={(e) => setTemplate(e.target.value as TemplateName)} disabled={off}>
            {Object.entries(TEMPLATES).map(([name, label]) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="acl-principal" label="Principal" hint="User:<name>, or User:* for everyone">
          <Input id="acl-principal" value={principal} onChange={(e) => setPrincipal(e.target.value)} autoComplete="off" disabled={off} />
        </Field>
        <Field id="acl-host" label="Host" hint="* for any address">
          <Input id="acl-host" value={host} onChange={(e) => setHost(e.target.value)} autoComplete="off" disabled={off} />
        </Field>
        {template === 'single' ? (
          <Field id="acl-type" label="Resource type">
            <Select id="acl-type" value={resourceType} onChange={(e) => setResourceType(e.target.value as ResourceType)} disabled={off}>
              {RESOURCE_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          </Field>
        ) : null}
        {template !== 'single' || resourceType !== 'CLUSTER' ? (
          <>
            <Field id="acl-name" label={nameLabel}>
              <Input id="acl-name" value={topic} onChange={(e) => setTopic(e.target.value)} autoComplete="off" disabled={off} />
            </Field>
            <Field id="acl-pattern" label="Pattern type" hint="PREFIXED: every name starting with it">
              <Select id="acl-pattern" value={patternType} onChange={(e) => setPatternType(e.target.value as PatternType)} disabled={off}>
                {PATTERN_TYPES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </Select>
            </Field>
          </>
        ) : null}
        {template === 'consumer' ? (
          <>
            <Field id="acl-group" label="Consumer group">
              <Input id="acl-group" value={group} onChange={(e) => setGroup(e.target.value)} autoComplete="off" disabled={off} />
            </Field>
            <Field id="acl-group-pattern" label="Group pattern type">
              <Select
                id="acl-group-pattern"
                value={groupPatternType}
                onChange={(e) => setGroupPatternType(e.target.value as PatternType)}
                disabled={off}
              >
                {PATTERN_TYPES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </Select>
            </Field>
          </>
        ) : null}
        {template === 'single' ? (
          <>
            <Field id="acl-operation" label="Operation">
              <Select
                id="acl-operation"
                value={operations.includes(operation) ? operation : operations[0]}
                onChange={(e) => setOperation(e.target.value as Operation)}
                disabled={off}
              >
                {operations.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </Select>
            </Field>
            <Field id="acl-permission" label="Permission">
              <Select id="acl-permission" value={permission} onChange={(e) => setPermission(e.target.value as Permission)} disabled={off}>
                <option value="ALLOW">ALLOW</option>
                <option value="DENY">DENY</option>
              </Select>
            </Field>
          </>
        ) : null}
      </div>
      <div className="space-y-2">
        <h3 className="text-sm font-medium" id="acl-preview-title">
          {bindings.length === 0
            ? 'Fill in the principal and names to see the ACLs this creates.'
            : `This creates ${bindings.length} ACL${bindings.length > 1 ? 's' : ''}:`}
        </h3>
        {bindings.length > 0 ? (
          <Table caption="ACLs to create">
            <THead>
              <tr>
                <TH>Permission</TH>
                <TH>Operation</TH>
                <TH>Resource type</TH>
                <TH>Pattern</TH>
                <TH>Resource name</TH>
                <TH>Principal</TH>
                <TH>Host</TH>
              </tr>
            </THead>
            <TBody>
              {bindings.map((b) => (
                <TR key={aclKey(b)}>
                  <TD>{b.permission}</TD>
                  <TD>{b.operation}</TD>
                  <TD>{b.resource_type}</TD>
                  <TD>{b.pattern_type}</TD>
                  <TD className="font-mono break-all">{b.resource_name}</TD>
                  <TD>{b.principal}</TD>
                  <TD className="font-mono">{b.host}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : null}
      </div>
      <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy || bindings.length === 0}>
        {bindings.length > 1 ? `Create ${bindings.length} ACLs` : 'Create ACL'}
      </Button>
      {errorBox}
      {created ? <Notice tone="success">{created === 1 ? 'ACL created.' : `${created} ACLs created.`}</Notice> : null}
    </form>
  );
}
