/** Injection token of the consumer-group settings (GroupConfig). */
export const GROUP_CONFIG = Symbol('GROUP_CONFIG');
