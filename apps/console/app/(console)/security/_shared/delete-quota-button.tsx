'use client';
import { api } from '@/lib/client-api';
import { ConfirmButton } from './confirm-button';
import { entityLabel, type QuotaEntity } from './types';

/** `DELETE .../quotas?user=&client_id=` (`<default>` names the default entity): every quota of the entity. */
export function DeleteQuotaButton({ entity, disabledReason }: { entity: QuotaEntity; disabledReason?: string }) {
  const query = new URLSearchParams();
  if (entity.user !== undefined) query.set('user', entity.user ?? '<default>');
  if (entity.client_id !== undefined) query.set('client_id', entity.client_id ?? '<default>');
  return (
    <ConfirmButton
      label={`Delete quotas of ${entityLabel(entity)}`}
      confirmText="Delete every quota of this entity?"
      disabledReason={disabledReason}
      onConfirm={() => api('DELETE', `/v3/clusters/-/quotas?${query.toString()}`)}
    >
      Delete
    </ConfirmButton>
  );
}
