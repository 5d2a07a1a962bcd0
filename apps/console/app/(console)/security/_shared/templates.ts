import { CLUSTER_NAME, type Acl, type PatternType } from './types';

/**
 * ACL templates: the bindings a producer, a consumer or an administrator of some topics needs,
 * shown to the user as a list before they are created in one `acls:batch`.
 */
export const TEMPLATES = {
  single: 'One binding',
  producer: 'Producer: WRITE + DESCRIBE on topics, IDEMPOTENT_WRITE on the cluster',
  consumer: 'Consumer: READ + DESCRIBE on topics, READ on a group',
  admin: 'Admin: ALL on topics, groups and transactional ids of a prefix; CLUSTER DESCRIBE + ALTER + CREATE',
} as const;
export type TemplateName = keyof typeof TEMPLATES;

export interface TemplateInput {
  principal: string;
  host: string;
  /** A topic name, or a prefix when `patternType` is PREFIXED. */
  topic: string;
  patternType: PatternType;
  /** Consumer: the group (LITERAL or PREFIXED as `groupPatternType`). */
  group: string;
  groupPatternType: PatternType;
}

/** The bindings a template creates; [] until its names are filled in. */
export function templateBindings(template: Exclude<TemplateName, 'single'>, input: TemplateInput): Acl[] {
  const base = { principal: input.principal.trim(), host: input.host.trim() || '*', permission: 'ALLOW' as const };
  const topic = input.topic.trim();
  if (!base.principal || !topic) return [];
  const onTopic = (operation: Acl['operation']): Acl => ({
    ...base,
    resource_type: 'TOPIC',
    resource_name: topic,
    pattern_type: input.patternType,
    operation,
  });
  const onCluster = (operation: Acl['operation']): Acl => ({
    ...base,
    resource_type: 'CLUSTER',
    resource_name: CLUSTER_NAME,
    pattern_type: 'LITERAL',
    operation,
  });
  switch (template) {
    case 'producer':
      return [onTopic('WRITE'), onTopic('DESCRIBE'), onCluster('IDEMPOTENT_WRITE')];
    case 'consumer': {
      const group = input.group.trim();
      if (!group) return [];
      return [
        onTopic('READ'),
        onTopic('DESCRIBE'),
        { ...base, resource_type: 'GROUP', resource_name: group, pattern_type: input.groupPatternType, operation: 'READ' },
      ];
    }
    case 'admin':
      return [
        onTopic('ALL'),
        { ...base, resource_type: 'GROUP', resource_name: topic, pattern_type: input.patternType, operation: 'ALL' },
        { ...base, resource_type: 'TRANSACTIONAL_ID', resource_name: topic, pattern_type: input.patternType, operation: 'ALL' },
        onCluster('DESCRIBE'),
        onCluster('ALTER'),
        onCluster('CREATE'),
      ];
  }
}
