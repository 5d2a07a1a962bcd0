'use client';
import { api } from '@/lib/client-api';
import { ConfirmButton } from './confirm-button';
import { aclDeleteQuery, type Acl } from './types';

/** Deletes exactly this binding (a DELETE whose filter names every field). */
export function DeleteAclButton({ acl, disabledReason }: { acl: Acl; disabledReason?: string }) {
  return (
    <ConfirmButton
      label={`Delete ACL ${acl.permission} ${acl.operation} on ${acl.resource_type} ${acl.resource_name} for ${acl.principal}`}
      confirmText="Delete this ACL?"
      disabledReason={disabledReason}
      onConfirm={() => api('DELETE', aclDeleteQuery(acl))}
    >
      Delete
    </ConfirmButton>
  );
}
